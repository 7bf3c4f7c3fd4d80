"""Benchmark of the compliance rules (docs/COMPLIANCE.md): their evaluation for
a 50,000-trader campaign step, what they add to the step, and the audit trail's
CSV export of 1,000,000 entries.

Run it with ``scripts/fxcrm.sh bench compliance [options]``: the script gets the
Odoo python (FXCRM_ODOO_PYTHON) and addons path (FXCRM_ADDONS_PATH) from there.

    scripts/fxcrm.sh bench compliance                       # 50,000 traders
    scripts/fxcrm.sh bench compliance --traders 2000 --audit 50000   # quick

What it does, in this one process (an Odoo registry opened from the script):

1. creates the database fxcrm_bench_compliance (dropped first) with
   fx_engagement and no demo data; nothing can be sent (mail queued only, the
   outgoing server points to a closed local port);
2. registers ``--traders`` traders with e-mails (``fx.sync.push_events``,
   batches of 10,000) and classifies them in SQL: 40 % ESMA retail, 10 % ESMA
   elective professional, 20 % FCA retail, 10 % ASIC retail, 15 % Unrestricted,
   5 % without a licence; 1 % vulnerable; the loss percentages are dated;
3. times the rule evaluation alone for all traders, as a campaign step does it
   (``res.partner._fx_compliance_rows``, one query), for a bonus and for a
   marketing message (target 1 s each);
4. runs two "once" campaigns over all traders, each step processed by
   ``_fx_process(limit=--batch)`` per transaction as the cron does (mass
   mailing's auto-commit off, one commit per batch): a bonus step, then a
   marketing e-mail step; the time the compliance code adds to the step (the
   rules, the audit entries of the decisions and of the mails, the risk
   warnings appended) is measured inside the step's time (target: under 10 %
   of it); the whole gate is shown too (it also logs and advances the blocked
   participants, which the step would otherwise do for them);
5. fills the audit trail up to ``--audit`` entries (SQL) and times the CSV
   export (``fx.compliance.audit._fx_export_csv``: PostgreSQL's COPY into a
   temporary file, what the export route streams) (target 30 s);
6. prints the figures, writes tests/bench/data/compliance-results.json and drops
   the database (unless --keep).
"""

import argparse
import functools
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

import common
from common import DATA, MODULE, say

try:
    import odoo
    from odoo.tools import SQL
except ImportError:
    sys.exit(
        "This benchmark needs a python that imports Odoo 18: run it with "
        "'scripts/fxcrm.sh bench compliance'."
    )

BATCH = 10_000
TARGETS = {"rules_s": 1.0, "overhead_pct": 10.0, "export_s": 30.0}
# (rule set xml id or None, category, share of traders in %)
MIX = [
    ("rule_set_esma", "retail", 40),
    ("rule_set_esma", "elective", 10),
    ("rule_set_fca", "retail", 20),
    ("rule_set_asic", "retail", 10),
    ("rule_set_unrestricted", "retail", 15),
    (None, "retail", 5),
]
# the compliance code timed inside a step: what it adds (the decisions: rules,
# reasons and audit entries; the audit entries of the mails sent; the warnings)
# and, for information, its parts and the whole gate (which also does the
# journey bookkeeping of the blocked participants, in place of the step's)
ADDED = [
    ("res.partner", "_fx_incentive_decide"),
    ("res.partner", "_fx_marketing_decide"),
    ("fx.compliance.audit", "_fx_record_traces"),
    ("res.partner", "_fx_risk_warnings"),
]
WATCHED = [
    *ADDED,
    ("res.partner", "_fx_compliance_rows"),
    ("fx.compliance.audit", "_fx_record_decisions"),
    ("fx.campaign.step", "_fx_compliance_gate"),
]
BODY = (
    "<p>Dear <t t-out='object.name'>trader</t>,</p>"
    "<p>XAUUSD closed above its weekly range this morning.</p>"
)


class Stopwatch:
    """Time spent in the WATCHED methods (outermost calls), by patching the
    registry's model classes of this process."""

    def __init__(self, registry):
        self.registry = registry
        self.totals = {}
        self.saved = []

    def __enter__(self):
        for model, method in WATCHED:
            cls = self.registry[model]
            self.saved.append((cls, method, cls.__dict__.get(method)))
            setattr(cls, method, self.wrap(f"{model}.{method}", getattr(cls, method)))
        return self

    def __exit__(self, *exc):
        for cls, method, own in reversed(self.saved):
            if own is None:
                delattr(cls, method)
            else:
                setattr(cls, method, own)

    def wrap(self, key, original):
        watch = self

        @functools.wraps(original)
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                watch.totals[key] = (
                    watch.totals.get(key, 0.0) + time.perf_counter() - start
                )

        return timed

    def added(self):
        return sum(self.totals.get(f"{model}.{method}", 0.0) for model, method in ADDED)


class Bench:
    def __init__(self, args):
        self.args = args
        self.data_dir = DATA / "compliance-odoo-data"
        self.registry = None
        self.uid = 2
        self.figures = []
        self.results = {}
        self.python = self.addons_path = ""

    def env(self, uid=None):
        return common.odoo_env(self.registry, uid or self.uid)

    def figure(self, label, seconds, target=None, note=""):
        met = None if target is None else seconds <= target
        self.figures.append(
            {"label": label, "seconds": round(seconds, 3), "target": target, "met": met}
        )
        mark = "" if target is None else (" (met)" if met else " (NOT met)")
        say(f"  {label}: {seconds:.3f} s{mark}{'; ' + note if note else ''}")

    # ------------------------------------------------------------------ setup
    def drop_database(self):
        common.close_and_drop(self.args.db, self.data_dir)

    def create_database(self):
        self.registry, self.uid = common.install_fresh(
            self.python,
            self.addons_path,
            self.data_dir,
            self.args.db,
            "compliance-install",
            MODULE,
        )
        with self.env() as env:
            icp = env["ir.config_parameter"].sudo()
            icp.set_param("mail.mail.force.send.limit", "0")
            icp.set_param("fx_engagement.sync_inline_limit", "0")
            icp.set_param("fx_engagement.cap_messages", "0")  # no cap: all sent
            icp.set_param("fx_engagement.quiet_start", "12")
            icp.set_param("fx_engagement.quiet_end", "12")
            env["ir.mail_server"].search([]).write({"active": False})
            env["ir.mail_server"].create(
                {
                    "name": "Bench: closed port",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": 9,
                    "smtp_encryption": "none",
                }
            )
            day = (datetime.now(timezone.utc) - timedelta(days=10)).date()
            for xmlid in ("rule_set_esma", "rule_set_fca", "rule_set_asic"):
                env.ref(f"{MODULE}.{xmlid}").write(
                    {"loss_pct": 72.0, "loss_pct_date": day}
                )

    def load(self):
        size = self.args.traders
        say(f"registering {size:,} traders (push_events, batches of {BATCH:,})")
        at = (datetime.now(timezone.utc) - timedelta(days=30)).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
        start = time.perf_counter()
        for offset in range(0, size, BATCH):
            records = [
                {
                    "type": "registration",
                    "at": at,
                    "client_ref": f"CC{n:07d}",
                    "email": f"trader{n:07d}@bench.example.com",
                    "name": f"Trader {n:07d}",
                }
                for n in range(offset, min(size, offset + BATCH))
            ]
            with self.env() as env:
                env["fx.sync"].push_events(records)
        say(f"  in {time.perf_counter() - start:.1f} s")
        with self.env() as env:
            ids = [
                row[0]
                for row in env.execute_query(
                    SQL(
                        "SELECT id FROM res_partner WHERE fx_client_ref LIKE %s "
                        "ORDER BY fx_client_ref",
                        "CC%",
                    )
                )
            ]
            self.results["traders"] = len(ids)
            sets, categories = [], []
            for n in range(len(ids)):
                slot = n % 100
                for xmlid, category, share in MIX:
                    if slot < share:
                        sets.append(env.ref(f"{MODULE}.{xmlid}").id if xmlid else None)
                        categories.append(category)
                        break
                    slot -= share
            env.cr.execute(
                SQL(
                    """
                    UPDATE res_partner p
                       SET fx_rule_set_id = s.rule_set_id,
                           fx_client_category = s.category,
                           fx_is_vulnerable = (mod(s.n, 100) = 37)
                      FROM unnest(%s::int4[], %s::int4[], %s::varchar[])
                           WITH ORDINALITY AS s(id, rule_set_id, category, n)
                     WHERE p.id = s.id
                    """,
                    ids,
                    sets,
                    categories,
                )
            )
            self.ids = ids
        common.analyze(self.args.db)

    # ------------------------------------------------------------------ measures
    def measure_rules(self):
        say(f"(a) rule evaluation for {len(self.ids):,} traders, one query")
        for kind in ("bonus", "marketing"):
            best = None
            for _run in range(self.args.repeat):
                with self.env() as env:
                    partners = env["res.partner"].browse(self.ids)
                    start = time.perf_counter()
                    rows = partners._fx_compliance_rows(kind)
                    seconds = time.perf_counter() - start
                best = seconds if best is None else min(best, seconds)
            blocked = sum(1 for _rs, _v, rule in rows.values() if rule)
            self.results[f"rules_{kind}_blocked"] = blocked
            self.figure(
                f"rules for a {kind} step, {len(rows):,} traders",
                best,
                TARGETS["rules_s"],
                f"{blocked:,} blocked; best of {self.args.repeat}",
            )

    def run_campaign(self, name, step):
        with self.env() as env:
            campaign = env["fx.campaign"].create(
                {
                    "name": name,
                    "trigger_type": "once",
                    "start_date": datetime.now() - timedelta(minutes=5),
                    "goal_type": "none",
                    "domain": "[('fx_client_ref', '=like', 'CC%')]",
                    "step_ids": [(0, 0, {"name": name, **step})],
                }
            )
            campaign.action_start()
            campaign_id = campaign.id
            if step["action_type"] == "email":
                campaign.step_ids.mailing_id.body_arch = BODY
                campaign.step_ids.mailing_id.body_html = BODY
        thread = threading.current_thread()
        thread.testing = True  # the composer's auto-commit off: one commit a batch
        try:
            with Stopwatch(self.registry) as watch:
                start = time.perf_counter()
                batches = 0
                while True:
                    with self.env(odoo.SUPERUSER_ID) as env:
                        done = (
                            env["fx.campaign"]
                            .browse(campaign_id)
                            ._fx_process(limit=self.args.batch)
                        )
                    batches += 1
                    if not done:
                        break
                seconds = time.perf_counter() - start
        finally:
            thread.testing = False
        with self.env() as env:
            outcome = dict(
                env.execute_query(
                    SQL(
                        "SELECT result, count(*) FROM fx_campaign_log "
                        "WHERE campaign_id = %s GROUP BY result",
                        campaign_id,
                    )
                )
            )
        return seconds, watch, outcome, batches

    def measure_steps(self):
        steps = {
            "bonus": (
                "Bench bonus",
                {"action_type": "bonus", "bonus_amount": 50, "bonus_description": "B"},
            ),
            "email": ("Bench e-mail", {"action_type": "email", "subject": "Gold"}),
        }
        for name, step in (steps[key] for key in self.args.steps):
            say(f"(b) campaign step '{name}' over {len(self.ids):,} traders")
            seconds, watch, outcome, batches = self.run_campaign(name, step)
            overhead = watch.added()
            pct = 100 * overhead / seconds if seconds else 0.0
            self.results[f"{name} outcome"] = outcome
            self.results[f"{name} compliance"] = {
                k: round(v, 3) for k, v in watch.totals.items()
            }
            self.figure(
                f"{name} step, {batches - 1} batches of {self.args.batch:,}",
                seconds,
                note=", ".join(f"{k}: {v:,}" for k, v in sorted(outcome.items())),
            )
            self.figure(
                f"  compliance added to it ({pct:.1f} % of the step)",
                overhead,
                note=", ".join(
                    f"{k.split('.')[-1]} {v:.2f} s" for k, v in watch.totals.items()
                ),
            )
            self.figures[-1]["overhead_pct"] = round(pct, 2)
            self.figures[-1]["target"] = f"< {TARGETS['overhead_pct']} %"
            self.figures[-1]["met"] = pct < TARGETS["overhead_pct"]
            say(f"    {'met' if pct < TARGETS['overhead_pct'] else 'NOT met'}")

    def fill_audit(self):
        wanted = self.args.audit
        with self.env() as env:
            [(have,)] = env.execute_query(
                SQL("SELECT count(*) FROM fx_compliance_audit")
            )
            missing = max(0, wanted - have)
            say(f"(c) filling the audit trail: {have:,} entries + {missing:,} (SQL)")
            start = time.perf_counter()
            env.cr.execute(
                SQL(
                    """
                    INSERT INTO fx_compliance_audit
                           (date, kind, outcome, partner_id, client_ref, rule_set_id,
                            rule_set_version, rule, reason, what, is_risk_warning,
                            origin, user_id)
                    SELECT now() - (mod(g, 365)) * interval '1 day',
                           (ARRAY['email', 'sms', 'bonus', 'reward', 'points'])
                               [1 + mod(g, 5)],
                           CASE WHEN mod(g, 7) = 0 THEN 'blocked' ELSE 'sent' END,
                           p.id, p.fx_client_ref, p.fx_rule_set_id, 2,
                           CASE WHEN mod(g, 7) = 0 THEN 'incentive' END,
                           CASE WHEN mod(g, 7) = 0 THEN
                                'blocked by rule ESMA (EU) v2: no incentives for '
                                'this client category' END,
                           'Gold just broke its weekly range', mod(g, 2) = 0,
                           'mailing.mailing,' || (mod(g, 50)), %(uid)s
                      FROM generate_series(1, %(n)s) g
                      JOIN res_partner p ON p.id = (%(ids)s::int4[])[1 + mod(g, %(k)s)]
                    """,
                    uid=self.uid,
                    n=missing,
                    ids=self.ids,
                    k=len(self.ids),
                )
            )
            say(f"  in {time.perf_counter() - start:.1f} s")
        common.analyze(self.args.db, "fx_compliance_audit")

    def measure_export(self):
        say("(d) CSV export of the whole audit trail (COPY, as the export route)")
        with self.env() as env, tempfile.TemporaryFile() as out:
            start = time.perf_counter()
            env["fx.compliance.audit"]._fx_export_csv({}, out)
            seconds = time.perf_counter() - start
            size = out.tell()
            out.seek(0)
            rows = sum(1 for _line in out) - 1
        self.results["export_rows"] = rows
        self.results["export_mib"] = round(size / 2**20, 1)
        self.figure(
            f"export of {rows:,} entries ({size / 2**20:,.0f} MiB)",
            seconds,
            TARGETS["export_s"],
            f"{rows / seconds:,.0f} entries/s",
        )

    # ------------------------------------------------------------------ main
    def run(self):
        began = time.perf_counter()
        self.python, self.addons_path = common.odoo_paths(
            "'scripts/fxcrm.sh bench compliance'"
        )
        common.configure_odoo(self.addons_path, self.data_dir)
        try:
            self.create_database()
            self.load()
            self.measure_rules()
            self.measure_steps()
            self.fill_audit()
            self.measure_export()
        finally:
            if self.args.keep:
                say(f"database {self.args.db} kept")
            elif self.registry is not None or common.database_exists(self.args.db):
                self.drop_database()
        common.save_results(
            "compliance-results.json",
            options=vars(self.args),
            figures=self.figures,
            details=self.results,
            wall_s=round(time.perf_counter() - began),
        )


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Benchmark of the compliance rules and of the audit export.",
        epilog="Run through 'scripts/fxcrm.sh bench compliance'.",
    )
    parser.add_argument(
        "--traders", type=int, default=50_000, help="traders (default 50,000)"
    )
    parser.add_argument(
        "--audit",
        type=int,
        default=1_000_000,
        help="audit entries to export (default 1,000,000)",
    )
    parser.add_argument(
        "--batch", type=int, default=2000, help="participants per run (2,000)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="rule evaluations (3)")
    parser.add_argument(
        "--steps",
        default="bonus,email",
        type=lambda text: [key.strip() for key in text.split(",") if key.strip()],
        help="campaign steps to time, of bonus,email (default both)",
    )
    parser.add_argument("--db", default="fxcrm_bench_compliance")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)
    if args.traders < 1 or args.batch < 1 or args.audit < 0:
        parser.error("--traders and --batch must be positive")
    if not set(args.steps) <= {"bonus", "email"}:
        parser.error("--steps: a comma-separated list of bonus, email")
    return args


def main(argv=None):
    return common.main("compliance benchmark", Bench(parse_args(argv)).run)


if __name__ == "__main__":
    sys.exit(main())
