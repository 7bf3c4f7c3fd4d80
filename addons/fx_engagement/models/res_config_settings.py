from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    fx_dormant_days = fields.Integer(
        string="Dormant After (days)",
        config_parameter="fx_engagement.dormant_days",
        default=21,
        help="A funded trader with no trade for this many days is dormant.",
    )
    fx_churn_days = fields.Integer(
        string="Churned After (days)",
        config_parameter="fx_engagement.churn_days",
        default=60,
        help="A funded trader with neither a trade nor a deposit for this many days "
        "is churned.",
    )
    fx_sync_batch_limit = fields.Integer(
        string="Sync Batch Limit",
        config_parameter="fx_engagement.sync_batch_limit",
        default=10000,
        help="Most records one call of the sync API may carry.",
    )

    fx_sync_inline_limit = fields.Integer(
        string="Immediate Refresh Limit",
        config_parameter="fx_engagement.sync_inline_limit",
        default=2000,
        help="A push touching at most this many traders refreshes their facts before "
        "returning; larger (bulk) pushes queue them for the background job.",
    )

    @api.constrains("fx_dormant_days", "fx_churn_days", "fx_sync_batch_limit")
    def _check_fx_settings(self):
        for settings in self:
            if settings.fx_dormant_days < 1 or settings.fx_churn_days < 1:
                raise ValidationError(
                    self.env._("Dormant and churn periods must be at least one day.")
                )
            if settings.fx_churn_days <= settings.fx_dormant_days:
                raise ValidationError(
                    self.env._(
                        "The churn period (%(churn)s days) must be longer than the "
                        "dormant period (%(dormant)s days).",
                        churn=settings.fx_churn_days,
                        dormant=settings.fx_dormant_days,
                    )
                )
            if not 1 <= settings.fx_sync_batch_limit <= 100000:
                raise ValidationError(
                    self.env._("The sync batch limit must be between 1 and 100,000.")
                )
