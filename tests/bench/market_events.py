"""Benchmark of market events: the exposure of a USD event and the enrolment of
the traders an event concerns.

Run it with ``scripts/fxcrm.sh bench market_events [options]`` (the script gets
the Odoo python, FXCRM_ODOO_PYTHON, and the addons path, FXCRM_ADDONS_PATH,
from there):

    scripts/fxcrm.sh bench market_events                   # 200,000 traders
    scripts/fxcrm.sh bench market_events --traders 20000   # a quick run

What it does, in this one process (an Odoo registry opened from the script):

1. creates the database fxcrm_bench_market (dropped first) with fx_engagement
   and no demo data;
2. loads, set-based in SQL (a deterministic book, no randomness), ``--traders``
   traders with one live account each and ten trades per trader
   (``--trades-per-trader``: 2,000,000 trades for 200,000 traders) over the
   last 90 days, 2 % of them still open, on EURUSD, GBPUSD, XAUUSD, US30,
   NAS100 (affected by a USD event) and EURGBP, DE40, AUDNZD, BTCUSD, USOIL
   (not affected); one trader in four (50,000) also holds an open USDJPY
   position, the only JPY instrument; one in twenty watches XAUUSD; two
   segments (every third, every fifth trader); then VACUUM ANALYZE. With
   ``--keep`` the database is kept, and ``--reuse`` runs on it again without
   reloading the book;
3. pushes two market events through ``fx.sync.push_market_events``: US
   payrolls (USD: every USD pair, gold and the US indices) and a Bank of Japan
   decision (JPY: USDJPY);
4. measures, each in its own transaction:
   (a) the exposure of the USD event as its form shows it (concerned traders,
       by rule and by segment), as the admin (an FX manager), twice (the first
       reads from disk, the second from PostgreSQL's cache); target 1 s;
   (b) the enrolment of the traders the JPY event concerns (one in four) into
       a running market-event campaign, ``campaign._fx_enrol(now)``; target 5 s;
5. prints the figures, writes tests/bench/data/market_events-results.json and
   drops the database (unless ``--keep``).
"""

import argparse
import sys
import time
from datetime import datetime, timedelta, timezone

import common
from common import DATA, MODULE, BenchError, say

try:
    import odoo
    from odoo.tools import SQL
except ImportError:
    sys.exit(
        "This benchmark needs a python that imports Odoo 18: run it with "
        "'scripts/fxcrm.sh bench market_events'."
    )

TARGETS = {"exposure_s": 1.0, "enrol_s": 5.0}
# the trades' symbols: the first five are affected by a USD event
SYMBOLS = [
    "EURUSD",
    "EURGBP",
    "XAUUSD",
    "DE40",
    "GBPUSD",
    "AUDNZD",
    "US30",
    "BTCUSD",
    "NAS100",
    "USOIL",
]
WINDOW_MINUTES = 90 * 24 * 60


class MarketBench:
    def __init__(self, args):
        self.args = args
        self.data_dir = DATA / "market-odoo-data"
        self.python, self.addons_path = common.odoo_paths(
            "'scripts/fxcrm.sh bench market_events'"
        )
        common.configure_odoo(self.addons_path, self.data_dir)
        self.registry = None
        self.uid = 2
        self.figures = []
        self.results = {"traders": args.traders}

    # ------------------------------------------------------------------ database
    def drop_database(self):
        common.close_and_drop(self.args.db, self.data_dir)

    def create_database(self):
        if self.args.reuse and common.database_exists(self.args.db):
            say(f"reusing database {self.args.db} (left by a run with --keep)")
            self.registry, self.uid = common.open_registry(self.args.db, fresh=True)
            with self.env() as env:
                for table in ("fx_campaign", "fx_market_event"):
                    env.cr.execute(SQL("DELETE FROM %s", SQL.identifier(table)))
                env.cr.execute(
                    "DELETE FROM fx_segment WHERE name->>'en_US' LIKE 'Bench:%'"
                )
                env.cr.execute(
                    SQL(
                        "SELECT count(*) FROM fx_trade t JOIN res_partner p "
                        "ON p.id = t.partner_id WHERE p.fx_client_ref LIKE %s",
                        "MB-%",
                    )
                )
                trades = env.cr.fetchone()[0]
            # the book is kept when it is the one asked for
            return trades == self.args.traders * self.args.trades_per_trader
        self.registry, self.uid = common.install_fresh(
            self.python,
            self.addons_path,
            self.data_dir,
            self.args.db,
            "market-install",
            MODULE,
        )
        return False

    def env(self):
        return common.odoo_env(self.registry, self.uid)

    # ------------------------------------------------------------------ data
    def load(self, now):
        traders, per = self.args.traders, self.args.trades_per_trader
        say(f"loading {traders:,} traders and {traders * per:,} trades (SQL)")
        start = time.perf_counter()
        with self.env() as env:
            env["fx.instrument"]._fx_ids_by_symbol([*SYMBOLS, "USDJPY"])
            company = env.company
            cr = env.cr
            cr.execute(
                SQL(
                    """
                    INSERT INTO res_partner (name, complete_name, email,
                           email_normalized, fx_client_ref, fx_is_trader, active,
                           type, is_company, company_id, lang, tz, create_date,
                           write_date, create_uid, write_uid)
                    SELECT 'Trader ' || i, 'Trader ' || i,
                           'trader' || i || '@example.com',
                           'trader' || i || '@example.com', 'MB-' || i, true, true,
                           'contact', false, %(company)s, 'en_US', 'UTC', %(now)s,
                           %(now)s, 1, 1
                      FROM generate_series(1, %(n)s) i
                    """,
                    company=company.id,
                    now=now,
                    n=traders,
                )
            )
            cr.execute(
                "UPDATE res_partner SET commercial_partner_id = id "
                "WHERE fx_client_ref LIKE 'MB-%'"
            )
            cr.execute(
                SQL(
                    """
                    INSERT INTO fx_trading_account (partner_id, company_id,
                           platform, server, login, account_type, currency_id,
                           status, create_date, write_date, create_uid, write_uid)
                    SELECT p.id, %(company)s, 'mt5', 'Bench', p.fx_client_ref,
                           'live', %(currency)s, 'active', %(now)s, %(now)s, 1, 1
                      FROM res_partner p WHERE p.fx_client_ref LIKE %(pattern)s
                    """,
                    company=company.id,
                    currency=company.currency_id.id,
                    now=now,
                    pattern="MB-%",
                )
            )
            # trade k of trader t (0-based): symbol, open time and state by
            # formula; 2 % open; every fourth trader an open USDJPY position
            cr.execute(
                SQL(
                    """
                    INSERT INTO fx_trade (account_id, partner_id, company_id,
                           ticket, symbol, side, volume, open_time, close_time,
                           state, profit, commission, swap, revenue_company)
                    SELECT a.id, a.partner_id, a.company_id, k::varchar,
                           CASE WHEN mod(k, %(per)s) = 0 AND mod(t, 4) = 0 THEN 'USDJPY'
                                ELSE (%(symbols)s::varchar[])[
                                     1 + mod(k * 7 + t, %(nsym)s)] END,
                           CASE WHEN mod(k, 2) = 0 THEN 'buy' ELSE 'sell' END,
                           0.1 + mod(k, 10) / 10.0,
                           ot,
                           CASE WHEN is_open THEN NULL
                                ELSE ot + interval '2 hours' END,
                           CASE WHEN is_open THEN 'open' ELSE 'closed' END,
                           0, -1, 0, 1
                      FROM generate_series(0::bigint, %(total)s - 1) k
                     CROSS JOIN LATERAL (
                           SELECT k / %(per)s AS t,
                                  %(now)s - make_interval(
                                      mins => mod(k * 7919, %(window)s)::int)
                                      - interval '3 hours' AS ot,
                                  (mod(k, 50) = 0
                                   OR (mod(k, %(per)s) = 0
                                       AND mod(k / %(per)s, 4) = 0))
                                      AS is_open) x
                      JOIN fx_trading_account a ON a.login = 'MB-' || (t + 1)
                    """,
                    per=per,
                    symbols=SYMBOLS,
                    nsym=len(SYMBOLS),
                    total=traders * per,
                    now=now,
                    window=WINDOW_MINUTES,
                )
            )
            cr.execute(
                SQL(
                    """
                    INSERT INTO res_partner_fx_watch_rel (partner_id, instrument_id)
                    SELECT p.id, i.id FROM res_partner p, fx_instrument i
                     WHERE p.fx_client_ref LIKE %s AND i.name = 'XAUUSD'
                       AND mod(p.id, 20) = 1
                    """,
                    "MB-%",
                )
            )
        say(f"  loaded in {time.perf_counter() - start:.0f} s; VACUUM ANALYZE")
        common.analyze(self.args.db)

    def push_events(self, now):
        with self.env() as env:
            env["fx.sync"].push_market_events(
                [
                    {
                        "key": "bench-nfp",
                        "title": "US Non-Farm Payrolls",
                        "importance": "high",
                        "currency": "USD",
                        "scheduled_at": (now + timedelta(hours=1)).strftime(
                            "%Y-%m-%dT%H:%M:%SZ"
                        ),
                    },
                    {
                        "key": "bench-boj",
                        "title": "Bank of Japan Rate Decision",
                        "importance": "high",
                        "currency": "JPY",
                        "scheduled_at": (now + timedelta(hours=1)).strftime(
                            "%Y-%m-%dT%H:%M:%SZ"
                        ),
                    },
                ]
            )
            # two segments, their members written as a refresh would (the
            # refresh itself is measured by segments.py)
            segments = env["fx.segment"].create(
                [
                    {"name": "Bench: every third trader", "domain": "[]"},
                    {"name": "Bench: every fifth trader", "domain": "[]"},
                ]
            )
            for segment, step in zip(segments, (3, 5), strict=True):
                env.cr.execute(
                    SQL(
                        "INSERT INTO fx_segment_res_partner_rel "
                        "(segment_id, partner_id) SELECT %s, p.id FROM res_partner p "
                        "WHERE p.fx_client_ref LIKE %s AND mod(p.id, %s) = 0",
                        segment.id,
                        "MB-%",
                        step,
                    )
                )

    # ------------------------------------------------------------------ measures
    def measure_exposure(self):
        def work(env):
            event = env["fx.market.event"].search([("key", "=", "bench-nfp")])
            event._compute_exposure()
            return (
                event.exposure_count,
                event.exposure_position_count,
                event.exposure_recent_count,
                event.exposure_watch_count,
                sorted(event.affected_instrument_ids.mapped("name")),
            )

        runs = []
        for label in ("first", "second"):
            seconds, counts = common.timed(self.registry, self.uid, work)
            runs.append(seconds)
            self.figures.append(
                (
                    f"(a) exposure of the USD event, {label} run",
                    counts[0],
                    seconds,
                    f"<= {TARGETS['exposure_s']:g} s",
                    seconds <= TARGETS["exposure_s"],
                )
            )
        self.results["exposure"] = {
            "seconds": runs,
            "concerned": counts[0],
            "open_positions": counts[1],
            "traded_recently": counts[2],
            "watching": counts[3],
            "instruments": counts[4],
        }

    def measure_enrolment(self, now):
        with self.env() as env:
            campaign = env["fx.campaign"].create(
                {
                    "name": "Bench: JPY notice",
                    "trigger_type": "market_event",
                    "market_offset_hours": 2,
                    "market_timing": "before",
                    "market_importance": "high",
                    "market_currency_ids": [(6, 0, env.ref("base.JPY").ids)],
                    "reentry_policy": "any_time",
                    "goal_type": "none",
                    "start_date": now - timedelta(hours=3),
                    "step_ids": [(0, 0, {"name": "Notice", "subject": "Notice"})],
                }
            )
            campaign.action_start()
            campaign_id = campaign.id

        def work(env):
            campaign = env["fx.campaign"].browse(campaign_id)
            return campaign._fx_enrol(odoo.fields.Datetime.now())

        seconds, enrolled = common.timed(self.registry, self.uid, work)
        self.figures.append(
            (
                "(b) enrolment of the traders the JPY event concerns",
                enrolled,
                seconds,
                f"<= {TARGETS['enrol_s']:g} s",
                seconds <= TARGETS["enrol_s"],
            )
        )
        self.results["enrolment"] = {"seconds": seconds, "enrolled": enrolled}
        if enrolled != self.args.traders // 4:
            raise BenchError(
                f"enrolled {enrolled:,} traders, expected {self.args.traders // 4:,}"
            )

    def report(self):
        say()
        say(
            f"market events, {self.args.traders:,} traders, "
            f"{self.args.traders * self.args.trades_per_trader:,} trades, "
            f"database {self.args.db}"
        )
        say(f"{'measure':<56}{'count':>9}{'seconds':>9}  target")
        for label, count, seconds, target, met in self.figures:
            verdict = "met" if met else "NOT MET"
            say(f"{label:<56}{count:>9,}{seconds:>9.3f}  {target} {verdict}")
        exposure = self.results["exposure"]
        say(
            f"  USD event: {len(exposure['instruments'])} instruments "
            f"({', '.join(exposure['instruments'])}); concerned "
            f"{exposure['concerned']:,}: open positions "
            f"{exposure['open_positions']:,}, traded in 7 days "
            f"{exposure['traded_recently']:,}, watching {exposure['watching']:,}"
        )

    def run(self):
        now = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
        loaded = self.create_database()
        try:
            if loaded:
                say("  the book is there already")
            else:
                self.load(now)
            self.push_events(now)
            self.measure_exposure()
            self.measure_enrolment(now)
            self.report()
            common.save_results("market_events-results.json", **self.results)
        finally:
            if not self.args.keep:
                self.drop_database()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Market events: exposure and enrolment benchmark."
    )
    parser.add_argument("--traders", type=int, default=200_000)
    parser.add_argument("--trades-per-trader", type=int, default=10)
    parser.add_argument("--db", default="fxcrm_bench_market")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database afterwards"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database a run with --keep left (its data is reloaded)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    return common.main("market_events", MarketBench(args).run)


if __name__ == "__main__":
    sys.exit(main())
