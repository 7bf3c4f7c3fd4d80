from odoo import api, fields, models

# what earns points (docs/REFERRALS.md#point-rules); other addons add codes
# with selection_add and call fx.points.entry._fx_award_event
EVENT_CODES = [
    ("referral_registered", "Referral registered"),
    ("referral_kyc_approved", "Referral KYC approved"),
    ("referral_funded", "Referral funded"),
    ("referral_first_trade", "Referral first trade"),
    ("referral_qualified", "Referral qualified"),
    ("kyc_completed", "KYC completed"),
    ("survey_completed", "Education course completed"),
    ("stop_loss_month", "Stop-loss on most trades of a month"),
    ("low_leverage_month", "Leverage kept low for a month"),
    ("strategy_followed", "Strategy followed"),
]
# the stage of a referral that earns its referrer the points of each code
STAGE_EVENTS = {
    "registered": "referral_registered",
    "kyc_approved": "referral_kyc_approved",
    "funded": "referral_funded",
    "first_trade": "referral_first_trade",
    "qualified": "referral_qualified",
}


class FxPointsRule(models.Model):
    _name = "fx.points.rule"
    _description = "Point Rule"
    _order = "programme_id, sequence, id"

    programme_id = fields.Many2one(
        "fx.referral.programme", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="programme_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    event_code = fields.Selection(EVENT_CODES, string="Event", required=True)
    points = fields.Integer(required=True)
    name = fields.Char(
        string="How to Earn",
        required=True,
        translate=True,
        help="Shown to traders on the portal, e.g. 'Complete your KYC'.",
    )

    _sql_constraints = [
        ("points_positive", "CHECK(points > 0)", "A point rule awards points (> 0)."),
        (
            "event_unique",
            "UNIQUE(programme_id, event_code)",
            "A programme has one rule per event.",
        ),
    ]

    @api.model
    def _fx_rules_for(self, event_code, day):
        """The active rules of ``event_code`` in the programmes running on ``day``."""
        rules = self.sudo().search([("event_code", "=", event_code)])
        return rules.filtered(lambda r: r.programme_id._fx_is_running(day))
