"""A demo book with a story (demo data only): about 200 traders over 12 months,
generated deterministically (a fixed seed) so every install tells the same
story. Pure: returns the records to push through the sync API and the journey
of each trader in the demo welcome campaign; no Odoo.

The story: registrations all year, rising after a spring campaign; most pass
KYC; two in three of those fund; funded traders trade at their own rhythm, some
stop (dormant, then churned), a few come back (reactivation); churners often
withdraw. From month 5 the welcome journey's A/B test runs: variant B (a
first-deposit bonus) converts clearly better than A (plain welcome) and the
holdout.
"""

import random
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta

SEED = 20261128
DAYS = 365
TRADERS = 200
WELCOME_FROM_DAY = 240  # days ago the welcome campaign started
WELCOME_GOAL_DAYS = 7

FIRST_NAMES = [
    ("Ahmed", "ar"), ("Fatima", "ar"), ("Omar", "ar"), ("Layla", "ar"),
    ("Khalid", "ar"), ("Noura", "ar"), ("Yousef", "ar"), ("Mariam", "ar"),
    ("Hassan", "ar"), ("Salma", "ar"), ("Tariq", "ar"), ("Huda", "ar"),
    ("James", "en"), ("Emma", "en"), ("Oliver", "en"), ("Sophie", "en"),
    ("Lucas", "en"), ("Mia", "en"), ("Daniel", "en"), ("Chloe", "en"),
]  # fmt: skip
LAST_NAMES = {
    "ar": ["Al Mansoori", "Al Harbi", "Haddad", "Nasser", "Al Qasimi", "Saleh",
           "Khoury", "Al Otaibi", "Farouk", "Rahman"],
    "en": ["Smith", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright",
           "Hughes", "Green", "Clarke"],
}  # fmt: skip
COUNTRIES = {"ar": ["AE", "SA", "KW", "QA", "BH", "OM", "JO", "EG"], "en": ["GB", "IE"]}
SYMBOLS = ["EURUSD", "XAUUSD", "GBPUSD", "USDJPY", "US30", "BTCUSD", "XAGUSD"]
STRATEGIES = [None, None, None, "scalping", "swing", "news"]
FTD_AMOUNTS = [250, 500, 500, 1000, 1000, 2000, 5000, 10000]
# the welcome A/B test: chance of a first deposit within the goal window
WELCOME_CONVERSION = {"A": 0.22, "B": 0.46, "holdout": 0.18}
WELCOME_OPEN = {"A": 0.38, "B": 0.52}
WELCOME_CLICK = {"A": 0.08, "B": 0.21}


@dataclass
class DemoTrader:
    ref: str
    name: str
    email: str
    country: str
    lang: str
    registered: datetime
    kyc: list = field(default_factory=list)  # (at, status)
    fundings: list = field(default_factory=list)  # (at, kind, amount)
    trades: list = field(default_factory=list)  # (at, symbol, volume, strategy)
    welcome: str | None = None  # "A", "B", "holdout" or None (before the test)
    opened: bool = False
    clicked: bool = False


def _iso(at):
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _trading_periods(rng, start, now):
    """[(from, to)] the periods the trader trades in: until now, or stopping
    (churn) and sometimes coming back (reactivation)."""
    periods = []
    begin = start
    while begin < now:
        stays = rng.random() < 0.45
        end = now if stays else begin + timedelta(days=rng.randint(20, 150))
        periods.append((begin, min(end, now)))
        if end >= now or rng.random() > 0.3:  # 30 % of those who stop come back
            break
        begin = end + timedelta(days=rng.randint(70, 130))
    return periods


def _new_trader(rng, index, now):
    first, lang = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES[lang])
    # more registrations in recent months (growth) and a spring peak
    day = int(DAYS * (1 - rng.random() ** 0.8))
    if rng.random() < 0.15:
        day = rng.randint(200, 230)
    registered = (now - timedelta(days=day)).replace(
        hour=rng.randint(7, 20), minute=rng.choice((0, 15, 30, 45)), second=0
    )
    registered = min(registered, now - timedelta(hours=rng.randint(2, 12)))
    trader = DemoTrader(
        ref=f"DEMO{index + 1:04d}",
        name=f"{first} {last}",
        email=f"{first}.{last}.{index + 1}@example.com".lower().replace(" ", ""),
        country=rng.choice(COUNTRIES[lang]),
        lang=lang,
        registered=registered,
    )
    if day <= WELCOME_FROM_DAY:
        draw = rng.random()
        trader.welcome = "holdout" if draw < 0.1 else ("A" if draw < 0.55 else "B")
        if trader.welcome != "holdout":
            trader.opened = rng.random() < WELCOME_OPEN[trader.welcome]
            trader.clicked = trader.opened and rng.random() < (
                WELCOME_CLICK[trader.welcome] / WELCOME_OPEN[trader.welcome]
            )
    return trader


def _kyc(rng, trader, now):
    """The KYC events; the approval date, or None when not approved."""
    if rng.random() > 0.85:
        return None  # never submitted
    at = trader.registered + timedelta(hours=rng.randint(2, 96))
    if at >= now:
        return None
    trader.kyc.append((at, "pending"))
    decided = at + timedelta(hours=rng.randint(4, 72))
    if decided >= now:
        return None
    if rng.random() < 0.07:
        trader.kyc.append((decided, "rejected"))
        return None
    trader.kyc.append((decided, "approved"))
    return decided


def _first_deposit(rng, trader, approved):
    """When the trader first deposits: within the welcome window at the
    variant's rate, else later or never (None)."""
    rate = WELCOME_CONVERSION.get(trader.welcome)
    if rate is None:
        if rng.random() < 0.68:
            return approved + timedelta(hours=rng.randint(2, 24 * 20))
        return None
    if rng.random() < rate:
        ftd = trader.registered + timedelta(hours=rng.randint(8, 24 * 6))
        return max(ftd, approved + timedelta(hours=1))
    if rng.random() < 0.35:
        return trader.registered + timedelta(days=rng.randint(9, 40))
    return None


def _trading_life(rng, trader, ftd, now):
    """Trades at the trader's rhythm over their trading periods, redeposits,
    and often a withdrawal when they stop."""
    gap = rng.choice((1, 2, 3, 5, 8))
    last_deposit = ftd
    for begin, end in _trading_periods(rng, ftd + timedelta(hours=1), now):
        at = begin
        while at < end:
            trader.trades.append(
                (
                    at,
                    rng.choice(SYMBOLS),
                    round(rng.choice((0.1, 0.2, 0.5, 1.0, 2.0, 5.0)), 2),
                    rng.choice(STRATEGIES),
                )
            )
            if at - last_deposit > timedelta(days=30) and rng.random() < 0.08:
                trader.fundings.append(
                    (at + timedelta(minutes=5), "deposit", rng.choice(FTD_AMOUNTS))
                )
                last_deposit = at
            at += timedelta(days=gap * (0.5 + rng.random()), hours=rng.randint(0, 6))
        if end < now and rng.random() < 0.6:
            deposited = sum(a for _d, k, a in trader.fundings if k == "deposit")
            trader.fundings.append(
                (
                    end + timedelta(days=rng.randint(1, 10)),
                    "withdrawal",
                    round(deposited * rng.choice((0.3, 0.5, 0.8)), 2),
                )
            )


def generate(now, traders=TRADERS, seed=SEED):
    """The demo book at ``now`` (a naive UTC datetime): a list of DemoTrader."""
    rng = random.Random(seed)
    book = []
    for index in range(traders):
        trader = _new_trader(rng, index, now)
        book.append(trader)
        approved = _kyc(rng, trader, now)
        if not approved:
            continue
        ftd = _first_deposit(rng, trader, approved)
        if not ftd or ftd >= now:
            continue
        trader.fundings.append((ftd, "deposit", rng.choice(FTD_AMOUNTS)))
        _trading_life(rng, trader, ftd, now)
        trader.fundings = [f for f in trader.fundings if f[0] < now]
        trader.trades = [t for t in trader.trades if t[0] < now]
    return book


def sync_batches(book):
    """The records of the book for fx.sync: (events, accounts, fundings,
    trades), each a list of dicts of the sync API."""
    events, accounts, fundings, trades = [], [], [], []
    for trader in book:
        events.append(
            {
                "type": "registration",
                "at": _iso(trader.registered),
                "client_ref": trader.ref,
                "name": trader.name,
                "email": trader.email,
                "country": trader.country,
            }
        )
        for at, status in trader.kyc:
            events.append(
                {
                    "type": "kyc",
                    "at": _iso(at),
                    "client_ref": trader.ref,
                    "kyc_status": status,
                }
            )
        if not trader.fundings:
            continue
        keys = {"platform": "mt5", "server": "DemoLive", "login": trader.ref[4:]}
        accounts.append(
            {
                **keys,
                "client_ref": trader.ref,
                "type": "live",
                "currency": "USD",
                "leverage": 100,
                "opened_at": _iso(trader.fundings[0][0] - timedelta(hours=1)),
            }
        )
        for n, (at, kind, amount) in enumerate(trader.fundings, 1):
            fundings.append(
                {
                    **keys,
                    "ref": f"{trader.ref}-F{n}",
                    "kind": kind,
                    "amount": amount,
                    "currency": "USD",
                    "at": _iso(at),
                }
            )
        for n, (at, symbol, volume, strategy) in enumerate(trader.trades, 1):
            trades.append(
                {
                    **keys,
                    "ticket": f"{trader.ref}-T{n}",
                    "symbol": symbol,
                    "side": "buy" if n % 2 else "sell",
                    "volume": volume,
                    "open_time": _iso(at),
                    "close_time": _iso(at + timedelta(hours=3)),
                    "commission": -round(7 * volume, 2),
                    "profit": 0.0,
                    "strategy": strategy,
                }
            )
    return events, accounts, fundings, trades


def stage_changes(trader, now, compute_stage, **settings):
    """[(date, from, to)] the lifecycle stages the trader went through, day by
    day from the registration (docs/METRICS.md#lifecycle-stage)."""
    deposits = sorted(at for at, kind, _a in trader.fundings if kind == "deposit")
    trades = sorted(at for at, *_rest in trader.trades)
    points = sorted(
        {trader.registered, *(at for at, _s in trader.kyc), *deposits, *trades}
    )
    # also every day, for the stages that change by time passing (dormant, churned)
    day = trader.registered
    while day < now:
        day += timedelta(days=1)
        points.append(min(day, now))
    points = sorted(set(points))
    kyc_times = [t for t, _s in trader.kyc]
    changes, stage = [], "lead"
    for at in points:
        kyc_index = bisect_right(kyc_times, at)
        deposit_index = bisect_right(deposits, at)
        trade_index = bisect_right(trades, at)
        new = compute_stage(
            at,
            registered=True,
            kyc_status=trader.kyc[kyc_index - 1][1] if kyc_index else "none",
            ftd_date=deposits[0] if deposit_index else None,
            last_trade=trades[trade_index - 1] if trade_index else None,
            last_deposit=deposits[deposit_index - 1] if deposit_index else None,
            **settings,
        )
        if new != stage:
            changes.append((at, stage, new))
            stage = new
    return changes
