"""Benchmark of a campaign e-mail step (fx.campaign) up to queued outgoing mail,
beside Odoo's own mass mailing queueing the same contacts with the same body.

Run it with ``make bench-campaigns`` or ``scripts/fxcrm.sh bench campaigns
[options]``: the script gets the Odoo python (FXCRM_ODOO_PYTHON) and addons path
(FXCRM_ADDONS_PATH) from there.

    scripts/fxcrm.sh bench campaigns                 # 50,000 traders
    scripts/fxcrm.sh bench campaigns --size 2000     # a quick run
    scripts/fxcrm.sh bench campaigns --profile       # cProfile of (c) and (d)
    scripts/fxcrm.sh bench campaigns --mail-batch-size 500   # Odoo's batch size

What it does, in this one process (an Odoo registry opened from the script):

1. creates the database fxcrm_bench_camp (dropped first if present) with
   fx_engagement and no demo data; sets up so that nothing is ever sent: the
   mass-mail composer's immediate sending is off (``mail.mail.force.send.limit``
   0) and the only outgoing mail server points to a closed local port;
2. registers ``--size`` traders with e-mails through the sync API
   (``env["fx.sync"].push_events``, registration batches of 10,000) and gives
   them time zones; 0.5 % are blacklisted and 0.3 % have bounced too often; a
   third got one or two marketing mails in the last 7 days and 1 in 30 three of
   them (mailing traces of three earlier mailings; the cap is 3 in 7 days, so
   those are capped), 1 in 5 one older mail outside the window;
3. a segment of all of them (fx.segment, ``action_refresh``) and a campaign
   (trigger "once", that segment, one e-mail step), started with
   ``action_start()``; the step's content, a body with a tracked link and two
   placeholders as the mailing editor inserts them, is set on the step's mailing
   (as its "Edit content" button does: the step's own body field is sanitised
   and drops placeholders); quiet hours are off (``fx_engagement.quiet_start`` =
   ``quiet_end``) so that no one is deferred;
4. measures, each in its own committed transaction:
   (a) the enrolment, ``campaign._fx_enrol(now)``;
   (b) the frequency cap for all participants, ``step._fx_over_cap`` (target
       5 s), then, for information, the consent check and the quiet-hour check
       with the default quiet hours (21:00-08:00, rolled back);
   (c) the e-mail step up to queued mail.mail: ``campaign._fx_process(limit)``
       in a loop, one transaction per batch as the campaign cron does, until no
       participant is due;
   (d) Odoo's own mass mailing: a mailing.mailing on res.partner whose domain
       selects the same traders, same subject and body, ``action_send_mail()``;
   both (c) and (d) run as the superuser, as their crons do;
5. prints rates, the ratio ours / Odoo's (target 1x, aim 2x), also per CPU
   second (this process and the PostgreSQL backends of the database: hardly
   changed by other loads on the machine), the time spent in Odoo's composer
   and in the campaign bookkeeping, the peak RSS; writes
   tests/bench/data/campaigns-results.json and drops the database (unless
   --keep).

Before (c), a probe campaign (test mode, 20 extra contacts) runs its step exactly
as the cron would: outside tests, ``mailing.mailing.action_send_mail`` commits in
batches, which breaks any savepoint the step would hold around it. Should the
probe fail, the benchmark says so and runs (c) with the composer's auto-commit
off (``threading.current_thread().testing``, which only changes that in this
path), one commit per batch; ``--as-cron`` runs (c) as the cron anyway.
"""

import argparse
import cProfile
import functools
import io
import pstats
import resource
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import common
import psutil
import psycopg2
from common import DATA, MODULE, BenchError, say

try:
    import odoo
    from odoo import Command
    from odoo.modules.registry import Registry
    from odoo.tools import SQL
except ImportError:
    sys.exit(
        "This benchmark needs a python that imports Odoo 18: run it with "
        "'make bench-campaigns' or 'scripts/fxcrm.sh bench campaigns'."
    )

BENCH = "Bench: "  # name prefix of what the benchmark creates
BATCH = 10_000  # registrations per push_events call
PROBE_SIZE = 20
TARGETS = {"cap_s": 5.0, "ratio": 1.0, "aim": 2.0}
# the figure for Odoo's own mass mailing
ODOO_REFERENCE = (5_000, 21.0)  # contacts, seconds: about 235 per second
TIME_ZONES = [
    "Europe/London",
    "Europe/Berlin",
    "Europe/Madrid",
    "Asia/Dubai",
    "Asia/Singapore",
    "Asia/Kolkata",
    "Africa/Johannesburg",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "UTC",
]
COUNTRIES = ["GB", "DE", "FR", "ES", "IT", "AE", "SG", "ZA", "BR", "AU"]
SUBJECT = "Gold just broke its weekly range"
BODY = """<div style="margin: 0px; padding: 0px;">
<p>Dear <t t-out="object.name">trader</t>,</p>
<p>XAUUSD closed above its weekly range this morning, on the largest volume
since March. Our analysts expect the move to be tested at 2,380 before the US
inflation figures on Thursday.</p>
<p style="text-align: center;">
<a href="https://www.example-broker.com/analysis/xauusd-weekly-breakout?lang=en"
   style="background-color: #d4a017; color: #ffffff; padding: 10px 20px;
   border-radius: 4px; text-decoration: none;">Read the analysis</a></p>
<p>Your account manager, <t t-out="object.user_id.name">the dealing desk</t>,
is available from 08:00 to 20:00 on weekdays.</p>
<p style="font-size: 11px; color: #888888;">CFDs are complex instruments and
come with a high risk of losing money rapidly due to leverage. 74 % of retail
investor accounts lose money when trading CFDs with this provider. You should
consider whether you understand how CFDs work and whether you can afford to
take the high risk of losing your money.</p>
</div>"""
# earlier marketing mailings: (name, days ago, every how many traders got it)
HISTORY = [
    ("Weekly market outlook", 6, 3),  # one trader in 3
    ("Webinar: trading the NFP", 3, 6),  # one in 6: two mails
    ("New: copy trading", 1, 30),  # one in 30: three mails, at the cap
    ("Spring deposit bonus", 20, 5),  # outside the 7-day window
]
# methods timed in (c) and (d): (model, method)
WATCHED = [
    ("fx.campaign", "_fx_enrol"),
    ("fx.campaign", "_fx_update_conversions"),
    ("fx.campaign", "_fx_decide_ab"),
    ("fx.campaign.participant", "_fx_exit_left_segment"),
    ("fx.campaign.step", "_fx_filter_condition"),
    ("fx.campaign.step", "_fx_without_consent"),
    ("fx.campaign.step", "_fx_in_quiet_hours"),
    ("fx.campaign.step", "_fx_over_cap"),
    ("fx.campaign.step", "_fx_ensure_content"),
    ("fx.campaign.log", "_fx_record"),
    ("fx.campaign.participant", "_fx_advance"),
    ("fx.campaign.participant", "_fx_exit"),
    ("mailing.mailing", "action_send_mail"),
    ("mailing.mailing", "_get_remaining_recipients"),
    ("mailing.mailing", "_get_seen_list"),
    ("mail.compose.message", "_prepare_mail_values"),
    ("mail.compose.message", "_process_mail_values_state"),
    ("mail.mail", "create"),
    ("res.partner", "_message_mail_after_hook"),
]


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Figure:
    label: str
    seconds: float | None
    count: int | None = None
    rate: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


class Stopwatch:
    """Time spent in some model methods (outermost calls only), by patching the
    registry's model classes of this process."""

    def __init__(self, registry):
        self.registry = registry
        self.totals = {}
        self.calls = {}
        self.active = set()
        self.saved = []

    def __enter__(self):
        for model, method in WATCHED:
            cls = self.registry[model]
            original = getattr(cls, method)
            self.saved.append((cls, method, cls.__dict__.get(method)))
            setattr(cls, method, self.wrap(f"{model}.{method}", original))
        return self

    def __exit__(self, *exc):
        for cls, method, own in reversed(self.saved):
            if own is None:
                delattr(cls, method)
            else:
                setattr(cls, method, own)
        self.saved = []

    def wrap(self, key, original):
        watch = self

        @functools.wraps(original)  # keeps Odoo's _api marker
        def timed(*args, **kwargs):
            if key in watch.active:  # a super() call or recursion: counted above
                return original(*args, **kwargs)
            watch.active.add(key)
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                watch.active.discard(key)
                watch.totals[key] = (
                    watch.totals.get(key, 0.0) + time.perf_counter() - start
                )
                watch.calls[key] = watch.calls.get(key, 0) + 1

        return timed

    def table(self):
        return {
            key: {"seconds": round(self.totals[key], 3), "calls": self.calls[key]}
            for key in sorted(self.totals, key=self.totals.get, reverse=True)
        }


@dataclass
class Bench:
    args: argparse.Namespace
    python: str = ""
    addons_path: str = ""
    data_dir: Path = DATA / "campaigns-odoo-data"
    registry: object = None
    uid: int = 2
    figures: list = field(default_factory=list)
    results: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)
    rss: dict = field(default_factory=dict)
    profiles: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ Odoo
    def run_odoo(self, name, *args):
        """Run an Odoo command to completion; its log in data/logs/camp-<name>.log."""
        command = common.odoo_command(
            self.python,
            self.addons_path,
            self.data_dir,
            self.args.db,
            "--log-level=warn",
            *args,
        )
        common.run_odoo(name, command, log_name=f"camp-{name}")

    def env(self, uid=None):
        """An environment in a new transaction, committed at the end (admin by
        default)."""
        return common.odoo_env(self.registry, uid or self.uid)

    def timed(self, work, uid=None):
        """Run ``work(env)`` in its own transaction, commit included; return the
        seconds and its result."""
        return common.timed(self.registry, uid or self.uid, work)

    def cpu(self):
        """CPU seconds so far of this process and of the PostgreSQL backends of
        the benchmark database ({pid: seconds}; empty when the server is not on
        this machine): unlike wall time, hardly changed by other loads."""
        usage = resource.getrusage(resource.RUSAGE_SELF)
        backends = {}
        conn = psycopg2.connect(dbname="postgres")
        try:
            with conn.cursor() as cr:
                cr.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s",
                    [self.args.db],
                )
                pids = [row[0] for row in cr.fetchall()]
        finally:
            conn.close()
        for pid in pids:
            try:
                times = psutil.Process(pid).cpu_times()
            except (psutil.Error, OSError):
                return usage.ru_utime + usage.ru_stime, {}
            backends[pid] = times.user + times.system
        return usage.ru_utime + usage.ru_stime, backends

    def cpu_since(self, before):
        """(python, postgres) CPU seconds since ``before`` (a ``cpu()``)."""
        (own, backends), (own0, backends0) = self.cpu(), before
        if not backends:
            return own - own0, None
        return own - own0, sum(v - backends0.get(k, 0.0) for k, v in backends.items())

    @staticmethod
    def cpu_note(spent):
        python, postgres = spent
        if postgres is None:
            return f"CPU: python {python:.1f} s"
        return f"CPU: python {python:.1f} s + postgres {postgres:.1f} s"

    def mark_rss(self, phase):
        self.rss[phase] = round(peak_rss_mib())

    def add(self, *args, **kwargs):
        figure = Figure(*args, **kwargs)
        self.figures.append(figure)
        return figure

    # ------------------------------------------------------------------ database
    def drop_database(self):
        Registry.delete(self.args.db)
        odoo.sql_db.close_db(self.args.db)
        common.drop_database(self.args.db, self.data_dir)

    def analyze(self, *tables):
        common.analyze(self.args.db, *tables)

    def create_database(self):
        say(f"creating database {self.args.db} with {MODULE} (no demo data)")
        self.drop_database()
        start = time.perf_counter()
        self.run_odoo(
            "install", "-i", MODULE, "--without-demo=all", "--stop-after-init"
        )
        say(f"  installed in {time.perf_counter() - start:.0f} s")
        self.registry, self.uid = common.open_registry(self.args.db, fresh=True)
        with self.env() as env:
            icp = env["ir.config_parameter"].sudo()
            # queue, never send: the composer sends at once below this many mails
            icp.set_param("mail.mail.force.send.limit", "0")
            icp.set_param("fx_engagement.sync_inline_limit", "0")
            icp.set_param("fx_engagement.cap_messages", "3")
            icp.set_param("fx_engagement.cap_days", "7")
            if self.args.mail_batch_size:
                icp.set_param("mail.batch_size", str(self.args.mail_batch_size))
            self.quiet_hours(env, None)
            # if anything tried to send, it would fail here, not leave the machine
            env["ir.mail_server"].search([]).write({"active": False})
            env["ir.mail_server"].create(
                {
                    "name": BENCH + "closed port",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": 9,
                    "smtp_encryption": "none",
                }
            )

    @staticmethod
    def quiet_hours(env, hours):
        """Set the quiet hours; None switches them off (start = end)."""
        start, end = hours or (12.0, 12.0)
        icp = env["ir.config_parameter"].sudo()
        icp.set_param("fx_engagement.quiet_start", str(start))
        icp.set_param("fx_engagement.quiet_end", str(end))

    # ------------------------------------------------------------------ contacts
    def load(self):
        size = self.args.size
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
                    "client_ref": f"CB{n:07d}",
                    "email": f"trader{n:07d}@bench.example.com",
                    "name": f"Trader {n:07d}",
                    "country": COUNTRIES[n % len(COUNTRIES)],
                }
                for n in range(offset, min(size, offset + BATCH))
            ]
            with self.env() as env:
                env["fx.sync"].push_events(records)
        seconds = time.perf_counter() - start
        say(f"  {size:,} traders in {seconds:.1f} s = {size / seconds:,.0f}/s")
        self.results["push_events_per_s"] = round(size / seconds)
        with self.env() as env:
            self.prepare_contacts(env)
        with self.env() as env:
            self.make_history(env)
        with self.env() as env:
            self.make_probe_contacts(env)
        self.analyze()

    def prepare_contacts(self, env):
        """Time zones, salespeople's absence, blacklist and bounces."""
        rows = env.execute_query(
            SQL(
                "SELECT id, email FROM res_partner WHERE fx_client_ref LIKE %s "
                "ORDER BY fx_client_ref",
                "CB%",
            )
        )
        ids = [row[0] for row in rows]
        self.ids["traders"] = ids
        env.cr.execute(
            SQL(
                "UPDATE res_partner p SET tz = (%s::varchar[])[1 + mod(s.n, %s)::int] "
                "FROM unnest(%s::int[]) WITH ORDINALITY AS s(id, n) WHERE p.id = s.id",
                TIME_ZONES,
                len(TIME_ZONES),
                ids,
            )
        )
        blacklisted = [email for n, (_id, email) in enumerate(rows) if n % 200 == 7]
        env["mail.blacklist"].create([{"email": email} for email in blacklisted])
        env.cr.execute(
            SQL(
                "UPDATE res_partner SET message_bounce = 3 " "WHERE id = ANY(%s)",
                [pid for n, pid in enumerate(ids) if n % 300 == 11],
            )
        )
        env.invalidate_all()
        self.results["blacklisted"] = len(blacklisted)
        self.results["bounced"] = len(range(11, len(ids), 300))

    def make_history(self, env):
        """Traces of earlier marketing mailings, as if they had been sent."""
        ids = self.ids["traders"]
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        model_id = env["ir.model"]._get_id("res.partner")
        total = 0
        for name, days, every in HISTORY:
            sent = now - timedelta(days=days)
            mailing = env["mailing.mailing"].create(
                {
                    "subject": name,
                    "body_html": f"<p>{name}</p>",
                    "mailing_model_id": model_id,
                    "mailing_domain": "[('fx_is_trader', '=', True)]",
                }
            )
            env.cr.execute(
                SQL(
                    "UPDATE mailing_mailing SET state = 'done', sent_date = %s "
                    "WHERE id = %s",
                    sent,
                    mailing.id,
                )
            )
            env.cr.execute(
                SQL(
                    """
                    INSERT INTO mailing_trace
                           (trace_type, mass_mailing_id, campaign_id, model, res_id,
                            email, trace_status, sent_datetime, create_date,
                            write_date, create_uid, write_uid)
                    SELECT 'mail', %(mailing)s, %(utm)s, 'res.partner', p.id,
                           p.email_normalized, 'sent',
                           %(sent)s + make_interval(mins => mod(s.n, 600)::int),
                           %(sent)s + make_interval(mins => mod(s.n, 600)::int),
                           %(sent)s, 1, 1
                      FROM unnest(%(ids)s::int[]) WITH ORDINALITY AS s(id, n)
                      JOIN res_partner p ON p.id = s.id
                     WHERE mod(s.n - 1, %(every)s) = 0
                    """,
                    mailing=mailing.id,
                    utm=mailing.campaign_id.id or None,
                    sent=sent,
                    ids=ids,
                    every=every,
                )
            )
            total += env.cr.rowcount
        self.results["history_traces"] = total
        [(recent, capped)] = env.execute_query(
            SQL(
                """
                SELECT count(*), count(*) FILTER (WHERE n >= 3) FROM (
                    SELECT res_id, count(*) AS n FROM mailing_trace
                     WHERE model = 'res.partner' AND create_date >= %s
                     GROUP BY res_id) t
                """,
                now - timedelta(days=7),
            )
        )
        self.results["with_recent_mail"] = recent
        self.results["at_cap_before"] = capped
        say(
            f"  history: {total:,} traces of {len(HISTORY)} earlier mailings; "
            f"{recent:,} traders got mail in the last 7 days, {capped:,} three"
        )

    def make_probe_contacts(self, env):
        partners = env["res.partner"].create(
            [
                {"name": f"Probe {n}", "email": f"probe{n}@bench.example.com"}
                for n in range(PROBE_SIZE)
            ]
        )
        self.ids["probe"] = partners.ids

    # ------------------------------------------------------------------ campaign
    def create_campaign(self):
        with self.env() as env:
            segment = env["fx.segment"].create(
                {
                    "name": BENCH + "registered this benchmark",
                    "domain": "[('fx_client_ref', '=like', 'CB%')]",
                    "refresh_policy": "manual",
                }
            )
            self.ids["segment"] = segment.id
        seconds, result = self.timed(
            lambda env: env["fx.segment"].browse(self.ids["segment"]).action_refresh()
        )
        say(f"  segment: {result['members']:,} members, refreshed in {seconds:.1f} s")
        self.results["segment_members"] = result["members"]
        self.results["segment_refresh_s"] = round(seconds, 3)
        with self.env() as env:
            campaign = self.new_campaign(
                env, "gold breakout", segment_id=self.ids["segment"]
            )
            self.ids["campaign"] = campaign.id
            self.ids["step"] = campaign.step_ids.id
            self.ids["campaign_mailing"] = campaign.step_ids.mailing_id.id
            kept = "t-out" in (campaign.step_ids.body or "")
            self.results["step_body_keeps_placeholders"] = kept
            if not kept:
                say(
                    "  ! fx.campaign.step.body dropped the placeholders (sanitised "
                    "HTML field): the body is set on the step's mailing instead"
                )

    @staticmethod
    def new_campaign(env, name, **values):
        campaign = env["fx.campaign"].create(
            {
                "name": BENCH + name,
                "trigger_type": "once",
                "start_date": datetime.now(timezone.utc).replace(tzinfo=None)
                - timedelta(minutes=5),
                "step_ids": [
                    Command.create(
                        {
                            "name": "Gold breakout e-mail",
                            "action_type": "email",
                            "subject": SUBJECT,
                            "body": BODY,
                        }
                    )
                ],
                **values,
            }
        )
        campaign.action_start()
        # the step's body is an ordinary (sanitised) HTML field, which drops the
        # placeholders: the content is edited on the step's mailing, as with the
        # step's "Edit content" button (mass-mailing editor)
        campaign.step_ids.mailing_id.body_html = BODY
        return campaign

    # ------------------------------------------------------------------ measures
    def measure_enrolment(self):
        say("(a) enrolment")
        now = self.now()
        seconds, count = self.timed(
            lambda env: env["fx.campaign"].browse(self.ids["campaign"])._fx_enrol(now)
        )
        self.mark_rss("a")
        self.add(
            "(a) enrolment, _fx_enrol (set-based INSERT)",
            seconds,
            count,
            count / seconds,
        )
        self.results["enrolled"] = count
        # autovacuum would analyse the new rows within a minute; do it now
        self.analyze("fx_campaign_participant")

    def running(self, env):
        return env["fx.campaign.participant"].search(
            [("campaign_id", "=", self.ids["campaign"]), ("state", "=", "running")]
        )

    def measure_checks(self):
        say("(b) the checks on all participants")
        now = self.now()
        runs = []
        for _run in range(self.args.repeat):
            with self.env(odoo.SUPERUSER_ID) as env:
                participants = self.running(env)
                env.invalidate_all()  # cold cache, as in a fresh cron transaction
                start = time.perf_counter()
                capped = (
                    env["fx.campaign.step"]
                    .browse(self.ids["step"])
                    ._fx_over_cap(participants, now)
                )
                runs.append(time.perf_counter() - start)
                env.cr.rollback()
        count = len(participants)
        target = TARGETS["cap_s"]
        self.add(
            f"(b) cap, _fx_over_cap, first of {len(runs)}",
            runs[0],
            count,
            count / runs[0],
            f"<= {target:g} s",
            runs[0] <= target,
            f"{len(capped):,} over the cap",
        )
        median = statistics.median(runs)
        self.add(
            "    same, median",
            median,
            count,
            count / median,
            f"<= {target:g} s",
            median <= target,
        )
        self.results["cap_s"] = runs
        self.results["capped_by_check"] = len(capped)
        with self.env(odoo.SUPERUSER_ID) as env:
            participants = self.running(env)
            env.invalidate_all()
            step = env["fx.campaign.step"].browse(self.ids["step"])
            start = time.perf_counter()
            blocked = step._fx_without_consent(participants)
            consent_s = time.perf_counter() - start
            self.quiet_hours(env, (21.0, 8.0))
            env.invalidate_all()
            participants = self.running(env)
            start = time.perf_counter()
            deferred = step._fx_in_quiet_hours(participants, now)
            env.flush_all()
            quiet_s = time.perf_counter() - start
            env.cr.rollback()
            # get_param cached the rolled-back quiet hours: forget them
            self.registry.clear_cache()
        self.add(
            "    consent, _fx_without_consent",
            consent_s,
            count,
            count / consent_s,
            note=f"{len(blocked):,} blocked",
        )
        self.add(
            "    quiet hours 21-08, _fx_in_quiet_hours (rolled back)",
            quiet_s,
            count,
            count / quiet_s,
            note=f"{len(deferred):,} deferred at {now:%H:%M} UTC",
        )
        self.results["consent_s"] = consent_s
        self.results["quiet_s"] = quiet_s
        self.results["quiet_deferred"] = len(deferred)
        self.mark_rss("b")

    def probe(self):
        """One step of a small test-mode campaign, exactly as the cron runs it."""
        say(f"probe: a test-mode campaign of {PROBE_SIZE} contacts, as the cron runs")
        with self.env() as env:
            campaign = self.new_campaign(
                env,
                "probe",
                is_test=True,
                test_partner_ids=[Command.set(self.ids["probe"])],
            )
            probe_id = campaign.id
        error = None
        try:
            with self.env(odoo.SUPERUSER_ID) as env:
                env["fx.campaign"].browse(probe_id)._fx_process()
        except Exception as exc:  # pylint: disable=broad-except
            error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
        with self.env() as env:
            [(queued, states)] = env.execute_query(
                SQL(
                    """
                    SELECT (SELECT count(*) FROM mail_mail m
                              JOIN fx_campaign_step s ON s.mailing_id = m.mailing_id
                             WHERE s.campaign_id = %(c)s),
                           (SELECT string_agg(state || ' ' || n, ', ') FROM (
                                SELECT state, count(*) AS n FROM fx_campaign_participant
                                 WHERE campaign_id = %(c)s GROUP BY state) s)
                    """,
                    c=probe_id,
                )
            )
        self.results["probe"] = {
            "error": error,
            "mails_committed": queued,
            "participants": states,
        }
        if error:
            say(f"  FAILED: {error}")
            say(
                f"  yet {queued} mails were committed by the composer before it, "
                f"participants: {states}"
            )
        elif not queued:
            error = f"inconclusive: no mail queued (participants: {states})"
            say(f"  {error}")
        else:
            say(f"  fine: {queued} mails queued, participants: {states}")
        return error

    def measure_process(self, workaround):
        say(
            f"(c) the e-mail step, _fx_process(limit={self.args.batch:,}) per "
            "transaction"
            + (", composer auto-commit off" if workaround else ", as the cron")
        )
        thread = threading.current_thread()
        batches = []
        profiler = cProfile.Profile() if self.args.profile else None
        with Stopwatch(self.registry) as watch:
            if workaround:
                thread.testing = True
            try:
                cpu = self.cpu()
                start = time.perf_counter()
                while True:
                    began = time.perf_counter()
                    with self.env(odoo.SUPERUSER_ID) as env:
                        campaign = env["fx.campaign"].browse(self.ids["campaign"])
                        if profiler:
                            profiler.enable()
                        done = campaign._fx_process(limit=self.args.batch)
                        if profiler:
                            profiler.disable()
                    batches.append((done, time.perf_counter() - began))
                    if not done:
                        break
                    if len(batches) > 10 + 2 * self.args.size / self.args.batch:
                        raise BenchError("(c) does not end: participants stay due")
                seconds = time.perf_counter() - start
                spent = self.cpu_since(cpu)
            finally:
                if workaround:
                    thread.testing = False
        self.mark_rss("c")
        self.results["process_batches"] = batches
        self.results["process_breakdown"] = watch.table()
        if profiler:
            self.profiles["c"] = profiler
        with self.env() as env:
            outcome = self.campaign_outcome(env)
        self.results["process_outcome"] = outcome
        processed = sum(n for n, _s in batches)
        self.results["process_cpu_s"] = spent
        self.add(
            "(c) campaign e-mail step, up to queued mail",
            seconds,
            processed,
            processed / seconds,
            note=f"{outcome['mails'].get('outgoing', 0):,} mails queued in "
            f"{len(batches)} transactions; {self.cpu_note(spent)}",
        )
        return seconds, processed, spent

    def campaign_outcome(self, env):
        campaign = self.ids["campaign"]
        states = dict(
            env.execute_query(
                SQL(
                    "SELECT coalesce(exit_reason, state), count(*) "
                    "FROM fx_campaign_participant WHERE campaign_id = %s GROUP BY 1",
                    campaign,
                )
            )
        )
        logs = dict(
            env.execute_query(
                SQL(
                    "SELECT result, count(*) FROM fx_campaign_log "
                    "WHERE campaign_id = %s GROUP BY 1",
                    campaign,
                )
            )
        )
        return {
            "participants": states,
            "logs": logs,
            "mails": self.mail_states(env, self.ids["campaign_mailing"]),
        }

    @staticmethod
    def mail_states(env, mailing_id):
        mails = dict(
            env.execute_query(
                SQL(
                    "SELECT state, count(*) FROM mail_mail WHERE mailing_id = %s "
                    "GROUP BY 1",
                    mailing_id,
                )
            )
        )
        traces = dict(
            env.execute_query(
                SQL(
                    "SELECT trace_status, count(*) FROM mailing_trace "
                    "WHERE mass_mailing_id = %s GROUP BY 1",
                    mailing_id,
                )
            )
        )
        [(personalised,)] = env.execute_query(
            SQL(
                "SELECT count(*) FROM mail_mail WHERE mailing_id = %s "
                "AND strpos(body_html, %s) > 0",
                mailing_id,
                "Dear Trader ",
            )
        )
        return {**mails, "traces": traces, "personalised": personalised}

    def measure_odoo(self):
        say("(d) Odoo's mass mailing, action_send_mail() on the same traders")
        # (c) started on analysed tables; so does (d), after (c)'s inserts
        self.analyze("mail_mail", "mail_message", "mailing_trace", "link_tracker")
        with self.env() as env:
            mailing = env["mailing.mailing"].create(
                {
                    "subject": SUBJECT,
                    "body_html": BODY,
                    "mailing_model_id": env["ir.model"]._get_id("res.partner"),
                    "mailing_domain": "[('fx_client_ref', '=like', 'CB%')]",
                }
            )
            self.ids["odoo_mailing"] = mailing.id
        profiler = cProfile.Profile() if self.args.profile else None
        with Stopwatch(self.registry) as watch:
            cpu = self.cpu()
            start = time.perf_counter()
            with self.env(odoo.SUPERUSER_ID) as env:
                if profiler:
                    profiler.enable()
                env["mailing.mailing"].browse(
                    self.ids["odoo_mailing"]
                ).action_send_mail()
                if profiler:
                    profiler.disable()
            seconds = time.perf_counter() - start
            spent = self.cpu_since(cpu)
        self.mark_rss("d")
        if profiler:
            self.profiles["d"] = profiler
        self.results["odoo_breakdown"] = watch.table()
        with self.env() as env:
            outcome = self.mail_states(env, self.ids["odoo_mailing"])
        self.results["odoo_outcome"] = outcome
        contacts = sum(outcome["traces"].values())
        self.results["odoo_cpu_s"] = spent
        self.add(
            "(d) Odoo mailing.mailing.action_send_mail",
            seconds,
            contacts,
            contacts / seconds,
            note=f"{outcome.get('outgoing', 0):,} mails queued, "
            f"{outcome.get('cancel', 0):,} cancelled; {self.cpu_note(spent)}",
        )
        return seconds, contacts, spent

    def check_nothing_sent(self):
        with self.env() as env:
            rows = env.execute_query(
                SQL(
                    "SELECT state, count(*) FROM mail_mail "
                    "WHERE state NOT IN ('outgoing', 'cancel') GROUP BY 1"
                )
            )
        self.results["mails_not_queued"] = dict(rows)
        if rows:
            say(f"  ! mails left the queue: {dict(rows)}")

    @staticmethod
    def now():
        return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)

    # ------------------------------------------------------------------ report
    def compare(self, ours, odoo_run):
        (our_s, our_n, our_cpu), (odoo_s, odoo_n, odoo_cpu) = ours, odoo_run
        our_rate, odoo_rate = our_n / our_s, odoo_n / odoo_s
        ratio = our_rate / odoo_rate
        self.add(
            "    ours / Odoo's (contacts per second)",
            None,
            target=f">= {TARGETS['ratio']:g}x",
            met=ratio >= TARGETS["ratio"],
            note=f"{ratio:.2f}x (aim {TARGETS['aim']:g}x: "
            f"{'met' if ratio >= TARGETS['aim'] else 'not met'})",
        )
        self.results["ratio"] = ratio
        our_total = our_cpu[0] + (our_cpu[1] or 0.0)
        odoo_total = odoo_cpu[0] + (odoo_cpu[1] or 0.0)
        if our_total and odoo_total:
            cpu_ratio = (our_n / our_total) / (odoo_n / odoo_total)
            self.results["cpu_ratio"] = cpu_ratio
            self.add(
                "    ours / Odoo's (contacts per CPU second)",
                None,
                note=f"{cpu_ratio:.2f}x ({our_n / our_total:,.0f} against "
                f"{odoo_n / odoo_total:,.0f} contacts per CPU second, python and "
                "postgres; other loads hardly change it)",
            )
        ref_n, ref_s = ODOO_REFERENCE
        self.add(
            "    ours / the issue's Odoo figure",
            None,
            note=f"{our_rate / (ref_n / ref_s):.2f}x "
            f"(issue: {ref_n:,} in {ref_s:g} s = {ref_n / ref_s:.0f}/s)",
        )

    def report(self):
        say()
        say(
            f"campaign step vs mass mailing, {self.args.size:,} traders, "
            f"process batch {self.args.batch:,}, mail.batch_size "
            f"{self.args.mail_batch_size or 'default (50)'}, database {self.args.db}"
            + (" (PROFILED: times inflated)" if self.args.profile else "")
        )
        say(f"{'measure':<56}{'count':>8}{'seconds':>9}{'per s':>8}  {'target':<9}")
        for fig in self.figures:
            seconds = "" if fig.seconds is None else f"{fig.seconds:.3f}"
            count = "" if fig.count is None else f"{fig.count:,}"
            rate = "" if fig.rate is None else f"{fig.rate:,.0f}"
            verdict = {True: "met", False: "NOT MET", None: ""}[fig.met]
            say(
                f"{fig.label:<56}{count:>8}{seconds:>9}{rate:>8}  {fig.target:<9}"
                f"{verdict}{'  ' + fig.note if fig.note else ''}"
            )
        outcome = self.results.get("process_outcome")
        if outcome:
            say(f"  (c) participants: {outcome['participants']}")
            say(f"  (c) log: {outcome['logs']}; mails: {outcome['mails']}")
        if "odoo_outcome" in self.results:
            say(f"  (d) mails: {self.results['odoo_outcome']}")
        batches = self.results.get("process_batches") or []
        if batches:
            times = [s for n, s in batches if n]
            say(
                f"  (c) per transaction: first {times[0]:.2f} s, median "
                f"{statistics.median(times):.2f} s, last full "
                f"{times[-2 if len(times) > 1 else -1]:.2f} s, max {max(times):.2f} s"
            )
        for key, title in (("process_breakdown", "(c)"), ("odoo_breakdown", "(d)")):
            table = self.results.get(key)
            if not table:
                continue
            say(f"  {title} time inside (outermost calls, seconds):")
            for name, row in table.items():
                say(f"      {name:<50}{row['seconds']:>9.2f}  {row['calls']:>6} calls")
        say(
            "  peak RSS of this process (MiB) after "
            + ", ".join(f"{phase} {mib:,}" for phase, mib in self.rss.items())
        )
        for key, profiler in self.profiles.items():
            for sort in ("tottime", "cumulative"):
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out)
                stats.sort_stats(sort).print_stats(self.args.profile_lines)
                say()
                say(f"cProfile of ({key}), by {sort}:")
                say(out.getvalue().split("\n\n", 1)[-1].rstrip())
                stats.dump_stats(DATA / f"campaigns-{key}.prof")

    def save(self, wall):
        common.save_results(
            "campaigns-results.json",
            options=vars(self.args),
            figures=[vars(f) for f in self.figures],
            details={k: v for k, v in self.results.items()},
            peak_rss_mib=self.rss,
            wall_s=round(wall),
        )

    # ------------------------------------------------------------------ main
    def run(self):
        began = time.perf_counter()
        self.python, self.addons_path = common.odoo_paths(
            "'make bench-campaigns' or 'scripts/fxcrm.sh bench campaigns'"
        )
        common.configure_odoo(self.addons_path, self.data_dir)
        try:
            self.create_database()
            self.load()
            self.create_campaign()
            self.measure_enrolment()
            self.measure_checks()
            failure = self.probe()
            workaround = bool(failure) and not self.args.as_cron
            ours = self.measure_process(workaround)
            odoo_run = self.measure_odoo()
            self.check_nothing_sent()
            self.compare(ours, odoo_run)
            if failure:
                self.add(
                    "    the step as the cron runs it (probe)",
                    None,
                    met=False,
                    note=f"FAILS: {failure}"
                    + ("; (c) measured with auto-commit off" if workaround else ""),
                )
            self.report()
        finally:
            if self.args.keep:
                say(f"database {self.args.db} kept")
            elif self.registry is not None or common.database_exists(self.args.db):
                self.drop_database()
        wall = time.perf_counter() - began
        say(f"wall time {wall:.0f} s (install and loading included)")
        self.save(wall)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Benchmark of a campaign e-mail step against Odoo's own mass "
        "mailing, up to queued outgoing mail.",
        epilog="Run through 'scripts/fxcrm.sh bench campaigns' (make "
        "bench-campaigns).",
    )
    parser.add_argument(
        "--size", type=int, default=50_000, help="traders (default 50,000)"
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=2000,
        help="participants per _fx_process call (default 2,000, the cron's)",
    )
    parser.add_argument(
        "--mail-batch-size",
        type=int,
        default=0,
        help="Odoo's mail.batch_size for both (c) and (d): mails per composer "
        "batch and commit (default: Odoo's, 50)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="cap evaluations to time (3)"
    )
    parser.add_argument("--db", default="fxcrm_bench_camp")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database at the end"
    )
    parser.add_argument(
        "--as-cron",
        action="store_true",
        help="run (c) as the cron does even when the probe fails (auto-commit on)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile (c) and (d); prints the top functions and writes "
        "tests/bench/data/campaigns-{c,d}.prof (times are inflated)",
    )
    parser.add_argument(
        "--profile-lines", type=int, default=30, help="functions per profile (30)"
    )
    args = parser.parse_args(argv)
    if args.size < 1 or args.batch < 1:
        parser.error("--size and --batch must be positive")
    return args


def main(argv=None):
    return common.main("campaigns benchmark", Bench(parse_args(argv)).run)


if __name__ == "__main__":
    sys.exit(main())
