from odoo import fields, models


class FxBonusOffer(models.Model):
    _name = "fx.bonus.offer"
    _description = "Bonus Offer"
    _order = "id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Trader", required=True, index=True, ondelete="cascade"
    )
    campaign_id = fields.Many2one("fx.campaign", index=True, ondelete="set null")
    step_id = fields.Many2one("fx.campaign.step", ondelete="set null")
    participant_id = fields.Many2one(
        "fx.campaign.participant",
        string="Journey",
        ondelete="set null",
        readonly=True,
    )
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

    _sql_constraints = [
        (
            "participant_step_unique",
            "UNIQUE(participant_id, step_id)",
            "This journey already recorded a bonus offer at this step.",
        ),
    ]
