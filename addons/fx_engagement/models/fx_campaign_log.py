from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import model_recordset


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
            ("blocked", "Blocked (consent or compliance)"),
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
            ("participant_id", [r[0] for r in rows]),
            ("campaign_id", [r[1] for r in rows]),
            ("partner_id", [r[2] for r in rows]),
            ("is_test", [r[3] for r in rows]),
            ("step_id", [step.id or None] * count),
            ("variant_id", [variant.id if variant else None] * count),
            ("mailing_id", [mailing.id if mailing else None] * count),
            ("date", [fields.Datetime.now()] * count),
            ("result", [result] * count),
            ("detail", [detail] * count),
        ]
        self.env.cr.execute(
            SQL(
                "INSERT INTO fx_campaign_log (%s) SELECT %s FROM %s",
                SQL(", ").join(SQL.identifier(name) for name, _values in columns),
                SQL(", ").join(SQL.identifier(name) for name, _values in columns),
                model_recordset(self, columns),
            )
        )
        self.invalidate_model()
        participants.invalidate_recordset(["log_ids"])
