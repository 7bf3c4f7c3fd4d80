"""Benchmark of the nightly KPI run, the churn backtest and a dashboard load.

Run it with ``scripts/fxcrm.sh bench kpis [options]`` (the script passes the Odoo
python and addons path):

    scripts/fxcrm.sh bench kpis                   # 200,000 traders
    scripts/fxcrm.sh bench kpis --traders 5000    # a quick run
    scripts/fxcrm.sh bench kpis --keep            # later: --reuse

What it does:

1. builds the book of the segments benchmark (segments.py: tests/bench/generate.py,
   seed 42, 10 trades per trader, loaded through ``fx.sync`` in this process, facts
   computed), in database fxcrm_bench_kpi; gives the traders 20 salespeople in 4
   teams (round robin, as a book has);
2. measures, each in its own committed transaction:
   (1) the facts refresh of every trader (``_fx_recompute_all``: the churn risk
       and the new KPI facts), for reference: it is the existing nightly facts
       cron;
   (2) the nightly KPI run (``fx.kpi.snapshot._fx_kpi_run``): RFM quintiles and
       high value over the funded traders, churn alerts (retention activities
       and the campaign event), one snapshot row per funded trader, the day's
       aggregates; then the same again on the same day (the upsert of a rerun);
       target 60 s;
   (3) builds 12 months of history: the snapshot rows of the 52 weekly scoring
       days the backtest reads (today's rows copied back with their risk, idle
       days and points varied, ``setseed`` fixed), daily aggregates for 365 days
       and churn events for about 3 % of the funded traders a month (INSERT ...
       SELECT, not timed), then the tables are analysed;
   (4) the backtest over 12 months (``fx.churn.backtest.action_run``, look back
       365 days, every 7 days, horizon 30): target 10 s; and the weight tuning
       (``action_tune``) on the same rows, for information;
   (5) one dashboard load: the read_group the "Engagement and Churn Trends"
       graph does (``fx.kpi.daily``, at risk per day and team, 365 days), as an
       FX manager and as a salesperson (record rules); and the snapshot pivot of
       one day (traders and mean churn risk per salesperson and RFM segment):
       target 1 s;
3. prints the figures, writes them to tests/bench/data/kpis-results.json and
   drops the database (unless --keep).
"""

import argparse
import sys
import time

import common
import segments
from common import DATA, say

try:
    from odoo import fields
    from odoo.tools import SQL
except ImportError:
    sys.exit(
        "This benchmark needs a python that imports Odoo 18: run it with "
        "'scripts/fxcrm.sh bench kpis'."
    )

TARGETS = {"nightly_s": 60.0, "backtest_s": 10.0, "dashboard_s": 1.0}
SALESPEOPLE = 20
TEAMS = 4
WEEKS = 52


class KpiBench(segments.Bench):
    def __post_init__(self):
        self.data_dir = DATA / "kpis-odoo-data"

    # ------------------------------------------------------------------ book
    def assign_salespeople(self):
        with self.env() as env:
            teams = env["crm.team"].create(
                [{"name": f"Bench team {n + 1}"} for n in range(TEAMS)]
            )
            users = (
                env["res.users"]
                .with_context(no_reset_password=True, tracking_disable=True)
                .create(
                    [
                        {
                            "name": f"Bench salesperson {n + 1}",
                            "login": f"bench_sales_{n + 1}",
                            "groups_id": [
                                (4, env.ref("fx_engagement.group_fx_user").id)
                            ],
                        }
                        for n in range(SALESPEOPLE)
                    ]
                )
            )
            env.cr.execute(
                SQL(
                    """
                    UPDATE res_partner p
                       SET user_id = (%(users)s::int4[])[1 + mod(p.id, %(n)s)],
                           team_id = (%(teams)s::int4[])[
                               1 + mod(mod(p.id, %(n)s), %(t)s)]
                     WHERE p.fx_is_trader
                    """,
                    users=users.ids,
                    teams=teams.ids,
                    n=SALESPEOPLE,
                    t=TEAMS,
                )
            )
            self.salesperson_id = users[0].id

    def build_history(self):
        """52 weekly scoring days of snapshot rows, 365 days of aggregates,
        churn events; not timed."""
        start = time.perf_counter()
        with self.env() as env:
            today = fields.Date.context_today(env["res.partner"])
            env.cr.execute("SELECT setseed(0.42)")
            env.cr.execute(
                SQL(
                    """
                    INSERT INTO fx_kpi_snapshot
                           (date, partner_id, user_id, team_id, stage, churn_risk,
                            at_risk, pts_recency, pts_volume, pts_deposits,
                            pts_withdrawals, idle_days, rfm_cell, rfm_segment, ltv,
                            net_deposits_90d, engaged, high_value, repeat_depositor,
                            traders)
                    SELECT s.date - 30 - 7 * w, s.partner_id, s.user_id, s.team_id,
                           CASE WHEN s.stage = 'churned' THEN 'dormant'
                                ELSE s.stage END,
                           x.risk, x.risk >= 60, least(40, x.risk), 0, 0, 0,
                           (random() * 90)::int, s.rfm_cell, s.rfm_segment, s.ltv,
                           s.net_deposits_90d, random() < 0.5, s.high_value,
                           s.repeat_depositor, 1
                      FROM fx_kpi_snapshot s
                     CROSS JOIN generate_series(0, %(weeks)s - 1) w
                     CROSS JOIN LATERAL (
                           SELECT (random() * 100)::int AS risk) x
                     WHERE s.date = %(today)s
                    ON CONFLICT DO NOTHING
                    """,
                    weeks=WEEKS,
                    today=today,
                )
            )
            snapshots = env.cr.rowcount
            env.cr.execute(
                SQL(
                    """
                    INSERT INTO fx_trader_stage_history
                           (partner_id, stage_from, stage_to, date, create_uid,
                            write_uid, create_date, write_date)
                    SELECT p.id, 'dormant', 'churned',
                           now() - make_interval(days => (random() * 365)::int),
                           1, 1, now(), now()
                      FROM res_partner p
                     WHERE p.fx_is_funded AND random() < 0.3
                    """
                )
            )
            churns = env.cr.rowcount
            env.cr.execute(
                SQL(
                    """
                    INSERT INTO fx_kpi_daily
                           (date, scope, team_id, user_id, stage, rfm_segment,
                            segment_id, traders, funded, engaged, at_risk,
                            churn_risk_sum, high_value, repeat_depositors,
                            churned_today, ltv, net_deposits_90d)
                    SELECT d.date - n, d.scope, d.team_id, d.user_id, d.stage,
                           d.rfm_segment, d.segment_id, d.traders, d.funded,
                           (d.engaged * (0.8 + random() * 0.4))::int,
                           (d.at_risk * (0.8 + random() * 0.4))::int,
                           d.churn_risk_sum, d.high_value, d.repeat_depositors,
                           d.churned_today, d.ltv, d.net_deposits_90d
                      FROM fx_kpi_daily d
                     CROSS JOIN generate_series(1, 364) n
                     WHERE d.date = %s
                    """,
                    today,
                )
            )
            daily = env.cr.rowcount
        common.analyze(
            self.args.db, "fx_kpi_snapshot", "fx_kpi_daily", "fx_trader_stage_history"
        )
        say(
            f"  history: {snapshots:,} snapshot rows ({WEEKS} weekly days), "
            f"{daily:,} daily figures, {churns:,} churn events, in "
            f"{self.since(start)}"
        )
        self.sizes.update(
            history_snapshots=snapshots, history_daily=daily, churn_events=churns
        )

    # --------------------------------------------------------------- measures
    def figure(self, label, seconds, target_key=None, note=""):
        target = TARGETS.get(target_key)
        met = None if target is None else seconds <= target
        self.add(
            label,
            seconds,
            target=f"{target:g} s" if target else "",
            met=met,
            note=note,
        )
        say(f"  {label}: {seconds:.2f} s {note}")

    def measure_nightly(self):
        seconds, result = self.timed(
            lambda env: env["res.partner"].sudo()._fx_recompute_all()
        )
        self.figure(
            "facts refresh of every trader (churn risk, KPI facts)",
            seconds,
            note=f"({result['traders']:,} traders; the existing facts cron)",
        )
        seconds, result = self.timed(
            lambda env: env["fx.kpi.snapshot"].sudo()._fx_kpi_run()
        )
        self.figure(
            "nightly KPI run: RFM, high value, alerts, snapshots, aggregates",
            seconds,
            "nightly_s",
            note=f"({result['funded']:,} funded traders, {result['snapshots']:,} "
            f"rows, {result['alerts']:,} alerts)",
        )
        self.results["nightly"] = result
        seconds, result = self.timed(
            lambda env: env["fx.kpi.snapshot"].sudo()._fx_kpi_run()
        )
        self.figure("same run again the same day (upsert)", seconds, "nightly_s")

    def measure_backtest(self):
        def backtest(env):
            wizard = env["fx.churn.backtest"].create(
                {"threshold": 60, "horizon_days": 30, "period_days": 365}
            )
            wizard.action_run()
            return wizard.read(
                ["cohorts", "traders", "churned", "score_lift", "rule_lift"]
            )[0]

        seconds, result = self.timed(backtest)
        self.figure(
            "churn backtest over 12 months (52 scoring days)",
            seconds,
            "backtest_s",
            note=f"({result['traders']:,} trader-days scored)",
        )
        self.results["backtest"] = result

        def tune(env):
            wizard = env["fx.churn.backtest"].create(
                {"threshold": 60, "horizon_days": 30, "period_days": 365}
            )
            wizard.action_tune()
            return wizard.tuned_f1

        seconds, _f1 = self.timed(tune)
        self.figure("weight tuning on the same rows (625 combinations)", seconds)

    def measure_dashboard(self):
        def trends(env):
            return env["fx.kpi.daily"].read_group(
                [("scope", "=", "book")],
                ["at_risk:sum"],
                ["date:day", "team_id"],
                lazy=False,
            )

        def pivot(env):
            today = fields.Date.context_today(env["fx.kpi.snapshot"])
            return env["fx.kpi.snapshot"].read_group(
                [("date", "=", today)],
                ["traders:sum", "churn_risk:avg"],
                ["user_id", "rfm_segment"],
                lazy=False,
            )

        for label, work in (
            ("trends graph, FX manager (365 days x teams)", trends),
            ("snapshot pivot of a day, FX manager", pivot),
        ):
            seconds, groups = self.timed(
                lambda env, work=work: work(env(user=self.uid))
            )
            self.figure(label, seconds, "dashboard_s", note=f"({len(groups):,} groups)")
        for label, work in (
            ("trends graph, salesperson (record rules)", trends),
            ("snapshot pivot of a day, salesperson", pivot),
        ):
            seconds, groups = self.timed(
                lambda env, work=work: work(env(user=self.salesperson_id))
            )
            self.figure(label, seconds, "dashboard_s", note=f"({len(groups):,} groups)")

    # ------------------------------------------------------------------ main
    def report(self):
        say("")
        say(f"{'measure':<66}{'seconds':>9}  target")
        for f in self.figures:
            verdict = {True: "met", False: "MISSED", None: ""}[f.met]
            say(f"{f.label:<66}{f.seconds:>9.2f}  {f.target} {verdict}")

    def save(self, wall):
        common.save_results(
            "kpis-results.json",
            options=vars(self.args),
            sizes=self.sizes,
            figures=[vars(f) for f in self.figures],
            details=self.results,
            wall_s=round(wall),
        )

    def run(self):
        began = time.perf_counter()
        self.python, self.addons_path = common.odoo_paths(
            "'scripts/fxcrm.sh bench kpis'"
        )
        common.configure_odoo(self.addons_path, self.data_dir)
        try:
            if self.args.reuse and common.database_exists(self.args.db):
                self.open_registry()
                say(f"reusing database {self.args.db}")
                with self.env() as env:
                    env.cr.execute("DELETE FROM fx_kpi_snapshot")
                    env.cr.execute("DELETE FROM fx_kpi_daily")
                    self.salesperson_id = (
                        env["res.users"].search([("login", "=", "bench_sales_1")]).id
                    )
                self.describe_book()
            else:
                self.create_database()
                self.load()
                self.assign_salespeople()
            self.measure_nightly()
            self.build_history()
            self.measure_backtest()
            self.measure_dashboard()
        finally:
            if self.figures:
                self.report()
            if self.args.keep:
                say(f"database {self.args.db} kept (measure again with --reuse)")
            elif self.registry is not None or common.database_exists(self.args.db):
                self.drop_database()
        wall = time.perf_counter() - began
        say(f"wall time {wall:.0f} s (install and loading included)")
        self.save(wall)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Benchmark of the nightly KPI run, the churn backtest and a "
        "dashboard load.",
        epilog="Run through 'scripts/fxcrm.sh bench kpis'.",
    )
    parser.add_argument(
        "--traders", type=int, default=200_000, help="traders (default 200,000)"
    )
    parser.add_argument(
        "--trades-per-trader", type=float, default=10, help="trades per trader (10)"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", default="fxcrm_bench_kpi")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure on the database a run with --keep left (no loading)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    return common.main("kpis benchmark", KpiBench(parse_args(argv)).run)


if __name__ == "__main__":
    sys.exit(main())
