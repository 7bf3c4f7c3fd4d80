from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class FxStrategyProvider(models.Model):
    _name = "fx.strategy.provider"
    _description = "Strategy Provider"
    _inherit = ["mail.thread"]
    _order = "state, name"
    _check_company_auto = True

    name = fields.Char(
        string="Strategy Name", required=True, tracking=True, translate=False
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Provider",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        help="The trader whose trades are copied.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users",
        string="Account Manager",
        default=lambda self: self.env.user,
        tracking=True,
    )
    description = fields.Html(
        help="What the strategy does, shown to followers on the portal."
    )
    strategy_ids = fields.Many2many("fx.strategy", string="Styles")
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("published", "Published"),
            ("suspended", "Suspended"),
        ],
        default="draft",
        required=True,
        tracking=True,
        help="Only published strategies can be followed.",
    )
    performance_fee_pct = fields.Float(
        string="Performance Fee (%)",
        tracking=True,
        help="Share of the follower's profit above their high-water mark.",
    )
    management_fee_pct = fields.Float(
        string="Management Fee (% / year)",
        tracking=True,
        help="Yearly fee on the allocated equity, accrued daily.",
    )
    min_investment = fields.Monetary(
        string="Minimum Investment", currency_field="currency_id"
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "performance_fee_range",
            "CHECK(performance_fee_pct >= 0 AND performance_fee_pct <= 50)",
            "The performance fee must be between 0% and 50%.",
        ),
        (
            "management_fee_range",
            "CHECK(management_fee_pct >= 0 AND management_fee_pct <= 10)",
            "The management fee must be between 0% and 10% a year.",
        ),
        (
            "min_investment_positive",
            "CHECK(min_investment >= 0)",
            "The minimum investment cannot be negative.",
        ),
    ]

    @api.constrains("partner_id")
    def _check_partner_id(self):
        for provider in self:
            if not provider.partner_id.fx_is_trader:
                raise ValidationError(
                    self.env._(
                        "%s is not a trader: only traders can provide a strategy.",
                        provider.partner_id.display_name,
                    )
                )

    def action_publish(self):
        for provider in self:
            if not provider.description:
                raise UserError(
                    self.env._(
                        "Describe strategy %s before publishing it: followers read "
                        "it before copying.",
                        provider.name,
                    )
                )
        self.state = "published"
        return True

    def action_suspend(self):
        self.state = "suspended"
        return True

    def action_reset_to_draft(self):
        self.state = "draft"
        return True
