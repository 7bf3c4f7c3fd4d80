"""Benchmark of data quality and next best offers on a large book.

Run it with ``scripts/fxcrm.sh bench data_quality [options]`` (the script passes
the Odoo python, FXCRM_ODOO_PYTHON, and the addons path, FXCRM_ADDONS_PATH):

    scripts/fxcrm.sh bench data_quality                   # 200,000 traders
    scripts/fxcrm.sh bench data_quality --traders 5000    # a quick run

What it does:

1. creates the database fxcrm_bench_dq (dropped first if present) with
   fx_engagement and no demo data;
2. writes a book in SQL, deterministically (``setseed``): N trader contacts with
   e-mail, normalised phone and KYC document id, one live account each, two
   fundings each with a payment fingerprint, 10 trades each over 20 symbols
   (the last 120 days), and 20 segments holding about 1.8 memberships per
   trader. About 1 % of the traders share an e-mail with another (in another
   case), 1 % a phone, 0.5 % a KYC document and 0.5 % a card. The book is
   written in SQL, not pushed through the sync API: what is measured is the
   detection and the offers, and the sync's own speed is the subject of the
   sync benchmark (``make bench``); the normalised phone is written as the
   ORM would compute it. Then VACUUM ANALYZE;
3. measures, each in its own committed transaction, in this process:
   (1) ``fx.duplicate.pair._fx_detect()``: the first run (every pair new) and a
       no-change run (target 10 s over 200,000 contacts);
   (2) ``fx.next.best.offer._fx_recompute()``: first run and no-change run;
   (3) ``res.partner._cron_fx_data_quality()``: completeness and stale flag of
       every trader, first run and no-change run;
   the nightly share of this work is (2) + (3) (with the RFM, churn and snapshot
   work of the KPIs, target 60 s in all);
4. prints the figures, writes them to tests/bench/data/data_quality-results.json
   and drops the database (unless --keep; --reuse measures again on it).
"""

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import common
from common import DATA, MODULE, say

try:
    from odoo.tools import SQL
except ImportError:
    sys.exit(
        "This benchmark needs a python that imports Odoo 18: run it with "
        "'scripts/fxcrm.sh bench data_quality'."
    )

SYMBOLS = [
    "EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "XAGUSD", "US30", "NAS100", "SPX500",
    "BTCUSD", "ETHUSD", "USOIL", "UKOIL", "GER40", "UK100", "AUDUSD", "USDCAD",
    "NZDUSD", "EURJPY", "GBPJPY", "USDCHF",
]  # fmt: skip
SEGMENTS = 20
TARGETS = {"detect_s": 10.0, "nightly_s": 60.0}


@dataclass
class Figure:
    what: str
    seconds: float
    result: dict
    target: float | None = None


@dataclass
class Bench:
    args: argparse.Namespace
    python: str = ""
    addons_path: str = ""
    data_dir: Path = DATA / "data_quality-odoo-data"
    registry: object = None
    uid: int = 2
    figures: list = field(default_factory=list)
    sizes: dict = field(default_factory=dict)

    def env(self):
        return common.odoo_env(self.registry, self.uid)

    def timed(self, work):
        return common.timed(self.registry, self.uid, work)

    def drop_database(self):
        common.close_and_drop(self.args.db, self.data_dir)

    def create_database(self):
        self.registry, self.uid = common.install_fresh(
            self.python,
            self.addons_path,
            self.data_dir,
            self.args.db,
            "dq-install",
            MODULE,
            timeout=7200,
        )

    # ------------------------------------------------------------------ the book
    def load(self):
        n = self.args.traders
        say(f"writing the book in SQL: {n:,} traders")
        start = time.perf_counter()
        with self.env() as env:
            cr = env.cr
            company = env.company.id
            usd = env.ref("base.USD").id
            cr.execute(SQL("SELECT setseed(%s)", self.args.seed / 1000))
            # contacts; duplicates: 1 % e-mail (other case), 1 % phone, 0.5 % KYC
            cr.execute(
                SQL(
                    """
                    INSERT INTO res_partner
                           (name, complete_name, type, active, is_company,
                            fx_is_trader, email, email_normalized, phone,
                            fx_phone_normalized, fx_kyc_document_ref, company_id,
                            lang, create_date, write_date)
                    SELECT 'Trader ' || g, 'Trader ' || g, 'contact', TRUE, FALSE,
                           TRUE, e.email, lower(e.email), '+44 7700 ' || ph.n,
                           '+447700' || ph.n, 'P' || lpad(k.n::text, 9, '0'),
                           %(company)s, 'en_US', now() - interval '400 days',
                           now() - interval '400 days'
                      FROM generate_series(1, %(n)s) g,
                           LATERAL (SELECT CASE WHEN mod(g, 100) = 0
                                   THEN 'TRADER' || (g - 1) || '@EXAMPLE.COM'
                                   ELSE 'trader' || g || '@example.com' END AS email) e,
                           LATERAL (SELECT lpad((CASE WHEN mod(g, 100) = 50
                                   THEN g - 1 ELSE g END)::text, 6, '0') AS n) ph,
                           LATERAL (SELECT CASE WHEN mod(g, 200) = 25
                                   THEN g - 1 ELSE g END AS n) k
                    """,
                    n=n,
                    company=company,
                )
            )
            cr.execute(
                SQL(
                    "UPDATE res_partner SET commercial_partner_id = id "
                    "WHERE fx_is_trader AND commercial_partner_id IS NULL"
                )
            )
            cr.execute(
                SQL(
                    """
                    INSERT INTO fx_trading_account
                           (partner_id, company_id, currency_id, platform, server,
                            login, account_type, status)
                    SELECT id, %(company)s, %(usd)s, 'mt5', 'Bench', id::text, 'live',
                           'active'
                      FROM res_partner WHERE fx_is_trader
                    """,
                    company=company,
                    usd=usd,
                )
            )
            # two deposits each; 0.5 % pay with the previous trader's card
            cr.execute(
                SQL(
                    """
                    INSERT INTO fx_funding
                           (account_id, partner_id, company_id, currency_id, ref,
                            source, kind, amount, amount_company, date,
                            method_fingerprint)
                    SELECT a.id, a.partner_id, a.company_id, a.currency_id,
                           a.id || '-' || i, 'bench', 'deposit', 100 * i, 100 * i,
                           now() - (i * 30 || ' days')::interval,
                           'card-' || CASE WHEN mod(a.partner_id, 200) = 75
                                           THEN a.partner_id - 1
                                           ELSE a.partner_id END
                      FROM fx_trading_account a, generate_series(1, 2) i
                    """
                )
            )
            # 10 trades each; the symbol leans on the trader's "taste" (id mod 4)
            cr.execute(
                SQL(
                    """
                    INSERT INTO fx_trade
                           (account_id, partner_id, company_id, ticket, symbol, side,
                            state, volume, open_time)
                    SELECT a.id, a.partner_id, a.company_id, a.id || '-' || i,
                           (%(symbols)s::varchar[])[1 + mod(mod(a.partner_id, 4) * 5
                               + floor(random() ^ 2 * 20)::int, 20)],
                           'buy', 'closed', 0.1,
                           now() - (floor(random() * 120) || ' days')::interval
                      FROM fx_trading_account a, generate_series(1, 10) i
                    """,
                    symbols=SYMBOLS,
                )
            )
            segments = env["fx.segment"].create(
                [{"name": f"Bench segment {i:02d}"} for i in range(SEGMENTS)]
            )
            # about 1.8 memberships per trader, segments of uneven sizes
            cr.execute(
                SQL(
                    """
                    INSERT INTO fx_segment_res_partner_rel (segment_id, partner_id)
                    SELECT DISTINCT (%(ids)s::int4[])[1 + floor(random() ^ 1.5
                                                           * %(k)s)::int], p.id
                      FROM res_partner p, generate_series(1, 2) i
                     WHERE p.fx_is_trader
                    """,
                    ids=segments.ids,
                    k=SEGMENTS,
                )
            )
        say(f"  written in {time.perf_counter() - start:.0f} s")
        start = time.perf_counter()
        common.analyze(self.args.db)
        say(f"  VACUUM ANALYZE in {time.perf_counter() - start:.0f} s")
        self.describe()

    def describe(self):
        with self.env() as env:
            for name, query in (
                ("traders", "SELECT count(*) FROM res_partner WHERE fx_is_trader"),
                ("fundings", "SELECT count(*) FROM fx_funding"),
                ("trades", "SELECT count(*) FROM fx_trade"),
                ("memberships", "SELECT count(*) FROM fx_segment_res_partner_rel"),
            ):
                [(count,)] = env.execute_query(SQL(query))
                self.sizes[name] = count
        say("book: " + ", ".join(f"{v:,} {k}" for k, v in self.sizes.items()))

    # ------------------------------------------------------------------ measures
    def measure(self, what, work, target=None):
        seconds, result = self.timed(work)
        self.figures.append(Figure(what, round(seconds, 2), result, target))
        say(f"  {what}: {seconds:.2f} s {result}")
        return seconds

    def run_measures(self):
        say("measuring")
        detect = lambda env: env["fx.duplicate.pair"]._fx_detect()  # noqa: E731
        nbo = lambda env: env["fx.next.best.offer"]._fx_recompute()  # noqa: E731
        quality = lambda env: {  # noqa: E731
            "changed": env["res.partner"]._cron_fx_data_quality()
        }
        self.measure("duplicates, first detection", detect, TARGETS["detect_s"])
        self.measure("duplicates, no-change detection", detect, TARGETS["detect_s"])
        nbo_first = self.measure("next best offers, first run", nbo)
        nbo_again = self.measure("next best offers, no-change run", nbo)
        dq_first = self.measure("completeness and stale flag, first run", quality)
        dq_again = self.measure("completeness and stale flag, no-change run", quality)
        self.figures.append(
            Figure(
                "nightly share (offers + completeness, first runs)",
                round(nbo_first + dq_first, 2),
                {"no-change runs": round(nbo_again + dq_again, 2)},
                TARGETS["nightly_s"],
            )
        )

    def report(self):
        say("")
        say(f"{'measure':<52}{'seconds':>9}  target")
        for figure in self.figures:
            target = ""
            if figure.target is not None:
                met = "met" if figure.seconds <= figure.target else "NOT met"
                target = f"{figure.target:.0f} s: {met}"
            say(f"{figure.what:<52}{figure.seconds:>9.2f}  {target}")

    def run(self):
        began = time.perf_counter()
        self.python, self.addons_path = common.odoo_paths(
            "'scripts/fxcrm.sh bench data_quality'"
        )
        common.configure_odoo(self.addons_path, self.data_dir)
        try:
            if self.args.reuse and common.database_exists(self.args.db):
                self.registry, self.uid = common.open_registry(self.args.db)
                say(f"reusing database {self.args.db}")
                with self.env() as env:
                    env.cr.execute(SQL("DELETE FROM fx_duplicate_pair"))
                    env.cr.execute(SQL("DELETE FROM fx_next_best_offer"))
                    env.cr.execute(SQL("UPDATE res_partner SET fx_completeness = NULL"))
                self.describe()
            else:
                self.create_database()
                self.load()
            self.run_measures()
        finally:
            if self.figures:
                self.report()
            if self.args.keep:
                say(f"database {self.args.db} kept (measure again with --reuse)")
            elif self.registry is not None or common.database_exists(self.args.db):
                self.drop_database()
        wall = time.perf_counter() - began
        say(f"wall time {wall:.0f} s")
        common.save_results(
            "data_quality-results.json",
            options=vars(self.args),
            sizes=self.sizes,
            figures=[vars(f) for f in self.figures],
            wall_s=round(wall),
        )


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Benchmark of duplicate detection, profile completeness and "
        "next best offers.",
        epilog="Run through 'scripts/fxcrm.sh bench data_quality'.",
    )
    parser.add_argument(
        "--traders", type=int, default=200_000, help="traders (default 200,000)"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", default="fxcrm_bench_dq")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database at the end"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure again on the database a run with --keep left",
    )
    return parser.parse_args(argv)


def main(argv=None):
    return common.main("data quality benchmark", Bench(parse_args(argv)).run)


if __name__ == "__main__":
    sys.exit(main())
