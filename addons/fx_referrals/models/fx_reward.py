from odoo import fields, models


class FxReward(models.Model):
    _name = "fx.reward"
    _description = "Reward"
    _order = "sequence, points_cost, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    kind = fields.Selection(
        [
            ("bonus_credit", "Bonus Credit"),
            ("fee_rebate", "Fee Rebate"),
            ("analytics", "Analytics Access"),
        ],
        required=True,
        default="bonus_credit",
    )
    programme_id = fields.Many2one(
        "fx.referral.programme",
        required=True,
        ondelete="cascade",
        help="The programme whose points pay for it.",
    )
    company_id = fields.Many2one(related="programme_id.company_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    points_cost = fields.Integer(string="Points", required=True)
    amount = fields.Monetary(
        help="Credit or rebate the platform grants (company currency); analytics "
        "access: days of access.",
    )

    _sql_constraints = [
        ("cost_positive", "CHECK(points_cost > 0)", "A reward costs points (> 0)."),
        ("amount_positive", "CHECK(coalesce(amount, 0) >= 0)", "Negative amount."),
    ]
