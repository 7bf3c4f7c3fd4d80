"""Deterministic synthetic trading data for the sync benchmark.

At scale 1 it makes what a mid-sized retail broker's back office and trading
platforms would send over 90 days: 20,000 traders (a registration event each, and a
KYC decision for most), 30,000 platform accounts (MT4, MT5, cTrader; about a
quarter demo), 200,000 funding movements, 1,000,000 trades and one equity point a
day for every live account while it exists (accounts opened during the window start
their series on their opening day). The records have exactly the keys of the sync
API (``fx.sync.push_*``) and are written as JSON lines, one file per kind, each
sorted the way a feed would send it (events, accounts and fundings by time, trades
by open time, equity points by day).

The same seed, scale and end date always give byte-identical files. Amounts are in
the account currency (USD mostly, EUR and GBP). Trades carry prices that follow a
random walk per symbol, a profit consistent with the price move, the volume and the
contract size, commission on "raw" accounts, swap for positions held overnight, and
a strategy tag (scalping, trend, martingale, bollinger, news, 60s, or none).

    python tests/bench/generate.py --scale 0.05 --out /tmp/bench-data
"""

import argparse
import hashlib
import json
import math
import random
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

FULL_SIZE = {
    "traders": 20_000,
    "accounts": 30_000,
    "fundings": 200_000,
    "trades": 1_000_000,
}
WINDOW_DAYS = 90  # trading history and equity series
HISTORY_DAYS = 720  # registrations go back this far
KINDS = ("events", "accounts", "fundings", "trades", "equity")
DAY = 86_400

# --- reference tables ------------------------------------------------------------


@dataclass(frozen=True)
class Symbol:
    name: str
    weight: float  # share of retail trades
    price: float  # price at the start of the window
    digits: int
    contract: float  # units per lot
    daily_vol: float  # daily standard deviation of the log price
    spread: float  # typical spread, in price units
    quote: str  # currency the profit is made in
    swap_long: float  # per lot and night, in the quote currency
    swap_short: float
    weekend: bool = False  # trades on weekends (crypto)


SYMBOLS = [
    Symbol("EURUSD", 17, 1.0850, 5, 100_000, 0.0045, 0.00008, "USD", -7.2, 2.9),
    Symbol("XAUUSD", 16, 2350.0, 2, 100, 0.0110, 0.25, "USD", -38.0, 12.0),
    Symbol("GBPUSD", 10, 1.2700, 5, 100_000, 0.0050, 0.00012, "USD", -5.1, 0.8),
    Symbol("USDJPY", 8, 151.20, 3, 100_000, 0.0060, 0.012, "JPY", 1650.0, -3100.0),
    Symbol("NAS100", 7, 18_200.0, 1, 1, 0.0130, 1.5, "USD", -4.9, 1.1),
    Symbol("US30", 6, 39_100.0, 1, 1, 0.0090, 2.5, "USD", -10.4, 2.2),
    Symbol("BTCUSD", 5, 64_000.0, 2, 1, 0.0300, 35.0, "USD", -45.0, -45.0, True),
    Symbol("USOIL", 4, 78.40, 2, 1000, 0.0190, 0.03, "USD", -9.0, 3.0),
    Symbol("AUDUSD", 3, 0.6620, 5, 100_000, 0.0055, 0.00010, "USD", -2.4, -1.3),
    Symbol("USDCAD", 3, 1.3650, 5, 100_000, 0.0040, 0.00015, "CAD", -0.6, -5.9),
    Symbol("GBPJPY", 3, 192.10, 3, 100_000, 0.0065, 0.025, "JPY", 1250.0, -2900.0),
    Symbol("EURJPY", 2, 164.00, 3, 100_000, 0.0060, 0.020, "JPY", 1100.0, -2600.0),
    Symbol("USDCHF", 2, 0.8820, 5, 100_000, 0.0045, 0.00015, "CHF", 3.2, -9.5),
    Symbol("XAGUSD", 2, 28.40, 3, 5000, 0.0180, 0.025, "USD", -9.5, 2.0),
    Symbol("GER40", 2, 18_100.0, 1, 1, 0.0100, 1.5, "EUR", -4.2, 0.6),
    Symbol("ETHUSD", 2, 3150.0, 2, 1, 0.0350, 2.5, "USD", -3.0, -3.0, True),
    Symbol("EURGBP", 1, 0.8540, 5, 100_000, 0.0035, 0.00012, "GBP", -4.4, 1.2),
    Symbol("UK100", 1, 8050.0, 1, 1, 0.0085, 1.0, "GBP", -1.9, 0.2),
]
# USD value of one unit of each currency, and of one unit of account currency
USD_PER = {
    "USD": 1.0,
    "EUR": 1.085,
    "GBP": 1.27,
    "JPY": 1 / 151.2,
    "CAD": 0.733,
    "CHF": 1.134,
}

# strategy tag: (share of accounts, median holding time in s, sigma, bot share)
STRATEGIES = {
    "": (0.44, 5_400, 1.9, 0.02),
    "scalping": (0.15, 150, 0.9, 0.35),
    "trend": (0.12, 150_000, 0.9, 0.10),
    "bollinger": (0.10, 9_000, 1.0, 0.30),
    "martingale": (0.07, 20_000, 1.2, 0.70),
    "news": (0.06, 480, 1.0, 0.05),
    "60s": (0.06, 45, 0.35, 0.40),
}
EA_NAMES = ["GridMaster v3", "ScalpPro EA", "MartinBot 2.1", "BB Reverter", "FX-AI"]

COUNTRIES = {  # ISO code: (weight, phone prefix)
    "GB": (9, "+447"),
    "DE": (8, "+4915"),
    "FR": (6, "+336"),
    "IT": (6, "+393"),
    "ES": (6, "+346"),
    "PL": (3, "+485"),
    "NL": (3, "+316"),
    "AE": (6, "+9715"),
    "ZA": (7, "+278"),
    "NG": (6, "+23480"),
    "KE": (3, "+2547"),
    "MY": (5, "+601"),
    "TH": (4, "+668"),
    "VN": (5, "+849"),
    "ID": (4, "+628"),
    "PH": (3, "+639"),
    "IN": (4, "+919"),
    "BR": (5, "+5511"),
    "MX": (3, "+521"),
    "CO": (2, "+573"),
    "AU": (3, "+614"),
    "SG": (2, "+659"),
}
FIRST_NAMES = (
    "James Oliver Mohammed Noah Liam Lucas Mateo Ahmed Chinedu Thabo Arjun Wei "
    "Nguyen Somchai Rafael Luca Jan Pieter Kofi Ivan Emma Olivia Sofia Amara "
    "Fatima Priya Mei Linh Ana Giulia Lena Chloe Zanele Aisha Maria Julia Hana Siti"
).split()
LAST_NAMES = (
    "Smith Jones Müller Schmidt Martin Bernard Rossi Russo García López Kowalski "
    "de Vries Al-Mansoori Okafor Adeyemi Nkosi Dlamini Tan Lim Nguyen Tran "
    "Wongsakul Santos Silva Hernández Patel Sharma Kumar Wanjiru Otieno Brown "
    "Wilson Kaur Ibrahim Novak Dubois Moreau Costa Haddad Reyes"
).split()
MAIL_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com"]
KYC_REASONS = [
    "proof of address older than 3 months",
    "document expired",
    "name does not match the document",
    "selfie check failed",
    "sanctions screening match",
]
# (platform, live servers, demo server, first login, typical login step)
PLATFORMS = [
    ("mt5", 0.50, ["FXB-MT5-Live", "FXB-MT5-Live2"], "FXB-MT5-Demo", 51_000_000),
    ("mt4", 0.33, ["FXB-Live01", "FXB-Live02"], "FXB-Demo", 2_100_000),
    ("ctrader", 0.17, ["fxb-live"], "fxb-demo", 4_300_000),
]
LEVERAGES = ([30, 50, 100, 200, 300, 500], [15, 8, 30, 20, 5, 22])
CURRENCIES = (["USD", "EUR", "GBP"], [80, 13, 7])


def ascii_slug(text):
    """'Müller.de Vries' -> 'muller.devries' (for e-mail addresses)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in text.lower() if c.isalnum() or c in ".-")


def iso(ts):
    """Unix seconds -> '2026-11-20T14:03:11Z'."""
    return datetime.fromtimestamp(int(ts), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def weighted(rng, items, weights):
    return rng.choices(items, weights=weights)[0]


def sizes(scale, **overrides):
    """Record counts for ``scale``; keyword arguments override single counts."""
    counts = {k: max(1, round(v * scale)) for k, v in FULL_SIZE.items()}
    counts.update({k: v for k, v in overrides.items() if v is not None})
    return counts


# --- the world ---------------------------------------------------------------------


@dataclass
class Trader:
    index: int
    client_ref: str
    email: str
    registered: int
    kyc: str  # final KYC status: approved, pending, rejected, none
    fingerprints: list


@dataclass
class Account:
    index: int
    trader: Trader
    platform: str
    server: str
    login: str
    live: bool
    currency: str
    leverage: int
    opened: int
    status: str
    by_email: bool  # names its trader by e-mail only, not by client id
    raw: bool  # commission account (tight spreads)
    balance: float = 0.0
    equity: float = 0.0
    credit: float = 0.0
    first_deposit: int | None = None
    deltas: dict = field(default_factory=dict)  # day index -> balance change


class World:
    """All the generated records, built from one random generator."""

    def __init__(self, seed, counts, end):
        self.rng = random.Random(seed)
        self.counts = counts
        self.end = int(
            datetime(end.year, end.month, end.day, tzinfo=timezone.utc).timestamp()
        )
        self.start = self.end - WINDOW_DAYS * DAY
        self.traders = []
        self.accounts = []
        self.events = []
        self.fundings = []
        self.trades = []
        self.equity = []

    def day(self, ts):
        """Index of the window day of ``ts`` (negative before the window)."""
        return (ts - self.start) // DAY

    def build(self, log=lambda *_: None):
        for step in (
            self.make_traders,
            self.make_accounts,
            self.make_fundings,
            self.make_trades,
            self.make_equity,
        ):
            began = time.monotonic()
            step()
            log(f"{step.__name__[5:]:>9}: {time.monotonic() - began:5.1f} s")
        return self

    # traders and their events
    def make_traders(self):
        rng = self.rng
        countries = list(COUNTRIES)
        weights = [COUNTRIES[c][0] for c in countries]
        referrers = [f"IB{rng.randrange(10_000, 99_999)}" for _ in range(300)]
        referrer_weights = [1 / (i + 1) for i in range(len(referrers))]
        for i in range(self.counts["traders"]):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            country = weighted(rng, countries, weights)
            # more recent registrations are more numerous (marketing grows)
            age = HISTORY_DAYS * DAY * rng.random() ** 1.5
            registered = int(self.end - DAY - age)
            kyc = weighted(
                rng, ["approved", "pending", "rejected", "none"], [74, 12, 6, 8]
            )
            local = ascii_slug(f"{first}.{last}")
            trader = Trader(
                index=i,
                client_ref=f"CL{1_000_000 + i}",
                email=f"{local}{i}@{rng.choice(MAIL_DOMAINS)}",
                registered=registered,
                kyc=kyc,
                fingerprints=[self.fingerprint(i, k) for k in range(rng.randint(1, 3))],
            )
            self.traders.append(trader)
            event = {
                "type": "registration",
                "at": iso(registered),
                "client_ref": trader.client_ref,
                "email": trader.email,
                "name": f"{first} {last}",
                "phone": COUNTRIES[country][1] + str(rng.randrange(10**7, 10**8)),
                "country": country,
            }
            if rng.random() < 0.18:
                event["referral_code"] = weighted(rng, referrers, referrer_weights)
            self.events.append(event)
            if kyc != "none":
                self.events.append(self.kyc_event(trader))
        # a few payment methods shared between traders (a fraud signal)
        for trader in rng.sample(self.traders, len(self.traders) // 200):
            trader.fingerprints.append(rng.choice(self.traders).fingerprints[0])
        self.events.sort(key=lambda e: e["at"])

    def fingerprint(self, trader, k):
        return hashlib.sha256(f"pm-{trader}-{k}".encode()).hexdigest()[:40]

    def kyc_event(self, trader):
        at = min(
            trader.registered + int(self.rng.expovariate(1 / (2 * DAY))),
            self.end - 60,
        )
        event = {
            "type": "kyc",
            "at": iso(at),
            "client_ref": trader.client_ref,
            "kyc_status": trader.kyc,
        }
        if trader.kyc == "rejected":
            event["reason"] = self.rng.choice(KYC_REASONS)
        return event

    # accounts
    def make_accounts(self):
        rng = self.rng
        owners = [
            t
            for t in self.traders
            if rng.random() < (0.95 if t.kyc == "approved" else 0.6)
        ]
        # every owner has an account, the rest go to a few, approved ones mostly
        extra = self.counts["accounts"] - len(owners)
        weights = [
            (3 if t.kyc == "approved" else 1) * rng.paretovariate(1.5) for t in owners
        ]
        owners += rng.choices(owners, weights=weights, k=max(0, extra))
        owners = owners[: self.counts["accounts"]]
        owners.sort(key=lambda t: t.index)
        next_login = {}
        has_account = set()
        for index, trader in enumerate(owners):
            first = trader.index not in has_account
            has_account.add(trader.index)
            live = trader.kyc == "approved" and rng.random() < (0.92 if first else 0.6)
            name, _share, live_servers, demo_server, base = weighted(
                rng, PLATFORMS, [p[1] for p in PLATFORMS]
            )
            server = rng.choice(live_servers) if live else demo_server
            login = next_login.get(server, base + rng.randrange(1000))
            next_login[server] = login + rng.randint(1, 9)
            if first:
                opened = trader.registered + rng.randrange(600, 3 * DAY)
            else:
                opened = rng.randrange(trader.registered, self.end)
            opened = min(opened, self.end - rng.randrange(60, 3600))
            self.accounts.append(
                Account(
                    index=index,
                    trader=trader,
                    platform=name,
                    server=server,
                    login=str(login),
                    live=live,
                    currency=weighted(rng, *CURRENCIES) if live else "USD",
                    leverage=weighted(rng, *LEVERAGES) if live else 500,
                    opened=opened,
                    status=weighted(rng, ["active", "disabled", "closed"], [90, 6, 4]),
                    by_email=rng.random() < 0.08,
                    raw=name != "mt4" and rng.random() < 0.3,
                    balance=0.0 if live else 10_000.0,
                )
            )

    # fundings
    def make_fundings(self):
        rng = self.rng
        funded = [a for a in self.accounts if a.live and rng.random() < 0.78]
        funded = funded[: self.counts["fundings"]]
        if not funded:
            return
        weights = [rng.paretovariate(1.3) for _ in funded]
        per_account = [1] * len(funded)
        extra = max(0, self.counts["fundings"] - len(funded))
        for i in rng.choices(range(len(funded)), weights=weights, k=extra):
            per_account[i] += 1
        raw = []
        for account, count in zip(funded, per_account, strict=True):
            raw.extend(self.account_fundings(account, count))
        raw.sort(key=lambda f: (f[0], f[1].index))
        for n, (at, account, kind, amount, method) in enumerate(raw, 1):
            if kind == "bonus":
                account.credit += amount
            else:
                self.add_delta(account, at, -amount if kind == "withdrawal" else amount)
            self.fundings.append(
                {
                    "ref": f"TX{n:09d}",
                    **self.account_keys(account),
                    "kind": kind,
                    "amount": amount,
                    "currency": account.currency,
                    "at": iso(at),
                    "method_fingerprint": method,
                }
            )

    def account_fundings(self, account, count):
        rng = self.rng
        span = self.end - account.opened
        first = account.opened + int(min(rng.expovariate(1 / (2 * DAY)), span * 0.5))
        account.first_deposit = first
        methods = account.trader.fingerprints
        ftd = round(max(50.0, rng.lognormvariate(math.log(300), 1.0)), 2)
        out = [(first, account, "deposit", ftd, methods[0])]
        balance = ftd
        for _ in range(count - 1):
            at = rng.randrange(first + 1, self.end)
            kind = weighted(
                rng, ["deposit", "withdrawal", "bonus", "adjustment"], [72, 22, 5, 1]
            )
            if kind == "deposit":
                amount = rng.lognormvariate(math.log(400), 1.1)
            elif kind == "withdrawal":
                amount = min(balance, rng.lognormvariate(math.log(350), 1.0))
            elif kind == "bonus":
                amount = rng.choice([30, 50, 100, 200, 500])
            else:
                amount = rng.uniform(1, 80)
            amount = round(max(amount, 10.0), 2)
            balance += -amount if kind == "withdrawal" else amount
            out.append((at, account, kind, amount, rng.choice(methods)))
        return out

    def add_delta(self, account, ts, amount):
        day = max(-1, self.day(ts))
        account.deltas[day] = account.deltas.get(day, 0.0) + amount

    @staticmethod
    def account_keys(account):
        return {
            "platform": account.platform,
            "server": account.server,
            "login": account.login,
        }

    # trades
    def make_trades(self):
        rng = self.rng
        active = [
            a
            for a in self.accounts
            if (a.first_deposit or not a.live)
            and (a.first_deposit or a.opened) < self.end - 600
            and rng.random() < (0.85 if a.live else 0.5)
        ]
        if not active:
            return
        weights = [rng.paretovariate(1.1) * (1.0 if a.live else 0.25) for a in active]
        counts = [0] * len(active)
        picks = rng.choices(
            range(len(active)), weights=weights, k=self.counts["trades"]
        )
        for i in picks:
            counts[i] += 1
        paths = {s.name: self.price_path(s) for s in SYMBOLS}
        rows = []
        for account, count in zip(active, counts, strict=True):
            if count:
                rows.extend(self.account_trades(account, count, paths))
        rows.sort(key=lambda r: (r[0], r[1].index))
        tickets = {}
        for _open_ts, account, trade in rows:
            ticket = tickets.get(account.server, 80_000_000 + rng.randrange(10**6))
            tickets[account.server] = ticket + rng.randint(1, 3)
            trade["ticket"] = str(ticket)
            self.trades.append({**self.account_keys(account), **trade})

    def price_path(self, symbol):
        """Hourly mid prices over the window (geometric random walk)."""
        rng = random.Random(f"{symbol.name}-{self.rng.random()}")
        sigma = symbol.daily_vol / math.sqrt(24)
        prices = [symbol.price]
        for _ in range(WINDOW_DAYS * 24 + 1):
            prices.append(prices[-1] * math.exp(rng.gauss(0, sigma)))
        return prices

    def account_trades(self, account, count, paths):
        rng = self.rng
        begin = max(self.start, account.first_deposit or account.opened)
        strategy = weighted(rng, list(STRATEGIES), [s[0] for s in STRATEGIES.values()])
        median_hold, sigma_hold, bot_share = STRATEGIES[strategy][1:]
        bot = rng.choice(EA_NAMES) if rng.random() < bot_share else ""
        picks = rng.choices(SYMBOLS, weights=[s.weight for s in SYMBOLS], k=4)
        favourites = picks[: rng.randint(1, 4)]
        lot = min(2.0, rng.lognormvariate(math.log(0.08), 1.0))
        out = []
        streak = 0
        for _ in range(count):
            symbol = rng.choice(favourites)
            tag = strategy if rng.random() < 0.88 else ""
            open_ts = self.trading_time(rng.randrange(begin, self.end), symbol, begin)
            hold = max(3, int(rng.lognormvariate(math.log(median_hold), sigma_hold)))
            if strategy == "martingale":
                streak = streak + 1 if rng.random() < 0.45 and streak < 5 else 0
                volume = lot * 2**streak
            else:
                volume = lot * rng.lognormvariate(0, 0.6)
            volume = min(5.0, max(0.01, round(volume, 2)))
            trade = self.trade(
                account, symbol, paths[symbol.name], open_ts, hold, volume
            )
            if tag:
                trade["strategy"] = tag
            comment = self.comment(trade, bot)
            if comment:
                trade["comment"] = comment
            out.append((open_ts, account, trade))
        return out

    def trading_time(self, ts, symbol, begin):
        """Move a weekend time of a non-crypto symbol to the nearest weekday."""
        if symbol.weekend:
            return ts
        weekday = datetime.fromtimestamp(ts, timezone.utc).weekday()
        if weekday == 5:
            moved = ts - DAY
        elif weekday == 6:
            moved = ts + DAY if ts + DAY < self.end - 600 else ts - 2 * DAY
        else:
            return ts
        return moved if moved >= begin else ts

    def trade(self, account, symbol, path, open_ts, hold, volume):
        rng = self.rng
        side = "buy" if rng.random() < 0.56 else "sell"
        sign = 1 if side == "buy" else -1
        hour = min(len(path) - 1, max(0, (open_ts - self.start) // 3600))
        mid = path[hour] * math.exp(rng.gauss(0, symbol.daily_vol / 10))
        half_spread = symbol.spread * (0.3 if account.raw else 0.6)
        open_price = round(mid + sign * half_spread, symbol.digits)
        move = rng.gauss(-0.00002 * sign, symbol.daily_vol * math.sqrt(hold / DAY))
        close_mid = mid * math.exp(move)
        close_ts = open_ts + hold
        to_account = USD_PER[symbol.quote] / USD_PER[account.currency]
        trade = {
            "symbol": symbol.name,
            "side": side,
            "volume": volume,
            "open_time": iso(open_ts),
            "open_price": open_price,
            "commission": round(-7.0 * volume, 2) if account.raw else 0.0,
        }
        if close_ts < self.end:
            close_price = round(close_mid - sign * half_spread, symbol.digits)
            trade["close_time"] = iso(close_ts)
            trade["close_price"] = close_price
        else:  # still open: the profit floats
            close_price = close_mid
        points = (close_price - open_price) * sign
        trade["profit"] = round(points * volume * symbol.contract * to_account, 2) + 0.0
        nights = (min(close_ts, self.end) // DAY) - (open_ts // DAY)
        rate = symbol.swap_long if side == "buy" else symbol.swap_short
        trade["swap"] = round(nights * rate * volume * to_account, 2) + 0.0
        if close_ts < self.end:
            total = trade["profit"] + trade["commission"] + trade["swap"]
            self.add_delta(account, close_ts, total)
        return trade

    def comment(self, trade, bot):
        if bot:
            return bot
        roll = self.rng.random()
        if "close_time" not in trade or roll > 0.4:
            return ""
        if roll < 0.005:
            return "so: 50.0%/48.7/97.4"
        return "[tp]" if trade["profit"] > 0 else "[sl]"

    # equity series and final account figures
    def make_equity(self):
        rng = self.rng
        by_day = [[] for _ in range(WINDOW_DAYS)]
        for account in self.accounts:
            balance = account.balance + account.deltas.get(-1, 0.0)
            balance = max(0.0, balance)  # negative balance protection
            first_day = max(0, self.day(account.opened))
            for day in range(first_day, WINDOW_DAYS):
                balance = max(0.0, balance + account.deltas.get(day, 0.0))
                if not account.live:
                    continue
                floating = rng.gauss(0, 0.015) * balance if day in account.deltas else 0
                equity = max(0.0, balance + floating) + account.credit
                by_day[day].append((account, round(balance, 2), round(equity, 2)))
            account.balance = round(balance, 2)
            account.equity = round(balance + account.credit, 2)
        start = datetime.fromtimestamp(self.start, timezone.utc).date()
        for day, points in enumerate(by_day):
            stamp = (start + timedelta(days=day)).isoformat()
            for account, balance, equity in points:
                self.equity.append(
                    {
                        **self.account_keys(account),
                        "date": stamp,
                        "balance": balance,
                        "equity": equity,
                    }
                )

    def account_records(self):
        for account in self.accounts:
            trader = account.trader
            record = {
                **self.account_keys(account),
                "type": "live" if account.live else "demo",
                "currency": account.currency,
                "leverage": account.leverage,
                "balance": account.balance,
                "equity": account.equity,
                "credit": round(account.credit, 2),
                "opened_at": iso(account.opened),
                "status": account.status,
            }
            if account.by_email:
                record["email"] = trader.email
            else:
                record["client_ref"] = trader.client_ref
            yield account.opened, record


# --- files ---------------------------------------------------------------------------


def write_jsonl(path, records):
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False))
            out.write("\n")
            count += 1
    return count


def generate(out, seed=42, scale=1.0, end=None, log=lambda *_: None, **overrides):
    """Write the data set into directory ``out``; return its description (meta)."""
    end = end or datetime.now(timezone.utc).date()
    counts = sizes(scale, **overrides)
    began = time.monotonic()
    world = World(seed, counts, end).build(log)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    accounts = [r for _, r in sorted(world.account_records(), key=lambda x: x[0])]
    written = {
        "events": write_jsonl(out / "events.jsonl", world.events),
        "accounts": write_jsonl(out / "accounts.jsonl", accounts),
        "fundings": write_jsonl(out / "fundings.jsonl", world.fundings),
        "trades": write_jsonl(out / "trades.jsonl", world.trades),
        "equity": write_jsonl(out / "equity.jsonl", world.equity),
    }
    meta = {
        "seed": seed,
        "scale": scale,
        "end": end.isoformat(),
        "requested": counts,
        "records": written,
        "traders": len(world.traders),
        "live_accounts": sum(a.live for a in world.accounts),
        "demo_accounts": sum(not a.live for a in world.accounts),
        "open_trades": sum("close_time" not in t for t in world.trades),
        "seconds": round(time.monotonic() - began, 1),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def read_batches(path, size):
    """Yield lists of at most ``size`` records from a JSON lines file."""
    batch = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            batch.append(json.loads(line))
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(Path(__file__).parent / "data" / "set"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--end",
        type=date.fromisoformat,
        help="last day of the data set is the day before (default: today, UTC)",
    )
    for kind in FULL_SIZE:
        parser.add_argument(f"--{kind}", type=int, help=f"override the {kind} count")
    args = parser.parse_args(argv)
    overrides = {k: getattr(args, k) for k in FULL_SIZE}
    meta = generate(
        args.out,
        args.seed,
        args.scale,
        args.end,
        log=lambda text: sys.stderr.write(text + "\n"),
        **overrides,
    )
    sys.stdout.write(json.dumps(meta, indent=2) + "\n")


if __name__ == "__main__":
    main()
