import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import json_recordset

_logger = logging.getLogger(__name__)

DEFAULT_CAP = (3, 7)  # messages, days
DEFAULT_QUIET = (21.0, 8.0)  # from 21:00 to 08:00, trader's time zone
DEFAULT_BOUNCE_LIMIT = 3

EXIT_REASONS = [
    ("completed", "Completed"),
    ("left_segment", "Left the segment"),
    ("goal_reached", "Goal reached"),
    ("unsubscribed", "Unsubscribed / no consent"),
    ("capped", "Frequency cap"),
    ("failed", "Failed"),
    ("stopped", "Campaign stopped"),
]


class FxCampaignParticipant(models.Model):
    _name = "fx.campaign.participant"
    _description = "Campaign Participant"
    _order = "id desc"
    _rec_name = "partner_id"

    campaign_id = fields.Many2one(
        "fx.campaign", required=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        "res.partner", string="Trader", required=True, index=True, ondelete="cascade"
    )
    state = fields.Selection(
        [
            ("running", "In Journey"),
            ("waiting", "Waiting for A/B Result"),
            ("done", "Completed"),
            ("exited", "Exited"),
        ],
        default="running",
        required=True,
        index=True,
    )
    step_id = fields.Many2one(
        "fx.campaign.step", string="Next Step", ondelete="set null"
    )
    next_action_date = fields.Datetime(index=True)
    enrolled_date = fields.Datetime(string="Entered", required=True)
    exit_reason = fields.Selection(EXIT_REASONS)
    exit_date = fields.Datetime()
    variant_id = fields.Many2one("fx.campaign.variant", ondelete="set null")
    is_holdout = fields.Boolean(string="Holdout")
    in_ab_test = fields.Boolean(string="In A/B Test")
    is_test = fields.Boolean(string="Test")
    converted = fields.Boolean()
    conversion_date = fields.Datetime()
    revenue = fields.Float(string="Attributed Deposits")
    last_error = fields.Text()
    log_ids = fields.One2many("fx.campaign.log", "participant_id", string="History")

    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS fx_campaign_participant_due_idx "
            "ON fx_campaign_participant (next_action_date) WHERE state = 'running'"
        )
        # the frequency cap counts a trader's recent mass-mailing traces
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS mailing_trace_fx_partner_idx "
            "ON mailing_trace (res_id, create_date) WHERE model = 'res.partner'"
        )
        return super().init()

    # ------------------------------------------------------------------ settings
    @api.model
    def _fx_cap(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        return (
            int(get("fx_engagement.cap_messages") or DEFAULT_CAP[0]),
            int(get("fx_engagement.cap_days") or DEFAULT_CAP[1]),
        )

    @api.model
    def _fx_quiet_hours(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        return (
            float(get("fx_engagement.quiet_start") or DEFAULT_QUIET[0]),
            float(get("fx_engagement.quiet_end") or DEFAULT_QUIET[1]),
        )

    @api.model
    def _fx_bounce_limit(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        return int(get("mass_mailing.bounce_limit") or DEFAULT_BOUNCE_LIMIT)

    # ------------------------------------------------------------------ moves
    def _fx_advance(self, step, now):
        """Move to the step after ``step``, or complete the journey."""
        following = step.campaign_id.step_ids.filtered(
            lambda s: (s.sequence, s.id) > (step.sequence, step.id)
        ).sorted(lambda s: (s.sequence, s.id))[:1]
        if following:
            self.write(
                {
                    "step_id": following.id,
                    "next_action_date": now + following._fx_wait(),
                    "state": "running",
                }
            )
        else:
            self.write(
                {
                    "step_id": False,
                    "next_action_date": False,
                    "state": "done",
                    "exit_reason": "completed",
                    "exit_date": now,
                }
            )

    def _fx_exit(self, reason, now):
        self.write(
            {
                "state": "exited",
                "exit_reason": reason,
                "exit_date": now,
                "next_action_date": False,
            }
        )

    def _fx_exit_left_segment(self, now):
        """Exit those who left the campaign's segment; return the others."""
        if not self:
            return self
        campaign = self.campaign_id
        if (
            campaign.is_test
            or not campaign.segment_id
            or not campaign.exit_on_segment_leave
        ):
            return self
        rows = self.env.execute_query(
            SQL(
                "SELECT cp.id FROM fx_campaign_participant cp WHERE cp.id = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM fx_segment_res_partner_rel r "
                "WHERE r.partner_id = cp.partner_id AND r.segment_id = %s)",
                self.ids,
                campaign.segment_id.id,
            )
        )
        gone = self.browse([row[0] for row in rows])
        if gone:
            self.env["fx.campaign.log"]._fx_record(
                gone, gone[:1].step_id, "skipped", self.env._("left the segment")
            )
            gone._fx_exit("left_segment", now)
        return self - gone

    def _fx_run_one(self, step, now):
        """A step for one participant, isolated: a failure is recorded on the
        participant and does not stop the others."""
        self.ensure_one()
        Log = self.env["fx.campaign.log"]
        try:
            with self.env.cr.savepoint():
                step._fx_run_action(self)
        except Exception as exc:
            _logger.info("Campaign step %s failed for %s: %s", step.id, self.id, exc)
            self.env.invalidate_all()
            Log._fx_record(self, step, "failed", str(exc))
            self.write({"last_error": str(exc)})
            self._fx_exit("failed", now)
            return
        Log._fx_record(self, step, "done")
        self._fx_advance(step, now)


class FxCampaignLog(models.Model):
    _name = "fx.campaign.log"
    _description = "Campaign Step History"
    _order = "date desc, id desc"
    _log_access = False

    participant_id = fields.Many2one(
        "fx.campaign.participant", required=True, index=True, ondelete="cascade"
    )
    campaign_id = fields.Many2one("fx.campaign", index=True, ondelete="cascade")
    step_id = fields.Many2one("fx.campaign.step", ondelete="set null")
    variant_id = fields.Many2one("fx.campaign.variant", ondelete="set null")
    partner_id = fields.Many2one("res.partner", string="Trader", index=True)
    mailing_id = fields.Many2one("mailing.mailing", ondelete="set null")
    date = fields.Datetime(required=True)
    result = fields.Selection(
        [
            ("sent", "Sent"),
            ("done", "Done"),
            ("skipped", "Skipped"),
            ("deferred", "Deferred (quiet hours)"),
            ("capped", "Capped"),
            ("blocked", "Blocked (consent)"),
            ("failed", "Failed"),
        ],
        required=True,
    )
    detail = fields.Char()
    is_test = fields.Boolean()

    @api.model
    def _fx_record(
        self, participants, step, result, detail=None, variant=None, mailing=None
    ):
        """One history line per participant, written set-based (a campaign step
        may run for tens of thousands of traders at once)."""
        if not participants:
            return
        count = len(participants)
        rows = self.env.execute_query(
            SQL(
                "SELECT id, campaign_id, partner_id, is_test "
                "FROM fx_campaign_participant WHERE id = ANY(%s)",
                participants.ids,
            )
        )
        columns = [
            ("participant_id", "int4", [r[0] for r in rows]),
            ("campaign_id", "int4", [r[1] for r in rows]),
            ("partner_id", "int4", [r[2] for r in rows]),
            ("is_test", "bool", [r[3] for r in rows]),
            ("step_id", "int4", [step.id or None] * count),
            ("variant_id", "int4", [variant.id if variant else None] * count),
            ("mailing_id", "int4", [mailing.id if mailing else None] * count),
            ("date", "timestamp", [fields.Datetime.now()] * count),
            ("result", "varchar", [result] * count),
            ("detail", "varchar", [detail] * count),
        ]
        self.env.cr.execute(
            SQL(
                "INSERT INTO fx_campaign_log (%s) SELECT %s FROM %s",
                SQL(", ").join(SQL.identifier(c[0]) for c in columns),
                SQL(", ").join(SQL.identifier(c[0]) for c in columns),
                json_recordset(columns),
            )
        )
        self.invalidate_model()
        participants.invalidate_recordset(["log_ids"])


class FxBonusOffer(models.Model):
    _name = "fx.bonus.offer"
    _description = "Bonus Offer"
    _order = "id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Trader", required=True, index=True, ondelete="cascade"
    )
    campaign_id = fields.Many2one("fx.campaign", index=True, ondelete="set null")
    step_id = fields.Many2one("fx.campaign.step", ondelete="set null")
    amount = fields.Monetary(currency_field="currency_id")
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id
    )
    description = fields.Char()
    state = fields.Selection(
        [("offered", "Offered"), ("claimed", "Claimed"), ("expired", "Expired")],
        default="offered",
        required=True,
    )
    is_test = fields.Boolean()
