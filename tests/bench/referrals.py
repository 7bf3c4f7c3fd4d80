"""Benchmark of the referral programme (fx_referrals) on a large book.

Run it with ``scripts/fxcrm.sh bench referrals [options]`` (the script passes the
Odoo python and addons path):

    scripts/fxcrm.sh bench referrals               # the full scale
    scripts/fxcrm.sh bench referrals --scale 0.02  # a quick run
    scripts/fxcrm.sh bench referrals --keep        # keep the database afterwards

What it does:

1. creates the database fxcrm_bench_ref (dropped first) with fx_referrals and no
   demo data, and writes the book in SQL, in bulk (the ORM would take hours):
   200,000 participants with 2,000,000 ledger entries (10 each, earned over the
   last 12 months) and their leaderboard totals built the way the ledger builds
   them (fx_points_entry._fx_add_totals: this month and all time); 10,000
   referees with a referral each, a live account, a first deposit and 3 trades;
   an IB tree of 3 tiers (100 / 1,000 / 10,000 IBs) above 50,000 traders with
   20 closed trades each (1,000,000 trades); the tables are analysed;
2. measures, each in its own committed transaction:
   (1) the leaderboard of the default programme, top 50 and the viewer's own rank
       (fx.points.total._fx_board), all time and this month, for 20 viewers
       spread over the ranking: median and worst (target 100 ms);
   (2) the stage update of the 10,000 referrals after a push touching all their
       referees: fx.referral._fx_sync_for_referees alone, then the whole facts
       refresh of the 10,000 traders that a push runs (res.partner
       ._fx_recompute_facts, fx_engagement's facts included), both moving
       every referral registered -> qualified and awarding the points
       (target 5 s);
   (3) the IB commissions of the month: fx.ib.statement._fx_compute_period over
       the 1,000,000 trades, 3 tiers (3,000,000 lines), then the identical
       recompute (target 30 s);
   (4) the points expiry of the daily cron (fx.points.entry._fx_expire_due) with
       six months' validity, once every earned entry is vested (the vested
       entries written in SQL, with 20,000 spendings of 100 points): the first
       run (the 200,000 participants' old points expire), then the next day's
       (nothing left to expire); target 60 s for the nightly work;
3. prints the figures, writes them to tests/bench/data/referrals-results.json and
   drops the database (unless --keep, to look at it afterwards).
"""

import argparse
import statistics
import sys
import time
from datetime import date, datetime, timedelta

import common

MODULE = "fx_referrals"
DB = "fxcrm_bench_ref"
TARGETS = {
    "leaderboard_ms": 100,
    "stage_update_s": 5,
    "ib_commissions_s": 30,
    "expiry_s": 60,
}


class Bench:
    def __init__(self, args):
        self.args = args
        self.python, self.addons_path = common.odoo_paths(
            "scripts/fxcrm.sh bench referrals"
        )
        self.data_dir = common.DATA / "odoo-data"
        self.scale = args.scale
        self.participants = int(200_000 * self.scale)
        self.entries_each = 10
        self.referees = int(10_000 * self.scale)
        self.ib_traders = int(50_000 * self.scale)
        self.trades_each = 20
        self.results = {}

    # ------------------------------------------------------------------ setup
    def run_odoo(self, name, *args):
        command = common.odoo_command(
            self.python, self.addons_path, self.data_dir, self.args.db, *args
        )
        common.run_odoo(name, command, log_name=f"ref-{name}", timeout=7200)

    def create_database(self):
        common.drop_database(self.args.db, self.data_dir)
        common.say(f"creating {self.args.db} with {MODULE} (no demo data)")
        self.run_odoo(
            "install", "-i", MODULE, "--without-demo=all", "--stop-after-init"
        )
        common.configure_odoo(self.addons_path, self.data_dir)
        self.registry, self.uid = common.open_registry(self.args.db, fresh=True)
        start = time.perf_counter()
        with common.odoo_env(self.registry, self.uid) as env:
            self.load(env)
        common.analyze(self.args.db)
        common.say(f"book written in {time.perf_counter() - start:.0f} s")

    def load(self, env):
        cr = env.cr
        company = env.company.id
        usd = env.company.currency_id.id
        programme = env.ref("fx_referrals.fx_referral_programme_default")
        programme.write(
            {
                "hold_days": 30,
                "min_ftd_amount": 100,
                "min_lots": 1,
                "lots_days": 30,
                "cap_count": 0,
            }
        )
        n, k = self.participants, self.entries_each
        say = common.say
        say(f"participants: {n:,}, ledger entries: {n * k:,}")
        cr.execute(
            """
            INSERT INTO res_partner (name, complete_name, active, type, is_company,
                   fx_is_trader, company_id, fx_board_name, create_date, write_date)
            SELECT 'Participant ' || g, 'Participant ' || g, true, 'contact', false,
                   true, %s, 'pseudonym', now(), now()
              FROM generate_series(1, %s) g
            """,
            [company, n],
        )
        cr.execute(
            "SELECT min(id), max(id) FROM res_partner WHERE name LIKE 'Participant %%'"
        )
        first, last = cr.fetchone()
        self.first_participant = first
        # points: 10 entries each over the last year, a long tail (ties included)
        cr.execute(
            """
            INSERT INTO fx_points_entry (partner_id, programme_id, company_id, kind,
                   points, vested_points, date, vest_date, event_code, reason,
                   create_uid, write_uid, create_date, write_date)
            SELECT p, %(prog)s, %(company)s, 'earned', 1 + (hashint4(p * 31 + e) & 255),
                   0, now() - make_interval(days => (hashint4(p + e * 7) & 364)),
                   now(), 'bench', 'bench', 1, 1, now(), now()
              FROM generate_series(%(first)s, %(last)s) p, generate_series(1, %(k)s) e
            """,
            {
                "prog": programme.id,
                "company": company,
                "first": first,
                "last": last,
                "k": k,
            },
        )
        cr.execute("SELECT array_agg(id) FROM fx_points_entry")
        ids = cr.fetchone()[0]
        env["fx.points.entry"]._fx_add_totals(ids)
        # referees: a referral each (registered), an account, a deposit of 500 and
        # 3 trades of 0.5 lots in the 30 days after it: they all qualify
        r = self.referees
        say(f"referees: {r:,}")
        cr.execute(
            """
            INSERT INTO res_partner (name, complete_name, active, type, is_company,
                   fx_is_trader, company_id, fx_referrer_id, fx_registration_date,
                   create_date, write_date)
            SELECT 'Referee ' || g, 'Referee ' || g, true, 'contact', false, true, %s,
                   %s + (g %% %s), now() - interval '20 days', now(), now()
              FROM generate_series(1, %s) g
            """,
            [company, first, n, r],
        )
        cr.execute(
            "SELECT array_agg(id ORDER BY id) FROM res_partner "
            "WHERE name LIKE 'Referee %%'"
        )
        self.referee_ids = cr.fetchone()[0]
        self.accounts(cr, self.referee_ids, "R", company, usd)
        self.referee_book(cr, usd)
        # the referees' facts (first deposit ...) as the pushes left them
        env["res.partner"].browse(self.referee_ids)._fx_recompute_facts()
        cr.execute(
            """
            INSERT INTO fx_referral (referrer_id, referee_id, referee_name,
                   programme_id,
                   company_id, channel, stage, fraud_state, date_registered,
                   create_uid, write_uid, create_date, write_date)
            SELECT p.fx_referrer_id, p.id, 'Referee', %s, %s, 'code', 'registered',
                   'none', now() - interval '20 days', 1, 1, now(), now()
              FROM res_partner p WHERE p.id = ANY(%s)
            """,
            [programme.id, company, self.referee_ids],
        )
        # the IB tree: 100 -> 1,000 -> 10,000 IBs (scaled), traders below
        t = self.ib_traders
        tops, mids, lows = max(1, t // 500), max(1, t // 50), max(1, t // 5)
        say(
            f"IB tree: {tops:,} / {mids:,} / {lows:,} IBs, {t:,} traders, "
            f"{t * self.trades_each:,} trades"
        )
        level_ids = []
        for label, count, parents in (
            ("Top IB", tops, None),
            ("Mid IB", mids, "prev"),
            ("Low IB", lows, "prev"),
            ("IB Trader", t, "prev"),
        ):
            parent_ids = level_ids[-1] if parents else None
            cr.execute(
                """
                INSERT INTO res_partner (name, complete_name, active, type, is_company,
                       fx_is_trader, fx_is_ib, company_id, fx_referrer_id, create_date,
                       write_date)
                SELECT %s || ' ' || g, %s || ' ' || g, true, 'contact', false, true,
                       %s, %s, (%s::int4[])[1 + (g %% %s)], now(), now()
                  FROM generate_series(1, %s) g
                RETURNING id
                """,
                [
                    label,
                    label,
                    label != "IB Trader",
                    company,
                    parent_ids or [None],
                    len(parent_ids or [None]),
                    count,
                ],
            )
            level_ids.append(sorted(row[0] for row in cr.fetchall()))
        traders = level_ids[-1]
        self.accounts(cr, traders, "I", company, usd)
        month = date.today().replace(day=1)
        following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        self.period = (month, following - timedelta(days=1))
        cr.execute(
            """
            INSERT INTO fx_trade (account_id, partner_id, company_id, ticket, symbol,
                   side,
                   volume, open_time, close_time, state, commission, revenue_company)
            SELECT a.id, a.partner_id, a.company_id, 'I' || a.id || '-' || t,
                   CASE WHEN t %% 4 = 0 THEN 'XAUUSD' ELSE 'EURUSD' END, 'buy',
                   0.01 * (1 + (hashint4(a.id * 13 + t) & 255)),
                   %(start)s::timestamp + make_interval(mins => t * 60),
                   %(start)s::timestamp + make_interval(mins => t * 60 + 30),
                   'closed', -2.5, 2.5 + (t %% 7) * 0.35
              FROM fx_trading_account a, generate_series(1, %(k)s) t
             WHERE a.login LIKE 'I%%'
            """,
            {
                "start": datetime.combine(month, datetime.min.time()),
                "k": self.trades_each,
            },
        )
        env["fx.instrument"]._fx_ids_by_symbol(["EURUSD", "XAUUSD"])
        Rule = env["fx.ib.rule"]
        Rule.create(
            {
                "name": "Forex per lot",
                "asset_class": "forex",
                "basis": "per_lot",
                "tier_ids": [
                    (0, 0, {"tier": 1, "rate": 5}),
                    (0, 0, {"tier": 2, "rate": 2}),
                    (0, 0, {"tier": 3, "rate": 1}),
                ],
            }
        )
        Rule.create(
            {
                "name": "Rest revenue share",
                "basis": "revenue_share",
                "mode": "split",
                "pool_rate": 30,
                "sequence": 20,
                "tier_ids": [
                    (0, 0, {"tier": 1, "rate": 60}),
                    (0, 0, {"tier": 2, "rate": 25}),
                    (0, 0, {"tier": 3, "rate": 15}),
                ],
            }
        )
        self.programme_id = programme.id

    def referee_book(self, cr, usd):
        cr.execute(
            """
            INSERT INTO fx_funding (ref, source, account_id, partner_id, company_id,
                   kind,
                   amount, currency_id, amount_company, date,
                   create_uid, write_uid, create_date, write_date)
            SELECT 'D' || a.id, 'bench', a.id, a.partner_id, a.company_id,
                   'deposit', 500,
                   %s, 500, now() - interval '15 days', 1, 1, now(), now()
              FROM fx_trading_account a WHERE a.login LIKE 'R%%'
            """,
            [usd],
        )
        cr.execute(
            """
            INSERT INTO fx_trade (account_id, partner_id, company_id, ticket, symbol,
                   side,
                   volume, open_time, close_time, state, commission, revenue_company)
            SELECT a.id, a.partner_id, a.company_id, 'R' || a.id || '-' || t, 'EURUSD',
                   'buy', 0.5, now() - make_interval(days => 10 - t),
                   now() - make_interval(days => 9 - t), 'closed', -3.5, 3.5
              FROM fx_trading_account a, generate_series(1, 3) t
             WHERE a.login LIKE 'R%%'
            """
        )

    @staticmethod
    def accounts(cr, partner_ids, prefix, company, usd):
        cr.execute(
            """
            INSERT INTO fx_trading_account (partner_id, company_id, platform, server,
                   login,
                   account_type, currency_id, status, leverage,
                   create_uid, write_uid, create_date, write_date)
            SELECT p, %s, 'mt5', 'Bench', %s || p, 'live', %s, 'active', 100,
                   1, 1, now(), now()
              FROM unnest(%s::int4[]) p
            """,
            [company, prefix, usd, partner_ids],
        )

    # ---------------------------------------------------------------- measures
    def measure(self):
        say = common.say
        with common.odoo_env(self.registry, self.uid) as env:
            programme = env.ref("fx_referrals.fx_referral_programme_default")
            month = env.cr.now().strftime("%Y-%m")
            env.cr.execute(
                "SELECT partner_id FROM fx_points_total WHERE programme_id = %s "
                "AND period = 'all' ORDER BY points DESC, partner_id",
                [programme.id],
            )
            ranked = [row[0] for row in env.cr.fetchall()]
        viewers = [ranked[int(i * (len(ranked) - 1) / 19)] for i in range(20)]
        for period in ("all", month):
            times = []
            for viewer in viewers:
                seconds, (top, own) = common.timed(
                    self.registry,
                    self.uid,
                    lambda env, v=viewer, p=period: env["fx.points.total"]._fx_board(
                        env["fx.referral.programme"].browse(programme.id),
                        p,
                        50,
                        env["res.partner"].browse(v),
                    ),
                )
                times.append(seconds * 1000)
            key = "all_time" if period == "all" else "this_month"
            self.results[f"leaderboard_{key}_ms"] = {
                "median": round(statistics.median(times), 1),
                "worst": round(max(times), 1),
                "top": len(top),
                "own_rank": own and own["rank"],
            }
            say(
                f"(1) leaderboard {key}: median {statistics.median(times):.1f} ms, "
                f"worst {max(times):.1f} ms (target {TARGETS['leaderboard_ms']} ms)"
            )
        ids = self.referee_ids
        seconds, changed = common.timed(
            self.registry,
            self.uid,
            lambda env: env["fx.referral"]._fx_sync_for_referees(ids),
        )
        with common.odoo_env(self.registry, self.uid) as env:
            env.cr.execute("SELECT stage, count(*) FROM fx_referral GROUP BY stage")
            stages = dict(env.cr.fetchall())
            env.cr.execute(
                "SELECT count(*) FROM fx_points_entry WHERE res_model = 'fx.referral'"
            )
            awarded = env.cr.fetchone()[0]
            # back to registered for the whole-refresh measure
            env.cr.execute(
                "UPDATE fx_referral SET stage = 'registered', date_funded = NULL, "
                "date_first_trade = NULL, date_qualified = NULL"
            )
            env.cr.execute(
                "DELETE FROM fx_points_entry WHERE res_model = 'fx.referral'"
            )
        self.results["stage_update_sync_s"] = {
            "seconds": round(seconds, 2),
            "changed": changed,
            "stages": stages,
            "entries": awarded,
        }
        say(
            f"(2) stage update of {len(ids):,} referrals (referral sync): "
            f"{seconds:.2f} s, {changed:,} changed, {awarded:,} ledger entries "
            f"(target {TARGETS['stage_update_s']} s)"
        )
        seconds, _ = common.timed(
            self.registry,
            self.uid,
            lambda env: env["res.partner"].browse(ids)._fx_recompute_facts(),
        )
        self.results["stage_update_with_facts_s"] = round(seconds, 2)
        say(
            f"(2) the same within the facts refresh of the {len(ids):,} traders: "
            f"{seconds:.2f} s"
        )
        for run in ("first", "recompute"):
            seconds, result = common.timed(
                self.registry,
                self.uid,
                lambda env: env["fx.ib.statement"]._fx_compute_period(
                    self.period[0], self.period[1]
                ),
            )
            self.results[f"ib_commissions_{run}_s"] = {
                "seconds": round(seconds, 2),
                **result,
            }
            say(
                f"(3) IB commissions, {run}: {seconds:.2f} s, "
                f"{result['lines']:,} lines, {result['statements']:,} statements "
                f"(target {TARGETS['ib_commissions_s']} s)"
            )

    def measure_expiry(self):
        say = common.say
        with common.odoo_env(self.registry, self.uid) as env:
            env.cr.execute(
                """
                INSERT INTO fx_points_entry (partner_id, programme_id, company_id,
                       kind, points, vested_points, date, origin_entry_id,
                       event_code, create_uid, write_uid, create_date, write_date)
                SELECT partner_id, programme_id, company_id, 'vested', 0, points,
                       date + interval '1 day', id, event_code, 1, 1, now(), now()
                  FROM fx_points_entry WHERE kind = 'earned'
                """
            )
            vested = env.cr.rowcount
            env.cr.execute(
                """
                INSERT INTO fx_points_entry (partner_id, programme_id, company_id,
                       kind, points, vested_points, date, event_code,
                       create_uid, write_uid, create_date, write_date)
                SELECT partner_id, programme_id, company_id, 'spent', -100, -100,
                       now() - interval '10 days', 'reward', 1, 1, now(), now()
                  FROM (SELECT DISTINCT partner_id, programme_id, company_id
                          FROM fx_points_entry WHERE kind = 'earned'
                         ORDER BY partner_id LIMIT 20000) s
                """
            )
            env["ir.config_parameter"].sudo().set_param(
                "fx_referrals.points_validity_months", "6"
            )
        common.analyze(self.args.db, "fx_points_entry")
        say(f"(4) points expiry, 6 months' validity, {vested:,} vested entries:")
        for run, day in (("first", 0), ("next day", 1)):
            now = datetime.now() + timedelta(days=day)
            seconds, created = common.timed(
                self.registry,
                self.uid,
                lambda env, now=now: len(env["fx.points.entry"]._fx_expire_due(now)),
            )
            self.results[f"expiry_{run.replace(' ', '_')}_s"] = {
                "seconds": round(seconds, 2),
                "expired_entries": created,
            }
            say(
                f"    {run}: {seconds:.2f} s, {created:,} expired entries "
                f"(target {TARGETS['expiry_s']} s)"
            )

    def run(self):
        self.create_database()
        try:
            self.measure()
            self.measure_expiry()
            common.save_results(
                "referrals-results.json",
                scale=self.scale,
                participants=self.participants,
                ledger_entries=self.participants * self.entries_each,
                referees=self.referees,
                ib_trades=self.ib_traders * self.trades_each,
                targets=TARGETS,
                **self.results,
            )
        finally:
            if not self.args.keep:
                common.drop_database(self.args.db, self.data_dir)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="fraction of the full book (1.0: 200,000 participants)",
    )
    parser.add_argument("--db", default=DB)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1:
        parser.error("--scale: between 0 (excluded) and 1")
    return common.main("referrals", Bench(args).run)


if __name__ == "__main__":
    sys.exit(main())
