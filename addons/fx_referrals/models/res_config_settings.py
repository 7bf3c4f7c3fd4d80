from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    fx_referral_registration_url = fields.Char(
        string="Registration URL",
        config_parameter="fx_referrals.registration_url",
        help="Where referral links send visitors (the code is added as ?ref=).",
    )
    fx_referral_burst_threshold = fields.Integer(
        string="Registrations per IP / Device (24 h)",
        config_parameter="fx_referrals.burst_threshold",
        default=3,
        help="This many registrations from one IP address or device within 24 "
        "hours hold their referrals for review.",
    )
    fx_referral_max_leverage = fields.Integer(
        string="Responsible Leverage (1:N)",
        config_parameter="fx_referrals.max_leverage",
        default=100,
        help="Traders whose live accounts stay at or under this leverage for a "
        "month earn the low-leverage points.",
    )
    fx_referral_stop_loss_trades = fields.Integer(
        string="Stop-Loss Rule: Minimum Trades",
        config_parameter="fx_referrals.stop_loss_min_trades",
        default=5,
        help="Closed trades a month needs before the stop-loss points apply.",
    )
    fx_points_validity_months = fields.Integer(
        string="Points Expire After (months)",
        config_parameter="fx_referrals.points_validity_months",
        default=0,
        help="Spendable points not spent this many months after they became "
        "spendable expire (oldest spent first). 0: points never expire.",
    )

    @api.constrains("fx_points_validity_months")
    def _check_fx_points_validity(self):
        for settings in self:
            if not 0 <= settings.fx_points_validity_months <= 120:
                raise ValidationError(
                    self.env._(
                        "Points Expire After: a number of months from 0 (never) "
                        "to 120, not %s.",
                        settings.fx_points_validity_months,
                    )
                )
