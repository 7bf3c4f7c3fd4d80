from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .res_partner_kpi import KPI_SETTINGS

# settings field -> key of KPI_SETTINGS (parameter, default, bounds)
KPI_FIELDS = {
    "fx_churn_alert_threshold": "churn_threshold",
    "fx_conversion_days": "conversion_days",
    "fx_engagement_days": "engagement_days",
    "fx_high_value_percent": "high_value_percent",
    "fx_backtest_days": "backtest_days",
    "fx_inactivity_rule_days": "inactivity_days",
    "fx_snapshot_keep_days": "keep_days",
}


# kept apart from res_config_settings.py, as res_partner_kpi.py
class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    fx_churn_alert_threshold = fields.Integer(
        string="Churn Alert Threshold",
        config_parameter=KPI_SETTINGS["churn_threshold"][0],
        default=KPI_SETTINGS["churn_threshold"][1],
        help="A trader whose churn risk reaches this gets one retention activity "
        "and the campaign event 'Churn alert' (again only after falling "
        "below it).",
    )
    fx_conversion_days = fields.Integer(
        string="Conversion Window (days)",
        config_parameter=KPI_SETTINGS["conversion_days"][0],
        default=KPI_SETTINGS["conversion_days"][1],
        help="A deposit, first trade or redeposit within this many days of a "
        "campaign message counts as a conversion after the message.",
    )
    fx_engagement_days = fields.Integer(
        string="Engagement Window (days)",
        config_parameter=KPI_SETTINGS["engagement_days"][0],
        default=KPI_SETTINGS["engagement_days"][1],
        help="A trader with a trade, deposit, login, click, reply or survey answer "
        "in this many days is engaged.",
    )
    fx_high_value_percent = fields.Integer(
        string="High Value Share (%)",
        config_parameter=KPI_SETTINGS["high_value_percent"][0],
        default=KPI_SETTINGS["high_value_percent"][1],
        help="The top this percent of funded traders by lifetime value are "
        "flagged high value.",
    )
    fx_backtest_days = fields.Integer(
        string="Backtest Horizon (days)",
        config_parameter=KPI_SETTINGS["backtest_days"][0],
        default=KPI_SETTINGS["backtest_days"][1],
    )
    fx_inactivity_rule_days = fields.Integer(
        string="Inactivity Rule (days)",
        config_parameter=KPI_SETTINGS["inactivity_days"][0],
        default=KPI_SETTINGS["inactivity_days"][1],
        help="The plain 'no trade for N days' rule the backtest compares with.",
    )
    fx_snapshot_keep_days = fields.Integer(
        string="Keep Trader Snapshots (days)",
        config_parameter=KPI_SETTINGS["keep_days"][0],
        default=KPI_SETTINGS["keep_days"][1],
        help="Per-trader daily snapshots older than this are deleted; the daily "
        "figures per team and segment are kept.",
    )

    @api.constrains(*KPI_FIELDS)
    def _check_fx_kpi_settings(self):
        for settings in self:
            for name, key in KPI_FIELDS.items():
                _param, _default, low, high = KPI_SETTINGS[key]
                if not low <= settings[name] <= high:
                    raise ValidationError(
                        self.env._(
                            "%(setting)s must be from %(low)s to %(high)s.",
                            setting=self._fields[name].string,
                            low=low,
                            high=high,
                        )
                    )
