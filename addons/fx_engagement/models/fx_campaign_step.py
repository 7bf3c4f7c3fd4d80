import logging
from datetime import datetime, time, timedelta

import psycopg2
import pytz

from odoo import Command, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, html2plaintext

from ..tools import model_recordset
from .fx_trader_condition import ConditionArgs

_logger = logging.getLogger(__name__)

# the recipients filter of a step's mailing: nobody; the campaign sends it to
# explicit participants (see mailing.mailing._fx_check_step_send)
NOBODY_DOMAIN = "[('id', 'in', [])]"

ACTIONS = [
    ("email", "Send e-mail"),
    ("sms", "Send SMS"),
    ("activity", "Schedule an activity"),
    ("assign", "Assign salesperson / team"),
    ("tag_add", "Add a tag"),
    ("tag_remove", "Remove a tag"),
    ("opportunity", "Create an opportunity"),
    ("bonus", "Record a bonus offer"),
    ("note", "Post an internal note"),
    ("server_action", "Run a server action"),
]
MESSAGE_ACTIONS = ("email", "sms")
CONDITIONS = [
    ("none", "Always"),
    ("not_opened", "Did not open the previous e-mail"),
    ("not_clicked", "Did not click the previous e-mail"),
    ("no_deposit", "No deposit since entering"),
    ("no_trade", "No trade since entering"),
    ("in_segment", "Still in the campaign's segment"),
]
# the step conditions that are trader conditions (docs/METRICS.md#step-conditions):
# condition -> (kind in fx.trader.condition, negated); the window of each starts
# at the participant's enrolment
TRADER_CONDITIONS = {
    "no_deposit": ("deposit_min", True),  # not: any deposit since entering
    "no_trade": ("traded", True),  # not: a trade opened since entering
    "in_segment": ("segment", False),  # member of the campaign's segment
}


class FxCampaignStep(models.Model):
    _name = "fx.campaign.step"
    _description = "Campaign Step"
    _order = "sequence, id"

    campaign_id = fields.Many2one(
        "fx.campaign", required=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True)
    wait_value = fields.Integer(
        string="Wait", default=0, help="Wait this long after the previous step."
    )
    wait_unit = fields.Selection(
        [("hours", "Hours"), ("days", "Days")], default="days", required=True
    )
    condition = fields.Selection(CONDITIONS, default="none", required=True)
    action_type = fields.Selection(ACTIONS, required=True, default="email")
    is_transactional = fields.Boolean(
        string="Transactional",
        help="Service messages (e.g. KYC reminders) are exempt from the frequency "
        "cap and quiet hours; consent still applies.",
    )
    mailing_id = fields.Many2one(
        "mailing.mailing",
        string="Content",
        copy=False,
        help="The e-mail or SMS sent by this step (Odoo mass mailing: tracked opens, "
        "clicks, bounces, unsubscribes; blacklist honoured).",
    )
    subject = fields.Char(help="E-mail subject, used to create the content.")
    body = fields.Html(help="E-mail or SMS text, used to create the content.")
    variant_ids = fields.One2many("fx.campaign.variant", "step_id", copy=False)
    activity_type_id = fields.Many2one("mail.activity.type")
    activity_summary = fields.Char()
    activity_days = fields.Integer(string="Activity Due In (days)", default=1)
    user_id = fields.Many2one("res.users", string="Salesperson")
    team_id = fields.Many2one("crm.team", string="Sales Team")
    tag_id = fields.Many2one("res.partner.category")
    bonus_amount = fields.Monetary(currency_field="currency_id")
    bonus_description = fields.Char()
    currency_id = fields.Many2one(related="campaign_id.currency_id")
    note = fields.Html(string="Internal Note")
    server_action_id = fields.Many2one(
        "ir.actions.server", domain=[("model_id.model", "=", "res.partner")]
    )
    log_count = fields.Integer(string="Runs", compute="_compute_log_count")
    is_broken = fields.Boolean(
        string="Stopped on Error",
        readonly=True,
        copy=False,
        help="The step's mailing failed as a whole (e.g. its content does not "
        "render): its participants wait at this step until the content is edited "
        "or the step is retried.",
    )
    last_error = fields.Text(readonly=True, copy=False)
    error_date = fields.Datetime(readonly=True, copy=False)

    def _compute_log_count(self):
        counts = dict(
            self.env["fx.campaign.log"]._read_group(
                [("step_id", "in", self.ids)], ["step_id"], ["__count"]
            )
        )
        for step in self:
            step.log_count = counts.get(step, 0)

    def _fx_wait(self):
        self.ensure_one()
        unit = "hours" if self.wait_unit == "hours" else "days"
        return timedelta(**{unit: self.wait_value})

    def _fx_ensure_content(self):
        """Message steps get their mass mailing (and one per A/B variant)."""
        for step in self.filtered(lambda s: s.action_type in MESSAGE_ACTIONS):
            if not step.mailing_id:
                step.mailing_id = step._fx_new_mailing(step.subject, step.body)
            for variant in step.variant_ids.filtered(lambda v: not v.mailing_id):
                variant.mailing_id = step._fx_new_mailing(
                    variant.subject or step.subject, variant.body or step.body
                )

    def _fx_new_mailing(self, subject, body):
        self.ensure_one()
        campaign = self.campaign_id
        values = {
            "subject": subject or self.name,
            "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
            "mailing_domain": NOBODY_DOMAIN,
            "campaign_id": campaign.utm_campaign_id.id,
            "user_id": campaign.user_id.id,
            "fx_is_transactional": self.is_transactional,
        }
        if self.action_type == "sms":
            values.update(
                mailing_type="sms",
                body_plaintext=html2plaintext(body or "") or subject or self.name,
            )
        else:
            values.update(mailing_type="mail", body_html=body or "")
        return self.env["mailing.mailing"].sudo().create(values)

    def action_retry(self):
        """Clear the error: the participants waiting at the step go on at the
        next run (editing the step's mailing does the same)."""
        self.check_access("write")
        self._fx_clear_error()
        self.env.ref("fx_engagement.ir_cron_fx_campaign_process")._trigger()
        return True

    def _fx_clear_error(self):
        broken = self.filtered("is_broken")
        if broken:
            broken.sudo().write(
                {"is_broken": False, "last_error": False, "error_date": False}
            )

    def _fx_flag_broken(self, error, now):
        """Stop the step on ``error`` (its participants wait, the other steps
        and campaigns go on) and say so on the campaign."""
        self.ensure_one()
        was_broken = self.is_broken
        self.sudo().write({"is_broken": True, "last_error": error, "error_date": now})
        if not was_broken:
            self.campaign_id.sudo().message_post(
                body=self.env._(
                    "Step %(step)s stopped: its mailing could not be sent "
                    "(%(error)s). Its participants wait at this step until its "
                    "content is edited or the step is retried.",
                    step=self.name,
                    error=error,
                ),
                subtype_xmlid="mail.mt_note",
            )

    def action_edit_content(self):
        self.ensure_one()
        self._fx_ensure_content()
        return {
            "type": "ir.actions.act_window",
            "res_model": "mailing.mailing",
            "res_id": self.mailing_id.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------ execution
    def _fx_execute(self, participants, now):
        """Run this step for a batch of due participants of one campaign."""
        self.ensure_one()
        campaign = self.campaign_id
        Log = self.env["fx.campaign.log"]
        participants = participants._fx_exit_left_segment(now)
        if not participants:
            return
        passed = self._fx_filter_condition(participants)
        skipped = participants - passed
        if skipped:
            Log._fx_record(skipped, self, "skipped", self.env._("condition not met"))
            skipped._fx_advance(self, now)
        if not passed:
            return
        passed = self._fx_compliance_gate(passed, now)  # fx_campaign_step_compliance
        if not passed:
            return
        if self.action_type in MESSAGE_ACTIONS:
            self._fx_send(passed, now)
            return
        try:
            with self.env.cr.savepoint():
                self._fx_run_action(passed)
            Log._fx_record(passed, self, "done")
            passed._fx_advance(self, now)
        except Exception:
            for participant in passed:
                participant._fx_run_one(self, now)
        campaign.invalidate_recordset()

    def _fx_filter_condition(self, participants):
        """The participants meeting the step's condition, set-based
        (docs/METRICS.md#step-conditions): the e-mail conditions read the traces
        of the previous e-mail, the others are trader conditions."""
        condition = self.condition
        if condition == "none":
            return participants
        if condition in TRADER_CONDITIONS:
            predicate = self._fx_trader_condition_sql(condition)
        else:  # not_opened, not_clicked
            predicate = self._fx_not_engaged_sql(condition)
        if predicate is None:
            return participants
        rows = self.env.execute_query(
            SQL(
                "SELECT cp.id FROM fx_campaign_participant cp "
                "JOIN res_partner p ON p.id = cp.partner_id "
                "WHERE cp.id = ANY(%s) AND %s",
                participants.ids,
                predicate,
            )
        )
        return participants.browse([row[0] for row in rows])

    def _fx_trader_condition_sql(self, condition):
        """The step condition ``condition`` as a predicate on the trader ``p``
        of the participant ``cp``, from the registry of trader conditions
        (fx.trader.condition), its window starting at the participant's
        enrolment; None when it holds for everyone (no segment)."""
        code, negate = TRADER_CONDITIONS[condition]
        segment = self.campaign_id.segment_id
        if code == "segment" and not segment:
            return None
        args = ConditionArgs(
            now=fields.Datetime.now(),
            since=SQL("cp.enrolled_date"),
            segment_id=segment.id,
        )
        predicate = self.env["fx.trader.condition"]._fx_sql(code, args)
        return SQL("NOT %s", predicate) if negate else predicate

    def _fx_not_engaged_sql(self, condition):
        """Did not open / click the last e-mail step before this one (any of its
        variants' mailings), as a predicate on ``cp``; None when there is no
        earlier e-mail step."""
        previous = self.campaign_id.step_ids.filtered(
            lambda s: s.sequence < self.sequence and s.action_type == "email"
        ).sorted("sequence")[-1:]
        if not previous:
            return None
        column = {"not_opened": "open_datetime", "not_clicked": "links_click_datetime"}
        return SQL(
            "NOT EXISTS (SELECT 1 FROM mailing_trace t "
            "WHERE t.model = 'res.partner' AND t.res_id = cp.partner_id "
            "AND t.mass_mailing_id = ANY(%s) AND t.%s IS NOT NULL)",
            (previous.mailing_id | previous.variant_ids.mailing_id).ids,
            SQL.identifier(column[condition]),
        )

    def _fx_send(self, participants, now):
        """Holdout, A/B, consent, quiet hours and cap, then one mass-mailing send
        per variant for everyone left."""
        Log = self.env["fx.campaign.log"]
        campaign = self.campaign_id
        holdout = participants.filtered("is_holdout")
        if holdout:
            Log._fx_record(holdout, self, "skipped", self.env._("holdout group"))
            holdout._fx_advance(self, now)
        participants -= holdout
        if self.variant_ids and not campaign.ab_decided:
            waiting = participants.filtered(lambda p: not p.variant_id)
            if waiting:
                waiting.write({"state": "waiting"})
                participants -= waiting
        blocked = self._fx_without_consent(participants)
        if blocked:
            Log._fx_record(
                blocked, self, "blocked", self.env._("no consent for this channel")
            )
            blocked._fx_exit("unsubscribed", now)
        participants -= blocked
        if not self.is_transactional:
            deferred = self._fx_in_quiet_hours(participants, now)
            participants -= deferred
            capped = self._fx_over_cap(participants, now)
            if capped:
                Log._fx_record(
                    capped, self, "capped", self.env._("frequency cap reached")
                )
                capped._fx_exit("capped", now)
            participants -= capped
        if not participants:
            return
        self._fx_ensure_content()
        for variant, group in participants.grouped("variant_id").items():
            mailing = (
                variant.mailing_id
                if variant and variant.step_id == self
                else self.mailing_id
            )
            mailing = self._fx_event_mailing(mailing)  # market events: its copy
            # already sent by a run that died before its bookkeeping: never twice
            already = self._fx_traced(mailing, group)
            partner_ids = [pid for pid in group.partner_id.ids if pid not in already]
            # No savepoint here: outside tests, Odoo's mass mailing commits its
            # queue in batches. Per-recipient problems become failed traces; an
            # error for the whole mailing (e.g. a template that does not render)
            # stops this step (see _fx_send_failed) and the run goes on.
            error = self._fx_send_mailing(mailing, partner_ids) if partner_ids else None
            if error:
                group = self._fx_send_failed(mailing, group, error, now)
            Log._fx_record(
                group,
                self,
                "sent",
                variant=variant if variant.step_id == self else None,
                mailing=mailing,
            )
            group._fx_advance(self, now)

    def _fx_traced(self, mailing, participants):
        """Partner ids of ``participants`` with a trace of ``mailing``."""
        return {
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT res_id FROM mailing_trace WHERE mass_mailing_id = %s "
                    "AND model = 'res.partner' AND res_id = ANY(%s)",
                    mailing.id,
                    participants.partner_id.ids,
                )
            )
        }

    def _fx_send_mailing(self, mailing, partner_ids):
        """Send ``mailing`` to ``partner_ids``; return the error text when the
        mailing as a whole fails (a template that does not render, a mail
        server refusing the batch...), None when it went out."""
        try:
            if self.action_type == "sms":
                mailing.action_send_sms(partner_ids)
            else:
                mailing.action_send_mail(partner_ids)
        except (psycopg2.Error, AccessError):
            # the transaction is lost, or this user may not render it (the
            # cron may): nothing to record on the step
            raise
        except Exception as exc:  # recorded on the step
            _logger.warning(
                "Campaign step %s: mailing %s failed: %s", self.id, mailing.id, exc
            )
            self.env.invalidate_all()
            return _error_text(exc)
        return None

    def _fx_send_failed(self, mailing, group, error, now):
        """The mailing failed for ``group``: those it reached before failing
        (batches Odoo committed) count as sent and are returned; the others are
        recorded as failed with the reason and wait at the step, which stops
        until its content is fixed."""
        reached = self._fx_traced(mailing, group)
        waiting = group.filtered(lambda p: p.partner_id.id not in reached)
        self._fx_flag_broken(error, now)
        if waiting:
            detail = self.env._("mailing failed: %s", error)[:500]
            self.env["fx.campaign.log"]._fx_record(
                waiting, self, "failed", detail, mailing=mailing
            )
            waiting.write({"last_error": error})
        return group - waiting

    def _fx_without_consent(self, participants):
        if not participants:
            return participants
        if self.action_type == "sms":
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT cp.id FROM fx_campaign_participant cp
                      JOIN res_partner p ON p.id = cp.partner_id
                     WHERE cp.id = ANY(%s) AND (
                           coalesce(p.phone_sanitized, '') = ''
                        OR EXISTS (SELECT 1 FROM phone_blacklist b
                                    WHERE b.number = p.phone_sanitized AND b.active))
                    """,
                    participants.ids,
                )
            )
        else:
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT cp.id FROM fx_campaign_participant cp
                      JOIN res_partner p ON p.id = cp.partner_id
                     WHERE cp.id = ANY(%s) AND (
                           p.email_normalized IS NULL
                        OR EXISTS (SELECT 1 FROM mail_blacklist b
                                    WHERE b.email = p.email_normalized AND b.active)
                        OR coalesce(p.message_bounce, 0) >= %s)
                    """,
                    participants.ids,
                    self.env["fx.campaign.participant"]._fx_bounce_limit(),
                )
            )
        return participants.browse([row[0] for row in rows])

    def _fx_in_quiet_hours(self, participants, now):
        """Defer the participants for whom it is night: their next action moves to
        the end of the quiet hours in their time zone."""
        start, end = self.env["fx.campaign.participant"]._fx_quiet_hours()
        if start == end or not participants:
            return participants.browse()
        deferred = {}
        utc_now = pytz.utc.localize(now)
        by_tz = participants.grouped(lambda p: p.partner_id.tz or "UTC")
        for tz_name, group in by_tz.items():
            try:
                tz = pytz.timezone(tz_name)
            except pytz.UnknownTimeZoneError:
                tz = pytz.utc
            local = utc_now.astimezone(tz)
            hour = local.hour + local.minute / 60
            quiet = start <= hour < end if start < end else hour >= start or hour < end
            if not quiet:
                continue
            resume_day = local.date() if hour < end else local.date() + timedelta(1)
            minutes = round(end * 60)  # 8.5 is 08:30, not 08:00 (still quiet)
            resume = tz.localize(
                datetime.combine(resume_day, time(minutes // 60, minutes % 60))
            )
            deferred[resume.astimezone(pytz.utc).replace(tzinfo=None)] = group
        result = participants.browse()
        for resume, group in deferred.items():
            self.env["fx.campaign.log"]._fx_record(
                group,
                self,
                "deferred",
                self.env._("quiet hours: sent at %s UTC", resume),
            )
            group.write({"next_action_date": resume})
            result |= group
        return result

    def _fx_over_cap(self, participants, now):
        """Participants who already got the maximum of marketing messages in the
        rolling window, across all campaigns, mass mailings and channels."""
        limit, days = self.env["fx.campaign.participant"]._fx_cap()
        if not limit or not participants:
            return participants.browse()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT cp.id FROM fx_campaign_participant cp
                  JOIN (SELECT t.res_id, count(*) AS n FROM mailing_trace t
                          JOIN mailing_mailing m ON m.id = t.mass_mailing_id
                         WHERE t.model = 'res.partner' AND t.res_id = ANY(%(partners)s)
                           AND t.create_date >= %(since)s
                           AND t.trace_status != 'cancel'
                           AND NOT coalesce(m.fx_is_transactional, false)
                         GROUP BY t.res_id) sent ON sent.res_id = cp.partner_id
                 WHERE cp.id = ANY(%(ids)s) AND sent.n >= %(limit)s
                """,
                partners=participants.partner_id.ids,
                since=now - timedelta(days=days),
                ids=participants.ids,
                limit=limit,
            )
        )
        return participants.browse([row[0] for row in rows])

    def _fx_run_action(self, participants):
        """Run the step's (non-message) action for a whole batch at once, by its
        method ``_run_action_<type>`` (Odoo's dispatch of ir.actions.server): an
        addon adding an action type adds its method."""
        method = getattr(self, f"_run_action_{self.action_type}", None)
        if method is None:
            raise UserError(
                self.env._(
                    "Step %(step)s: the action %(action)s cannot run here.",
                    step=self.name,
                    action=self.action_type,
                )
            )
        return method(participants)

    def _run_action_activity(self, participants):
        """An activity for each trader, for their salesperson (or the owner)."""
        activity_type = self.activity_type_id or self.env.ref(
            "mail.mail_activity_data_todo"
        )
        deadline = fields.Date.context_today(self) + timedelta(days=self.activity_days)
        model_id = self.env["ir.model"]._get_id("res.partner")
        self.env["mail.activity"].create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": activity_type.id,
                    "summary": self.activity_summary or self.name,
                    "date_deadline": deadline,
                    "user_id": (partner.user_id or self.campaign_id.user_id).id,
                }
                for partner in participants.partner_id
            ]
        )

    def _run_action_assign(self, participants):
        values = {}
        if self.user_id:
            values["user_id"] = self.user_id.id
        if self.team_id:
            values["team_id"] = self.team_id.id
        participants.partner_id.write(values)

    def _run_action_tag_add(self, participants):
        participants.partner_id.write({"category_id": [Command.link(self.tag_id.id)]})

    def _run_action_tag_remove(self, participants):
        participants.partner_id.write({"category_id": [Command.unlink(self.tag_id.id)]})

    def _run_action_opportunity(self, participants):
        self.env["crm.lead"].create(
            [
                {
                    "name": f"{self.name} - {partner.name}",
                    "type": "opportunity",
                    "partner_id": partner.id,
                    "user_id": (partner.user_id or self.campaign_id.user_id).id,
                    "campaign_id": self.campaign_id.utm_campaign_id.id,
                }
                for partner in participants.partner_id
            ]
        )

    def _run_action_bonus(self, participants):
        self._fx_offer_bonus(participants)

    def _run_action_note(self, participants):
        body = self.note or self.name
        for partner in participants.partner_id:
            partner.message_post(
                body=body, message_type="comment", subtype_xmlid="mail.mt_note"
            )

    def _run_action_server_action(self, participants):
        partners = participants.partner_id
        self.server_action_id.with_context(
            active_model="res.partner",
            active_ids=partners.ids,
            active_id=partners[:1].id,
        ).run()

    def _fx_offer_bonus(self, participants):
        """One bonus offer per journey and step, set-based: ON CONFLICT DO
        NOTHING on (participant, step), so a re-run after a crash or a second
        runner never offers it twice."""
        count = len(participants)
        now = fields.Datetime.now()
        currency = self.currency_id or self.env.company.currency_id
        columns = [
            ("participant_id", participants.ids),
            ("partner_id", [p.partner_id.id for p in participants]),
            ("campaign_id", [self.campaign_id.id] * count),
            ("step_id", [self.id] * count),
            ("amount", [self.bonus_amount] * count),
            ("currency_id", [currency.id] * count),
            ("description", [self.bonus_description or self.name] * count),
            ("state", ["offered"] * count),
            ("is_test", [self.campaign_id.is_test] * count),
        ]
        names = SQL(", ").join(SQL.identifier(name) for name, _values in columns)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO fx_bonus_offer (%(names)s, create_uid, write_uid,
                                            create_date, write_date)
                SELECT %(names)s, %(uid)s, %(uid)s, %(now)s, %(now)s FROM %(rows)s
                ON CONFLICT (participant_id, step_id) DO NOTHING
                """,
                names=names,
                uid=self.env.uid,
                now=now,
                rows=model_recordset(self.env["fx.bonus.offer"], columns),
            )
        )
        self.env["fx.bonus.offer"].invalidate_model()


def _error_text(exc):
    """One readable line for an error: the message's first line and, when it
    wraps another error, the innermost one (e.g. the template's AttributeError)."""
    message = str(exc.args[0] if exc.args else exc).strip().splitlines()
    text = message[0] if message else type(exc).__name__
    inner = exc
    while True:
        cause = inner.__cause__ or (
            None if inner.__suppress_context__ else inner.__context__
        )
        if cause is None:
            break
        inner = cause
    if inner is not exc:
        detail = str(inner).strip().splitlines()
        text = f"{text} ({type(inner).__name__}: {detail[-1] if detail else ''})"
    return text[:2000]
