"""Benchmark of a campaign's Journey and Results tabs (fx.campaign.fx_journey_data
and fx_campaign_results) on a large journey.

    scripts/fxcrm.sh bench journey                    # 50,000 participants
    scripts/fxcrm.sh bench journey --participants 2000

What it does, in this one process (an Odoo registry opened from the script):

1. creates the database fxcrm_bench_journey (dropped first) with fx_engagement
   and no demo data;
2. writes, set-based in SQL, ``--participants`` traders, a two-step campaign
   whose first step has two A/B variants, their participants (10 % holdout),
   the step history (sent, a tenth deferred, a few capped and blocked, the
   second step done for half) and one mailing trace per send (a third opened,
   a tenth clicked), and conversions for a fifth;
3. times, each in its own transaction, as an FX manager would open the tabs:
   the journey counts and the results (rates, the A/B verdict);
4. prints the figures, writes tests/bench/data/journey-results.json and drops
   the database (unless --keep).
"""

import argparse
import sys
import time

import common
from common import say

DB = "fxcrm_bench_journey"


def build(env, participants):
    """The book, the campaign and its history, in SQL; return the campaign."""
    from odoo.tools import SQL

    cr = env.cr
    campaign = env["fx.campaign"].create(
        {
            "name": "Bench journey",
            "trigger_type": "once",
            "goal_type": "deposit",
            "holdout_pct": 10,
            "ab_min_sample": 100,
            "step_ids": [
                (
                    0,
                    0,
                    {
                        "sequence": 1,
                        "name": "Welcome",
                        "action_type": "email",
                        "subject": "Welcome",
                        "variant_ids": [
                            (0, 0, {"name": "A", "split_pct": 50, "sequence": 1}),
                            (0, 0, {"name": "B", "split_pct": 50, "sequence": 2}),
                        ],
                    },
                ),
                (
                    0,
                    0,
                    {
                        "sequence": 2,
                        "name": "Call",
                        "action_type": "activity",
                        "wait_value": 3,
                    },
                ),
            ],
        }
    )
    campaign.action_start()
    step1, step2 = campaign.step_ids.sorted("sequence")
    variant_a, variant_b = step1.variant_ids.sorted("sequence")
    env.flush_all()
    cr.execute(
        SQL(
            """
            WITH p AS (
                INSERT INTO res_partner (name, email, fx_is_trader, active, type,
                                         create_date, write_date)
                SELECT 'Bench ' || n, 'bench' || n || '@example.com', true, true,
                       'contact', now(), now()
                  FROM generate_series(1, %(n)s) n
                RETURNING id
            )
            INSERT INTO fx_campaign_participant
                   (campaign_id, partner_id, state, step_id, enrolled_date,
                    variant_id, is_holdout, in_ab_test, is_test, converted,
                    revenue, create_date, write_date)
            SELECT %(campaign)s, p.id,
                   CASE WHEN mod(p.id, 4) = 0 THEN 'running' ELSE 'done' END,
                   CASE WHEN mod(p.id, 4) = 0 THEN %(step2)s END,
                   now() - interval '5 days',
                   CASE WHEN mod(p.id, 10) = 0 THEN NULL
                        WHEN mod(p.id, 2) = 0 THEN %(a)s ELSE %(b)s END,
                   mod(p.id, 10) = 0, mod(p.id, 10) <> 0, false, mod(p.id, 5) = 0,
                   CASE WHEN mod(p.id, 5) = 0 THEN 500 ELSE 0 END, now(), now()
              FROM p
            """,
            n=participants,
            campaign=campaign.id,
            step2=step2.id,
            a=variant_a.id,
            b=variant_b.id,
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO fx_campaign_log
                   (participant_id, campaign_id, step_id, variant_id, partner_id,
                    mailing_id, date, result, is_test)
            SELECT cp.id, cp.campaign_id, %(step1)s, cp.variant_id, cp.partner_id,
                   v.mailing_id, cp.enrolled_date,
                   CASE WHEN cp.is_holdout THEN 'skipped'
                        WHEN mod(cp.partner_id, 50) = 1 THEN 'capped'
                        WHEN mod(cp.partner_id, 50) = 3 THEN 'blocked'
                        ELSE 'sent' END, false
              FROM fx_campaign_participant cp
              LEFT JOIN fx_campaign_variant v ON v.id = cp.variant_id
             WHERE cp.campaign_id = %(campaign)s
            UNION ALL
            SELECT cp.id, cp.campaign_id, %(step2)s, NULL, cp.partner_id, NULL,
                   cp.enrolled_date + interval '3 days',
                   CASE WHEN mod(cp.partner_id, 4) = 0 THEN 'deferred' ELSE 'done' END,
                   false
              FROM fx_campaign_participant cp
             WHERE cp.campaign_id = %(campaign)s AND mod(cp.partner_id, 2) = 0
            """,
            step1=step1.id,
            step2=step2.id,
            campaign=campaign.id,
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO mailing_trace
                   (trace_type, model, res_id, mass_mailing_id, email, trace_status,
                    sent_datetime, open_datetime, links_click_datetime,
                    create_date, write_date)
            SELECT 'mail', 'res.partner', l.partner_id, l.mailing_id,
                   'bench' || l.partner_id || '@example.com',
                   CASE WHEN mod(l.partner_id, 3) = 0 THEN 'open' ELSE 'sent' END,
                   l.date,
                   CASE WHEN mod(l.partner_id, 3) = 0 THEN l.date END,
                   CASE WHEN mod(l.partner_id, 9) = 0 THEN l.date END, now(), now()
              FROM fx_campaign_log l
             WHERE l.campaign_id = %s AND l.result = 'sent'
            """,
            campaign.id,
        )
    )
    cr.execute("ANALYZE")
    env.invalidate_all()
    return campaign.id


def run(args):
    python, addons_path = common.odoo_paths("scripts/fxcrm.sh bench journey")
    del python
    data_dir = common.DATA / "odoo-data"
    common.configure_odoo(addons_path, data_dir)
    import odoo  # noqa: F401  (after the configuration)

    common.drop_database(args.db, data_dir)
    say(f"creating database {args.db} with fx_engagement (no demo data)")
    command = common.odoo_command(
        sys.executable,
        addons_path,
        data_dir,
        args.db,
        "-i",
        "fx_engagement",
        "--without-demo=all",
        "--stop-after-init",
        "--log-level=warn",
    )
    common.run_odoo("install", command, log_name="journey-install")
    registry, uid = common.open_registry(args.db, fresh=True)
    start = time.perf_counter()
    with common.odoo_env(registry, uid) as env:
        campaign_id = build(env, args.participants)
    seconds = time.perf_counter() - start
    say(f"{args.participants:,} participants written in {seconds:.1f} s")

    figures = {"participants": args.participants}
    for name, method in (
        ("journey", "fx_journey_data"),
        ("results", "fx_campaign_results"),
    ):
        times = []
        for _ in range(args.repeat):
            seconds, result = common.timed(
                registry,
                uid,
                lambda env, m=method: getattr(
                    env["fx.campaign"].browse(campaign_id), m
                )(),
            )
            times.append(seconds)
        figures[f"{name}_s"] = round(min(times), 3)
        say(f"{name}: best of {args.repeat}, {min(times):.3f} s")
        if name == "journey":
            say(f"  first step: {result['steps'][0]['counts']}")
        else:
            say(f"  verdict: {result['verdict']}")
    common.save_results("journey-results.json", **figures)
    if not args.keep:
        registry.delete(args.db)
        common.drop_database(args.db, data_dir)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", default=DB)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(common.main("journey", lambda: run(parse_args(sys.argv[1:]))))
