from odoo import api, fields, models
from odoo.exceptions import ValidationError

ASSET_CLASSES = [
    ("forex", "Forex"),
    ("metal", "Metals"),
    ("index", "Indices"),
    ("commodity", "Commodities"),
    ("crypto", "Crypto"),
    ("stock", "Stocks"),
    ("other", "Other"),
]


class FxIbRule(models.Model):
    """An IB commission rule (docs/REFERRALS.md#ib-commissions): per lot or a
    share of the broker's revenue, for an instrument group, per tier."""

    _name = "fx.ib.rule"
    _description = "IB Commission Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    asset_class = fields.Selection(
        ASSET_CLASSES,
        string="Instrument Group",
        help="The instruments of this asset class; empty: every instrument no "
        "other rule names.",
    )
    basis = fields.Selection(
        [("per_lot", "Per Lot"), ("revenue_share", "Revenue Share")],
        required=True,
        default="per_lot",
    )
    mode = fields.Selection(
        [("override", "Override"), ("split", "Split")],
        required=True,
        default="override",
        help="Override: each tier earns its own rate. Split: the tiers share the "
        "rule's pool, each its percentage of it (100% at most in all).",
    )
    pool_rate = fields.Float(
        digits=(16, 4),
        help="Split mode: the pool per lot (per lot) or in percent of the revenue.",
    )
    tier_ids = fields.One2many("fx.ib.rule.tier", "rule_id", string="Tiers")

    _sql_constraints = [
        ("pool_positive", "CHECK(coalesce(pool_rate, 0) >= 0)", "Negative pool."),
    ]

    @api.constrains("mode", "pool_rate", "tier_ids")
    def _check_split(self):
        for rule in self.filtered(lambda r: r.mode == "split"):
            if not rule.pool_rate:
                raise ValidationError(
                    self.env._("Split rule %s needs its pool.", rule.name)
                )
            if sum(rule.tier_ids.mapped("rate")) > 100:
                raise ValidationError(
                    self.env._(
                        "The tiers of split rule %s share more than 100%% of the "
                        "pool.",
                        rule.name,
                    )
                )

    @api.model
    def _fx_rule_by_class(self, company):
        """{asset class: rule id}: the first rule naming the class, else the
        first rule without a class."""
        rules = self.search([("company_id", "=", company.id)])
        default = rules.filtered(lambda r: not r.asset_class)[:1]
        result = {}
        for cls, _label in ASSET_CLASSES:
            rule = rules.filtered(lambda r, c=cls: r.asset_class == c)[:1] or default
            if rule:
                result[cls] = rule.id
        return result


class FxIbRuleTier(models.Model):
    _name = "fx.ib.rule.tier"
    _description = "IB Commission Tier"
    _order = "rule_id, tier"

    rule_id = fields.Many2one("fx.ib.rule", required=True, ondelete="cascade")
    tier = fields.Integer(
        required=True,
        default=1,
        help="1: the IB who referred the trader; 2: that IB's own IB; ...",
    )
    rate = fields.Float(
        digits=(16, 4),
        required=True,
        help="Override: per lot, or percent of the revenue. Split: percent of the "
        "pool.",
    )

    _sql_constraints = [
        ("tier_unique", "UNIQUE(rule_id, tier)", "One rate per tier."),
        ("tier_range", "CHECK(tier BETWEEN 1 AND 10)", "Tiers go from 1 to 10."),
        ("rate_positive", "CHECK(rate >= 0)", "A tier's rate cannot be negative."),
    ]

    @api.constrains("rate", "rule_id")
    def _check_rule_split(self):
        self.rule_id._check_split()
