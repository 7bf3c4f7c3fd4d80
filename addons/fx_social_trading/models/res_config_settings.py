from odoo import fields, models
from odoo.exceptions import ValidationError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    fx_social_min_weeks = fields.Integer(
        string="Minimum Weeks of History",
        config_parameter="fx_social_trading.listing_min_weeks",
        default=4,
        help="A strategy is on the leaderboard only with this much history.",
    )
    fx_social_min_trades = fields.Integer(
        string="Minimum Closed Trades",
        config_parameter="fx_social_trading.listing_min_trades",
        default=10,
    )
    fx_social_performance_period = fields.Selection(
        [("monthly", "Monthly"), ("quarterly", "Quarterly"), ("yearly", "Yearly")],
        string="Performance Fee Period",
        config_parameter="fx_social_trading.performance_period",
        default="monthly",
    )

    def set_values(self):
        if self.fx_social_min_weeks < 0 or self.fx_social_min_trades < 0:
            raise ValidationError(
                self.env._("Listing thresholds (weeks, trades) cannot be negative.")
            )
        result = super().set_values()
        # listing follows the thresholds at once, for every strategy
        self.env["fx.strategy.provider"].sudo().search([])._fx_update_listing()
        return result
