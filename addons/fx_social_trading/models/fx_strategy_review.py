from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError


class FxStrategyReview(models.Model):
    _name = "fx.strategy.review"
    _description = "Strategy Review"
    _order = "write_date desc, id desc"

    strategy_id = fields.Many2one(
        "fx.strategy.provider", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Follower", required=True, index=True
    )
    company_id = fields.Many2one(related="strategy_id.company_id", store=True)
    rating = fields.Integer(required=True, help="1 (poor) to 5 (excellent).")
    comment = fields.Text()

    _sql_constraints = [
        (
            "one_per_follower",
            "UNIQUE(strategy_id, partner_id)",
            "A follower writes one review per strategy; edit it instead.",
        ),
        ("rating_range", "CHECK(rating BETWEEN 1 AND 5)", "A rating is from 1 to 5."),
    ]

    def write(self, vals):
        # a follower edits the rating and the comment of their review, never
        # whose review it is nor which strategy it is about
        if {"strategy_id", "partner_id"} & set(vals) and not (
            self.env.su
            or self.env.user.has_group("fx_social_trading.group_fx_social_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only the rating and the comment of a review can be changed."
                )
            )
        return super().write(vals)

    @api.constrains("strategy_id", "partner_id")
    def _check_follower(self):
        Sub = self.env["fx.copy.subscription"].sudo()
        for review in self:
            if not Sub.search_count(
                [
                    ("strategy_id", "=", review.strategy_id.id),
                    ("partner_id", "=", review.partner_id.id),
                    ("state", "!=", "draft"),
                ],
                limit=1,
            ):
                raise ValidationError(
                    self.env._(
                        "Only followers of %s can review it.", review.strategy_id.name
                    )
                )
