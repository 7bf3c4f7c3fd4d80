from odoo import fields, models

from .fx_copy_subscription import STATES


class FxCopySubscriptionHistory(models.Model):
    _name = "fx.copy.subscription.history"
    _description = "Copy Subscription State History"
    _order = "id desc"

    subscription_id = fields.Many2one(
        "fx.copy.subscription", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(related="subscription_id.partner_id", store=True)
    company_id = fields.Many2one(related="subscription_id.company_id", store=True)
    state = fields.Selection(STATES, required=True)
    reason = fields.Char()
    create_date = fields.Datetime(string="Date")
