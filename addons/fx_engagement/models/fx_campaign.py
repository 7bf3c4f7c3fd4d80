import logging
import random
from datetime import timedelta
from functools import partial

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..lib.stats import MIN_GROUP_AMOUNTS, DecisionStatus, Variant, decide_winner
from ..tools import model_recordset, parse_trader_filter
from .fx_trader_condition import ConditionArgs

_logger = logging.getLogger(__name__)

PROCESS_BATCH = 2000
# An enrolment reads the facts that arrived since the previous one's watermark
# less this overlap: a fact whose transaction began before the watermark and
# committed after it is still read (the dedupe on arrival makes the overlap
# harmless). It must outlast the longest push transaction (limit_time_real).
ARRIVAL_OVERLAP = timedelta(hours=1)

TRIGGERS = [
    ("once", "Once, at a date"),
    ("recurring", "Recurring"),
    ("segment_enter", "On entering the segment"),
    ("event", "On a trading event"),
]
EVENTS = [
    ("registration", "Registration"),
    ("kyc_approved", "KYC approved"),
    ("ftd", "First deposit"),
    ("deposit", "Any deposit"),
    ("withdrawal", "Withdrawal request"),
    ("no_trade", "No trade for N days"),
    ("churn_risk", "Churn risk crossing a threshold"),
    # raised once per crossing of the alert threshold (res_partner_kpi.py)
    ("churn_risk_crossed", "Churn alert (risk crossed the alert threshold)"),
]
# other addons add the events they raise with _fx_trigger_event (selection_add;
# e.g. fx_referrals: referral_converted)
AB_METRICS = [
    ("open", "Open rate"),
    ("click", "Click rate"),
    ("reply", "Reply rate"),
    ("deposit", "Deposit conversion"),
    ("first_trade", "First-trade conversion"),
    ("deposit_amount", "Attributed deposits"),
]


# ---------------------------------------------------------------- trigger queries
# Each returns the candidates of a trigger: ``id`` (trader) and ``arrival``
# (see FxCampaign._fx_candidates_sql); ``since`` starts the arrival window,
# ``start`` is the campaign's start (older facts never enrol).
CLIENT_EVENT_KINDS = {
    "registration": SQL("e.event_type = 'registration'"),
    "kyc_approved": SQL("e.event_type = 'kyc' AND e.kyc_status = 'approved'"),
}


def _state_candidates(condition):
    """Traders for whom ``condition`` (SQL on ``p``) holds now: no arrival."""
    return SQL(
        "SELECT p.id, NULL::timestamp AS arrival FROM res_partner p WHERE %s",
        condition,
    )


def _segment_entries(segment_id, since):
    return SQL(
        "SELECT m.partner_id AS id, max(m.date_entered) AS arrival "
        "FROM fx_segment_membership m "
        "WHERE m.segment_id = %s AND m.date_entered >= %s "
        "GROUP BY m.partner_id",
        segment_id,
        since,
    )


# fundings of live accounts only: a demo deposit is not money
LIVE_FUNDING = SQL(
    "JOIN fx_trading_account fa ON fa.id = f.account_id AND fa.account_type = 'live'"
)


def _client_event_arrivals(event, since, start):
    """Client events of the kind ``event`` (a KYC status changes on its row:
    its write date is its arrival)."""
    return SQL(
        "SELECT e.partner_id AS id, max(e.write_date) AS arrival "
        "FROM fx_client_event e "
        "WHERE %s AND e.write_date >= %s AND e.date >= %s "
        "GROUP BY e.partner_id",
        CLIENT_EVENT_KINDS[event],
        since,
        start,
    )


def _first_deposit_arrivals(since, start):
    """The trader's first deposit on a live account arrived in the window: none
    before it (demo deposits are not money: they never count)."""
    return SQL(
        """
        SELECT f.partner_id AS id, min(f.create_date) AS arrival
          FROM fx_funding f %(live)s
         WHERE f.kind = 'deposit' AND f.create_date >= %(since)s
           AND f.partner_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM fx_funding o
                             JOIN fx_trading_account oa ON oa.id = o.account_id
                            WHERE o.partner_id = f.partner_id
                              AND oa.account_type = 'live'
                              AND o.kind = 'deposit'
                              AND o.create_date < %(since)s)
         GROUP BY f.partner_id
        HAVING min(f.date) >= %(start)s
        """,
        live=LIVE_FUNDING,
        since=since,
        start=start,
    )


def _funding_arrivals(kind, since, start):
    """Fundings of ``kind`` (deposit, withdrawal) on live accounts that arrived
    in the window."""
    return SQL(
        "SELECT f.partner_id AS id, max(f.create_date) AS arrival "
        "FROM fx_funding f %s WHERE f.kind = %s AND f.create_date >= %s "
        "AND f.date >= %s AND f.partner_id IS NOT NULL "
        "GROUP BY f.partner_id",
        LIVE_FUNDING,
        kind,
        since,
        start,
    )


class FxCampaign(models.Model):
    _name = "fx.campaign"
    _description = "Trader Campaign"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, tracking=True)
    user_id = fields.Many2one(
        "res.users", string="Owner", default=lambda self: self.env.user, tracking=True
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("running", "Running"),
            ("paused", "Paused"),
            ("done", "Done"),
        ],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    color = fields.Integer()
    utm_campaign_id = fields.Many2one(
        "utm.campaign",
        string="UTM Campaign",
        copy=False,
        help="Attributes the clicks, leads and mailings of this campaign in Odoo's "
        "UTM reports.",
    )
    # audience
    segment_id = fields.Many2one(
        "fx.segment",
        help="Who may enter. Without a segment, the filter below (or every trader).",
    )
    domain = fields.Char(string="Trader Filter", default="[]")
    # trigger
    trigger_type = fields.Selection(TRIGGERS, required=True, default="event")
    start_date = fields.Datetime(
        default=fields.Datetime.now,
        help="No one enters before this date; 'Once' campaigns enrol the audience "
        "at this date.",
    )
    recurrence = fields.Selection(
        [("daily", "Daily"), ("weekly", "Weekly")], default="weekly"
    )
    event_type = fields.Selection(EVENTS, default="registration")
    event_days = fields.Integer(
        default=14, help="For 'No trade for N days': the number of days."
    )
    event_threshold = fields.Integer(
        default=60, help="For 'Churn risk crossing a threshold': the threshold."
    )
    last_enrol_date = fields.Datetime(readonly=True, copy=False)
    reentry_policy = fields.Selection(
        [
            ("never", "Never"),
            ("after_exit", "After leaving the journey"),
            ("any_time", "Any time"),
        ],
        default="never",
        required=True,
        help="Whether a trader may enter this campaign again.",
    )
    exit_on_segment_leave = fields.Boolean(
        string="Exit When Leaving the Segment", default=True
    )
    # goal
    goal_type = fields.Selection(
        [
            ("none", "None"),
            ("deposit", "Deposit"),
            ("first_trade", "First trade"),
            ("redeposit", "Redeposit"),
        ],
        default="deposit",
        required=True,
        help="Reaching the goal exits the trader and counts a conversion.",
    )
    goal_days = fields.Integer(
        default=7, help="Days after entering within which the goal counts."
    )
    # A/B
    ab_metric = fields.Selection(AB_METRICS, string="Winner Metric", default="deposit")
    ab_confidence = fields.Float(string="Confidence (%)", default=95.0)
    ab_min_sample = fields.Integer(string="Minimum Sample per Variant", default=100)
    ab_test_pct = fields.Integer(
        string="Test Share (%)",
        default=100,
        help="Share of entrants who get a variant at random; the others wait and "
        "get the winner once the test is decided.",
    )
    holdout_pct = fields.Integer(
        string="Holdout (%)",
        default=0,
        help="Share of entrants who get no message at all, to measure the uplift.",
    )
    ab_decision_hours = fields.Integer(
        string="Decide After (hours)",
        default=72,
        help="Hours after the first variant message before the test is judged.",
    )
    ab_winner_id = fields.Many2one(
        "fx.campaign.variant", string="A/B Winner", readonly=True, copy=False
    )
    ab_result = fields.Char(string="A/B Result", readonly=True, copy=False)
    ab_decided = fields.Boolean(string="A/B Decided", readonly=True, copy=False)
    # test mode
    is_test = fields.Boolean(
        string="Test Mode",
        help="Only the test contacts below enter; real traders are not touched.",
    )
    test_partner_ids = fields.Many2many("res.partner", string="Test Contacts")
    step_ids = fields.One2many("fx.campaign.step", "campaign_id", copy=True)
    variant_ids = fields.One2many("fx.campaign.variant", "campaign_id")
    participant_ids = fields.One2many("fx.campaign.participant", "campaign_id")
    # funnel
    participant_count = fields.Integer(string="Entered", compute="_compute_funnel")
    sent_count = fields.Integer(string="Sent", compute="_compute_funnel")
    opened_count = fields.Integer(string="Opened", compute="_compute_funnel")
    clicked_count = fields.Integer(string="Clicked", compute="_compute_funnel")
    converted_count = fields.Integer(string="Converted", compute="_compute_funnel")
    revenue = fields.Monetary(compute="_compute_funnel", currency_field="currency_id")
    bonus_cost = fields.Monetary(
        compute="_compute_funnel", currency_field="currency_id"
    )
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id
    )

    def init(self):
        # enrolment by arrival reads the facts that arrived since the last run
        # (see _fx_candidates_sql)
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS fx_funding_arrival_idx "
            "ON fx_funding (create_date)"
        )
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS fx_client_event_arrival_idx "
            "ON fx_client_event (write_date)"
        )
        return super().init()

    def _compute_funnel(self):
        report = self.env["fx.campaign.report"]
        data = {
            campaign: values
            for campaign, *values in report._read_group(
                [("campaign_id", "in", self.ids), ("is_test", "=", False)],
                ["campaign_id"],
                [
                    "participants:sum",
                    "sent:sum",
                    "opened:sum",
                    "clicked:sum",
                    "converted:sum",
                    "revenue:sum",
                    "bonus_cost:sum",
                ],
            )
        }
        for campaign in self:
            values = data.get(campaign, [0] * 7)
            (
                campaign.participant_count,
                campaign.sent_count,
                campaign.opened_count,
                campaign.clicked_count,
                campaign.converted_count,
                campaign.revenue,
                campaign.bonus_cost,
            ) = values

    @api.constrains(
        "holdout_pct", "ab_test_pct", "ab_confidence", "ab_min_sample", "goal_days"
    )
    def _check_settings(self):
        for campaign in self:
            if not 0 <= campaign.holdout_pct < 100:
                raise ValidationError(
                    self.env._("The holdout must be between 0% and 99%.")
                )
            if not 1 <= campaign.ab_test_pct <= 100:
                raise ValidationError(
                    self.env._("The test share must be between 1% and 100%.")
                )
            if not 50 <= campaign.ab_confidence < 100:
                raise ValidationError(
                    self.env._("The confidence must be between 50% and 99.9%.")
                )
            if campaign.ab_min_sample < MIN_GROUP_AMOUNTS:
                raise ValidationError(
                    self.env._(
                        "The minimum sample per variant must be at least %s: the "
                        "test on attributed deposits compares variances, which "
                        "need two participants per variant.",
                        MIN_GROUP_AMOUNTS,
                    )
                )
            if campaign.goal_days < 1:
                raise ValidationError(self.env._("The goal window must be positive."))

    @api.constrains("domain")
    def _check_domain(self):
        for campaign in self:
            campaign._fx_domain()

    # ------------------------------------------------------------------ actions
    def action_start(self):
        for campaign in self:
            if not campaign.step_ids:
                raise UserError(
                    self.env._("Campaign %s has no step to run.", campaign.name)
                )
            if campaign.is_test and not campaign.test_partner_ids:
                raise UserError(
                    self.env._(
                        "Campaign %s is in test mode: choose test contacts first.",
                        campaign.name,
                    )
                )
            if not campaign.utm_campaign_id:
                campaign.utm_campaign_id = self.env["utm.campaign"].create(
                    {"title": campaign.name}
                )
            campaign.step_ids._fx_ensure_content()
        self.write({"state": "running"})
        self.env.ref("fx_engagement.ir_cron_fx_campaign_process")._trigger()
        return True

    def action_pause(self):
        self.write({"state": "paused"})
        return True

    def action_done(self):
        self.write({"state": "done"})
        self.participant_ids.filtered(
            lambda p: p.state in ("running", "waiting")
        ).write(
            {
                "state": "exited",
                "exit_reason": "stopped",
                "exit_date": fields.Datetime.now(),
            }
        )
        return True

    def action_reset_to_draft(self):
        self.write({"state": "draft"})
        return True

    def action_run_now(self):
        """Enrol and process due steps right away (what the cron does); for
        those who may edit the campaign (FX managers), not its readers."""
        self.check_access("write")
        return self._fx_run_now()  # fx_campaign_journey.py: says what it did

    def action_view_participants(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fx_engagement.fx_campaign_participant_action"
        )
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"search_default_group_state": 1}
        return action

    def action_view_report(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fx_engagement.fx_campaign_report_action"
        )
        action["domain"] = [("campaign_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------ enrolment
    def _fx_domain(self, check_user=None):
        """The trader filter as literal conditions (one evaluator for every
        stored filter: :func:`~odoo.addons.fx_engagement.tools.parse_trader_filter`)."""
        self.ensure_one()
        env = self.with_user(check_user).env if check_user else self.env
        label = self.env._("Campaign %s", self.name)
        return parse_trader_filter(env, self.domain, label)

    def _fx_audience_sql(self):
        """SQL condition on ``p`` restricting to the campaign's audience."""
        self.ensure_one()
        if self.is_test:
            return SQL("p.id = ANY(%s)", self.test_partner_ids.ids)
        conditions = [SQL("p.fx_is_trader"), SQL("p.active")]
        if self.segment_id:
            conditions.append(
                self.env["fx.trader.condition"]._fx_sql(
                    "segment",
                    ConditionArgs(
                        now=fields.Datetime.now(), segment_id=self.segment_id.id
                    ),
                )
            )
        domain = self._fx_domain()
        if domain:
            query = self.env["res.partner"].sudo()._search(domain)
            conditions.append(SQL("p.id IN (%s)", query.subselect()))
        return SQL(" AND ").join(conditions)

    def _fx_arrival_since(self, now):
        """Start of the arrival window of this enrolment: the previous one's
        watermark less ARRIVAL_OVERLAP (facts whose transaction began before it
        but committed after it), or the campaign's start for the first one."""
        self.ensure_one()
        if self.last_enrol_date:
            return self.last_enrol_date - ARRIVAL_OVERLAP
        return self.start_date or now

    def _fx_candidates_sql(self, now):
        """SQL selecting ``id`` (trader) and ``arrival`` for the traders the
        trigger brings in now (docs/METRICS.md#campaign-triggers), or None for
        events other modules raise (see :meth:`_fx_trigger_event`).

        Event and segment triggers select by *arrival* (when the fact reached
        Odoo: its create date, or write date for a KYC status that changes on
        the same row; the segment entry date), not by the fact's business date:
        a deposit dated three days ago and pushed now enrols now. ``arrival`` is
        the latest arrival of the trader's facts in the window; the enrolment
        skips traders who entered at or after it (the overlap of two windows
        never enrols twice). Facts dated before the campaign's start never
        enrol (a history backfill does not flood a running campaign). State
        triggers (once, recurring, and the trader conditions: no trade, churn
        risk) have no arrival.
        """
        self.ensure_one()
        if self.is_test or self.trigger_type in ("once", "recurring"):
            return _state_candidates(SQL("TRUE"))
        since = self._fx_arrival_since(now)
        if self.trigger_type == "segment_enter":
            return _segment_entries(self.segment_id.id, since)
        condition = self._fx_condition_triggers().get(self.event_type)
        if condition:
            code, args = condition(self, now)
            return _state_candidates(
                self.env["fx.trader.condition"]._fx_sql(code, args)
            )
        arrivals = self._fx_arrival_triggers().get(self.event_type)
        if arrivals:
            return arrivals(since, self.start_date or since)
        return None

    @api.model
    def _fx_condition_triggers(self):
        """The event triggers that are trader conditions (fx.trader.condition):
        {event: f(campaign, now) -> (condition kind, ConditionArgs)}; whoever
        holds at a run may enter. An addon adds its own by extending this."""
        return {
            "no_trade": lambda campaign, now: (
                "funded_no_trade",
                ConditionArgs(now=now, days=campaign.event_days),
            ),
            "churn_risk": lambda campaign, now: (
                "churn_risk",
                ConditionArgs(now=now, risk=campaign.event_threshold),
            ),
        }

    @api.model
    def _fx_arrival_triggers(self):
        """The event triggers that enrol by arrival: {event: f(since, start) ->
        candidates SQL}. An addon adds its own by extending this."""
        return {
            "registration": partial(_client_event_arrivals, "registration"),
            "kyc_approved": partial(_client_event_arrivals, "kyc_approved"),
            "ftd": _first_deposit_arrivals,
            "deposit": partial(_funding_arrivals, "deposit"),
            "withdrawal": partial(_funding_arrivals, "withdrawal"),
        }

    def _fx_due_for_enrolment(self, now):
        self.ensure_one()
        if self.start_date and self.start_date > now:
            return False
        if self.trigger_type == "once":
            return not self.last_enrol_date
        if self.trigger_type == "recurring":
            period = timedelta(days=1 if self.recurrence == "daily" else 7)
            return not self.last_enrol_date or self.last_enrol_date + period <= now
        return True

    def _fx_enrol(self, now):
        """Bring the traders the trigger selects into the journey (set-based).

        ``now`` is the new watermark: taken before the candidates are read, so
        a fact committed while this runs is read by the next enrolment (whose
        window starts ARRIVAL_OVERLAP before ``now``)."""
        self.ensure_one()
        if not self._fx_due_for_enrolment(now) or not self._fx_lock_enrolment():
            return 0
        candidates = self._fx_candidates_sql(now)
        if candidates is None:
            return 0
        rows = self.env.execute_query(
            SQL(
                """
                SELECT c.id FROM (%(candidates)s) c
                  JOIN res_partner p ON p.id = c.id
                 WHERE %(audience)s %(reentry)s
                   AND (c.arrival IS NULL OR NOT EXISTS (
                        SELECT 1 FROM fx_campaign_participant cp
                         WHERE cp.campaign_id = %(campaign)s
                           AND cp.partner_id = p.id
                           AND cp.enrolled_date >= c.arrival))
                """,
                candidates=candidates,
                audience=self._fx_audience_sql(),
                reentry=self._fx_reentry_sql(),
                campaign=self.id,
            )
        )
        self.last_enrol_date = now
        return self._fx_insert_participants([row[0] for row in rows], now)

    def _fx_lock_enrolment(self):
        """Lock the campaign row until this transaction ends; False when another
        runner is enrolling for it (it is locked) or has just done so (it
        changed since this transaction's snapshot): that runner's watermark
        covers this run's window, and the next run reads past it."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                rows = self.env.execute_query(
                    SQL(
                        "SELECT id FROM fx_campaign WHERE id = %s "
                        "FOR NO KEY UPDATE SKIP LOCKED",
                        self.id,
                    )
                )
        except psycopg2.errors.SerializationFailure:
            return False
        return bool(rows)

    def _fx_reentry_sql(self):
        if self.reentry_policy == "any_time":
            return SQL("")
        states = (
            ("running", "waiting")
            if self.reentry_policy == "after_exit"
            else ("running", "waiting", "done", "exited")
        )
        return SQL(
            "AND NOT EXISTS (SELECT 1 FROM fx_campaign_participant cp "
            "WHERE cp.campaign_id = %s AND cp.partner_id = p.id AND cp.state IN %s)",
            self.id,
            states,
        )

    def enrol_partners(self, partner_ids):
        """Public: enrol these traders now, for triggers other modules raise
        (e.g. referral converted). Audience and re-entry rules apply."""
        self.check_access("write")
        self.env.flush_all()  # the checks below read the database directly
        now = fields.Datetime.now()
        total = 0
        for campaign in self.filtered(lambda c: c.state == "running"):
            rows = campaign.env.execute_query(
                SQL(
                    "SELECT p.id FROM res_partner p WHERE p.id = ANY(%s) AND %s %s",
                    list(partner_ids),
                    campaign._fx_audience_sql(),
                    campaign._fx_reentry_sql(),
                )
            )
            total += campaign._fx_insert_participants([r[0] for r in rows], now)
        return total

    @api.model
    def _fx_trigger_event(self, event_type, partner_ids):
        """For other modules: run the campaigns triggered by ``event_type``."""
        campaigns = self.sudo().search(
            [
                ("state", "=", "running"),
                ("trigger_type", "=", "event"),
                ("event_type", "=", event_type),
            ]
        )
        return campaigns.enrol_partners(partner_ids) if campaigns else 0

    def _fx_insert_participants(self, partner_ids, now, extra=()):
        """Insert the journeys of ``partner_ids``; ``extra``: more columns,
        (name, values) pairs (e.g. the market event of each journey)."""
        self.ensure_one()
        if not partner_ids:
            return 0
        first = self.step_ids.sorted("sequence")[:1]
        variants = self.variant_ids
        groups = self._fx_assign_groups(partner_ids, variants)
        due = now + first._fx_wait() if first else now
        columns = [
            ("campaign_id", [self.id] * len(partner_ids)),
            ("partner_id", partner_ids),
            ("state", ["running"] * len(partner_ids)),
            ("step_id", [first.id or None] * len(partner_ids)),
            ("next_action_date", [due] * len(partner_ids)),
            ("enrolled_date", [now] * len(partner_ids)),
            ("variant_id", [g[0] for g in groups]),
            ("is_holdout", [g[1] for g in groups]),
            ("in_ab_test", [g[2] for g in groups]),
            ("is_test", [self.is_test] * len(partner_ids)),
            *extra,
        ]
        names = SQL(", ").join(SQL.identifier(name) for name, _values in columns)
        uid = self.env.uid
        # ON CONFLICT DO NOTHING: a trader another runner enrolled meanwhile is
        # skipped, not duplicated (unique index on active journeys, see
        # fx.campaign.participant.init); under REPEATABLE READ a conflict with a
        # row committed after this transaction began is a serialization failure
        # instead, which Odoo retries (requests) or the next cron run redoes.
        rows = self.env.execute_query(
            SQL(
                """
                INSERT INTO fx_campaign_participant
                       (%s, allow_parallel, create_uid, write_uid, create_date,
                        write_date)
                SELECT %s, %s, %s, %s, %s, %s
                  FROM %s
                ON CONFLICT DO NOTHING
                RETURNING id
                """,
                names,
                names,
                self.reentry_policy == "any_time",
                uid,
                uid,
                now,
                now,
                model_recordset(self.env["fx.campaign.participant"], columns),
            )
        )
        self.env["fx.campaign.participant"].invalidate_model()
        return len(rows)

    def _fx_assign_groups(self, partner_ids, variants):
        """(variant id, holdout, in test) for each entrant, at random but
        reproducibly (seeded by campaign and trader)."""
        groups = []
        splits = [(v.id, v.split_pct) for v in variants]
        total_split = sum(s for _v, s in splits) or 1
        if not self.holdout_pct and not splits:
            # nothing to draw (e.g. a notice to 50,000 traders an event concerns)
            return [(None, False, False)] * len(partner_ids)
        for partner_id in partner_ids:
            rng = random.Random(f"{self.id}-{partner_id}")
            if self.holdout_pct and rng.random() * 100 < self.holdout_pct:
                groups.append((None, True, False))
                continue
            if not splits:
                groups.append((None, False, False))
                continue
            if self.ab_decided:
                groups.append((self.ab_winner_id.id or splits[0][0], False, False))
                continue
            if rng.random() * 100 >= self.ab_test_pct:
                groups.append((None, False, False))  # waits for the winner
                continue
            pick = rng.random() * total_split
            chosen = splits[-1][0]
            for variant_id, split in splits:
                if pick < split:
                    chosen = variant_id
                    break
                pick -= split
            groups.append((chosen, False, True))
        return groups

    # ------------------------------------------------------------------ processing
    def _fx_process(self, limit=PROCESS_BATCH):
        """Enrol, judge A/B tests, check goals and run the due steps of ``self``
        (running campaigns); returns the number of participants processed.

        Outside tests the run commits as it goes (Odoo's mass mailing commits
        while it sends anyway): before and after claiming the due participants
        (see fx.campaign.participant._fx_claim_due) and, by the mass mailing,
        while sending."""
        Participant = self.env["fx.campaign.participant"]
        now = fields.Datetime.now()
        self.env.flush_all()  # the checks below read the database directly
        campaigns = self.filtered(lambda c: c.state == "running")
        for campaign in campaigns:
            campaign._fx_enrol(now)
        campaigns._fx_update_conversions(now)
        campaigns._fx_decide_ab(now)
        self.env.flush_all()
        participants, token = Participant._fx_claim_due(campaigns, now, limit)
        return self._fx_run_claimed(participants, token, now)

    @api.model
    def _fx_run_claimed(self, participants, token, now):
        """Run the due step of the participants this runner claimed, then
        release them; return how many."""
        if not participants:
            return 0
        try:
            for step, batch in participants.grouped("step_id").items():
                step._fx_execute(batch, now)
                self.env.flush_all()
        except Exception:
            participants._fx_release_after_failure(token)
            raise
        participants._fx_release(token)
        return len(participants)

    @api.model
    def _cron_process(self):
        campaigns = self.search([("state", "=", "running")])
        done = campaigns._fx_process()
        remaining = self.env["fx.campaign.participant"]._fx_due_count(
            campaigns, fields.Datetime.now()
        )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    def _fx_update_conversions(self, now):
        """Participants whose goal happened within the window: converted, with the
        deposits of the window attributed; those still in the journey exit."""
        for campaign in self.filtered(lambda c: c.goal_type != "none"):
            goal = campaign.goal_type
            if goal == "first_trade":
                hit = SQL(
                    "SELECT t.partner_id, min(t.open_time) AS at, 0::numeric AS amount "
                    "FROM fx_trade t WHERE t.partner_id = me.partner_id "
                    "AND t.open_time >= me.enrolled_date AND t.open_time <= %s "
                    "AND t.open_time <= me.enrolled_date + make_interval(days => %s) "
                    "AND NOT EXISTS (SELECT 1 FROM fx_trade o WHERE "
                    "o.partner_id = t.partner_id AND o.open_time < me.enrolled_date) "
                    "GROUP BY t.partner_id",
                    now,
                    campaign.goal_days,
                )
            else:
                extra = SQL("")
                if goal == "redeposit":
                    extra = SQL(
                        "AND EXISTS (SELECT 1 FROM fx_funding o WHERE "
                        "o.partner_id = f.partner_id AND o.kind = 'deposit' "
                        "AND o.date < me.enrolled_date)"
                    )
                hit = SQL(
                    "SELECT f.partner_id, min(f.date) AS at, "
                    "sum(f.amount_company) AS amount FROM fx_funding f "
                    "WHERE f.partner_id = me.partner_id AND f.kind = 'deposit' "
                    "AND f.date >= me.enrolled_date "
                    "AND f.date <= me.enrolled_date + make_interval(days => %s) "
                    "AND f.date <= %s %s GROUP BY f.partner_id",
                    campaign.goal_days,
                    now,
                    extra,
                )
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE fx_campaign_participant cp
                       SET converted = true, conversion_date = h.at,
                           revenue = h.amount, write_date = %(now)s,
                           state = CASE WHEN cp.state IN ('running', 'waiting')
                                        THEN 'exited' ELSE cp.state END,
                           exit_reason = CASE WHEN cp.state IN ('running', 'waiting')
                                        THEN 'goal_reached' ELSE cp.exit_reason END,
                           exit_date = CASE WHEN cp.state IN ('running', 'waiting')
                                        THEN %(now)s ELSE cp.exit_date END
                      FROM fx_campaign_participant me
                      CROSS JOIN LATERAL (%(hit)s) h
                     WHERE me.id = cp.id AND cp.campaign_id = %(campaign)s
                       AND cp.enrolled_date >= %(since)s
                       AND (NOT cp.converted OR cp.revenue IS DISTINCT FROM h.amount)
                    """,
                    now=now,
                    hit=hit,
                    campaign=campaign.id,
                    since=now - timedelta(days=campaign.goal_days),
                )
            )
        self.env["fx.campaign.participant"].invalidate_model()

    def _fx_decide_ab(self, now):
        """Judge the A/B test once its window has passed; then the participants
        waiting for the result get the winner (or the first variant)."""
        for campaign in self.filtered(lambda c: c.variant_ids and not c.ab_decided):
            first_sent = self.env["fx.campaign.log"].search(
                [
                    ("campaign_id", "=", campaign.id),
                    ("variant_id", "!=", False),
                    ("result", "=", "sent"),
                ],
                order="date",
                limit=1,
            )
            if (
                not first_sent
                or first_sent.date + timedelta(hours=campaign.ab_decision_hours) > now
            ):
                continue
            decision = campaign._fx_ab_decision()
            if decision.status == DecisionStatus.NOT_ENOUGH_DATA:
                # judged again at the next run
                campaign.ab_result = self.env._(
                    "not enough participants yet (%(smallest)s < %(minimum)s)",
                    smallest=decision.smallest,
                    minimum=decision.minimum,
                )
                continue
            # decided: a winner, no significant difference or nothing to compare
            winner = self.env["fx.campaign.variant"]
            if decision.status == DecisionStatus.WINNER:
                winner = winner.browse(decision.winner)
                result = self.env._(
                    "%(variant)s wins (p = %(p).4f)",
                    variant=winner.name,
                    p=decision.p_value,
                )
            else:
                result = self.env._(
                    "No significant difference (p = %.4f): the others get the "
                    "first variant.",
                    decision.p_value,
                )
            campaign.write(
                {"ab_decided": True, "ab_winner_id": winner.id, "ab_result": result}
            )
            chosen = winner or campaign.variant_ids.sorted("sequence")[:1]
            waiting = campaign.participant_ids.filtered(
                lambda p: not p.variant_id and not p.is_holdout
            )
            waiting.write({"variant_id": chosen.id})
            waiting.filtered(lambda p: p.state == "waiting").write(
                {"state": "running", "next_action_date": now}
            )

    def _fx_ab_decision(self):
        self.ensure_one()
        stats = self.env["fx.campaign.report"]._fx_variant_stats(self)
        amounts = self.ab_metric == "deposit_amount"
        variants = [
            Variant(
                variant_id,
                values["n"],
                values["successes"],
                values.get("sum_squares", 0.0),
            )
            for variant_id, values in stats.items()
        ]
        return decide_winner(
            variants,
            confidence=self.ab_confidence / 100,
            min_sample=self.ab_min_sample,
            amounts=amounts,
        )
