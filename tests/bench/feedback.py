"""Benchmark of the feedback part of fx_engagement: the nightly recompute of the
traders' feedback scores, a batch of answers completing, the feedback KPIs pivot,
the channel timeline and a push of feedback.

Run it with ``scripts/fxcrm.sh bench feedback [options]`` (the script passes the
Odoo python and addons path):

    scripts/fxcrm.sh bench feedback                   # 200,000 traders
    scripts/fxcrm.sh bench feedback --traders 2000    # a quick run

What it does:

1. creates the database fxcrm_bench_fb (dropped first) with fx_engagement and no
   demo data;
2. writes the book in SQL: N traders (20 salespeople, 4 teams), and for each
   trader 3 answered feedback requests (CSAT, CES, NPS, scores and answer dates
   spread over 180 days) and one feedback log entry; tables analysed;
3. measures, each call in its own committed transaction:
   (1) the nightly ``fx.feedback.request._cron_refresh_feedback_scores()``: the
       first run (every trader with answers: one UPDATE) and a next night (the
       traders whose answers left the 90-day window in a day);
   (2) 500 answers completing at once (``_fx_record_scores`` and the traders'
       recompute, as when survey answers are marked done);
   (3) the feedback KPI pivot: ``_read_group`` of the requests by team and month
       with response rate, CSAT, CES, NPS;
   (4) the channel timeline: ``_read_group`` of fx.channel.touch by channel and
       month over the whole book, and one trader's timeline (the smart button);
   (5) ``fx.sync.push_feedback`` of 10,000 records (a tenth negative);
4. prints the figures and writes them to tests/bench/data/feedback-results.json,
   then drops the database (unless --keep).
"""

import argparse
import sys
import time

import common

say = common.say
DATA_DIR = common.DATA / "feedback-odoo-data"


class Bench:
    def __init__(self, args):
        self.args = args
        self.registry = None
        self.uid = 2
        self.figures = {}

    def timed(self, label, work):
        seconds, result = common.timed(self.registry, self.uid, work)
        self.figures[label] = round(seconds, 3)
        say(f"  {label}: {seconds:.3f} s")
        return result

    def create_database(self):
        self.registry, self.uid = common.install_fresh(
            self.python, self.addons_path, DATA_DIR, self.args.db, "feedback-install"
        )

    def load(self):
        n = self.args.traders
        say(f"writing {n} traders, {3 * n} answers and {n} feedback entries in SQL")
        start = time.perf_counter()
        with common.odoo_env(self.registry, self.uid) as env:
            cr = env.cr
            users = env["res.users"].create(
                [{"name": f"Sales {i}", "login": f"bench_sales_{i}"} for i in range(20)]
            )
            teams = env["crm.team"].create([{"name": f"Desk {i}"} for i in range(4)])
            surveys = [
                env.ref(f"fx_engagement.survey_fx_{kind}").id
                for kind in ("csat", "ces", "nps")
            ]
            cr.execute(
                """
                INSERT INTO res_partner (name, email, active, fx_is_trader, type,
                                         user_id, team_id, create_date, write_date)
                SELECT 'Trader ' || g, 'trader' || g || '@example.com', true, true,
                       'contact', (%(users)s::int[])[1 + g %% 20],
                       (%(teams)s::int[])[1 + g %% 4], now(), now()
                  FROM generate_series(1, %(n)s) g
                """,
                {"users": users.ids, "teams": teams.ids, "n": n},
            )
            cr.execute(
                "UPDATE res_partner SET commercial_partner_id = id "
                "WHERE commercial_partner_id IS NULL"
            )
            cr.execute(
                """
                INSERT INTO fx_feedback_request
                       (partner_id, user_id, team_id, survey_id, kind, trigger,
                        origin_model, origin_id, state, sent_date, answered_date,
                        score, has_score, responded_pct, is_detractor, csat_pct,
                        ces_score, ces_easy_pct, nps_value, create_date, write_date)
                SELECT p.id, p.user_id, p.team_id, s.survey_id, s.kind, 'manual',
                       'res.partner', p.id, 'done', d, d, sc, true, 100,
                       s.kind = 'nps' AND sc <= 6,
                       CASE WHEN s.kind = 'csat' THEN
                            CASE WHEN sc >= 4 THEN 100 ELSE 0 END END,
                       CASE WHEN s.kind = 'ces' THEN sc END,
                       CASE WHEN s.kind = 'ces' THEN
                            CASE WHEN sc >= 5 THEN 100 ELSE 0 END END,
                       CASE WHEN s.kind = 'nps' THEN
                            CASE WHEN sc >= 9 THEN 100 WHEN sc <= 6 THEN -100
                                 ELSE 0 END END,
                       now(), now()
                  FROM res_partner p
                 CROSS JOIN unnest(%(surveys)s::int[], %(kinds)s::varchar[],
                                   %(scales)s::int[]) AS s(survey_id, kind, top)
                 CROSS JOIN LATERAL (
                       SELECT now() - (p.id %% 180) * interval '1 day' AS d,
                              CASE WHEN s.kind = 'nps' THEN (p.id * 7) %% 11
                                   ELSE 1 + (p.id * 7) %% s.top END AS sc
                 ) x
                 WHERE p.fx_is_trader
                """,
                {
                    "surveys": surveys,
                    "kinds": ["csat", "ces", "nps"],
                    "scales": [5, 7, 10],
                },
            )
            cr.execute(
                """
                INSERT INTO fx_feedback (partner_id, user_id, team_id, date, channel,
                                         sentiment, body, source, ref,
                                         is_followup_handled, create_date,
                                         write_date)
                SELECT p.id, p.user_id, p.team_id,
                       now() - (p.id % 90) * interval '1 day', 'phone',
                       (ARRAY['positive', 'neutral', 'negative'])[1 + p.id % 3],
                       'Feedback ' || p.id, 'bench', 'B-' || p.id, true, now(),
                       now()
                  FROM res_partner p WHERE p.fx_is_trader
                """
            )
        common.analyze(
            self.args.db, "res_partner", "fx_feedback_request", "fx_feedback"
        )
        say(f"  written in {time.perf_counter() - start:.1f} s")

    def measure(self):
        say("measuring")
        self.timed(
            "nightly feedback scores, first run (every trader)",
            lambda env: env["fx.feedback.request"]._cron_refresh_feedback_scores(),
        )

        def next_night(env):
            # as if the last run were a day ago: the traders whose answers
            # left the 90-day window in a day (about 1 in 180) are recomputed
            from datetime import timedelta

            from odoo import fields

            env["ir.config_parameter"].set_param(
                "fx_engagement.feedback_scores_last_run",
                fields.Datetime.to_string(fields.Datetime.now() - timedelta(days=1)),
            )
            env["fx.feedback.request"]._cron_refresh_feedback_scores()

        self.timed("nightly feedback scores, next night", next_night)

        def complete(env):
            Request = env["fx.feedback.request"]
            requests = Request.search([("kind", "=", "nps")], limit=500)
            Request._fx_record_scores(dict.fromkeys(requests.ids, 9))
            requests.partner_id._fx_recompute_feedback_scores()

        self.timed("500 answers completing", complete)
        self.timed(
            "feedback KPI pivot (team x month)",
            lambda env: env["fx.feedback.request"]._read_group(
                [],
                ["team_id", "sent_date:month"],
                [
                    "responded_pct:avg",
                    "csat_pct:avg",
                    "ces_score:avg",
                    "nps_value:avg",
                ],
            ),
        )
        self.timed(
            "channel timeline (channel x month, whole book)",
            lambda env: env["fx.channel.touch"]._read_group(
                [], ["channel", "date:month"], ["__count"]
            ),
        )

        with common.odoo_env(self.registry, self.uid) as env:
            from odoo.tools import SQL

            [(partner_id,)] = env.execute_query(
                SQL("SELECT max(id) FROM res_partner WHERE fx_is_trader")
            )

        def one_trader(env):
            # the trader form's Timeline and Feedback buttons
            partner = env["res.partner"].browse(partner_id)
            return partner.fx_touch_count, partner.fx_feedback_count

        self.timed("one trader's timeline and feedback counts", one_trader)
        records = [
            {
                "ref": f"P-{i}",
                "source": "bench",
                "email": f"trader{1 + i % self.args.traders}@example.com",
                "channel": "email",
                "sentiment": "negative" if i % 10 == 0 else "neutral",
                "body": "Pushed feedback",
                "at": "2026-01-01T00:00:00Z",
            }
            for i in range(10000)
        ]
        result = self.timed(
            "push_feedback 10,000 records",
            lambda env: env["fx.sync"].push_feedback(records),
        )
        say(f"    {result}")

    def run(self):
        began = time.perf_counter()
        self.python, self.addons_path = common.odoo_paths(
            "'scripts/fxcrm.sh bench feedback'"
        )
        common.configure_odoo(self.addons_path, DATA_DIR)
        try:
            self.create_database()
            self.load()
            self.measure()
        finally:
            if self.args.keep:
                say(f"database {self.args.db} kept")
            elif self.registry is not None or common.database_exists(self.args.db):
                from odoo.modules.registry import Registry
                from odoo.sql_db import close_db

                Registry.delete(self.args.db)
                close_db(self.args.db)
                common.drop_database(self.args.db, DATA_DIR)
        wall = time.perf_counter() - began
        say(f"wall time {wall:.0f} s")
        common.save_results(
            "feedback-results.json",
            options=vars(self.args),
            figures=self.figures,
            wall_s=round(wall),
        )


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Benchmark of the feedback KPIs and the channel timeline.",
        epilog="Run through 'scripts/fxcrm.sh bench feedback'.",
    )
    parser.add_argument(
        "--traders", type=int, default=200_000, help="traders (default 200,000)"
    )
    parser.add_argument("--db", default="fxcrm_bench_fb")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)
    if args.traders < 1:
        parser.error("--traders must be positive")
    return args


def main(argv=None):
    return common.main("feedback benchmark", Bench(parse_args(argv)).run)


if __name__ == "__main__":
    sys.exit(main())
