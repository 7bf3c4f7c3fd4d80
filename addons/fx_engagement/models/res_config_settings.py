from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.base.models.res_partner import _tz_get

from .fx_sync import (
    DEFAULT_BATCH_LIMIT,
    DEFAULT_INLINE_LIMIT,
    SERVER_TZ_EVENTS,
    SERVER_TZ_PARAM,
    SERVER_TZ_REFUSE,
)


def _server_tz_choices(self):
    refuse = (SERVER_TZ_REFUSE, self.env._("Refuse (an offset is required)"))
    return [refuse, *_tz_get(self)]


def _server_tz_field(code, label):
    return fields.Selection(
        _server_tz_choices,
        string=label,
        config_parameter=SERVER_TZ_PARAM % code,
        default="UTC",
        help="Time zone in which the sync API reads date-times sent without an "
        "offset (e.g. 2026-11-20T14:03:11); UTC when not set.",
    )


# settings where 0 means 0 (no cap, midnight, queue every push): Odoo deletes a
# parameter saved as 0, which would bring the default back
ZERO_IS_A_VALUE = (
    "fx_cap_messages",
    "fx_quiet_start",
    "fx_quiet_end",
    "fx_sync_inline_limit",
)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    def set_values(self):
        result = super().set_values()
        params = self.env["ir.config_parameter"].sudo()
        for name in ZERO_IS_A_VALUE:
            if not self[name]:
                params.set_param(self._fields[name].config_parameter, "0")
        return result

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
        default=DEFAULT_BATCH_LIMIT,
        help="Most records one call of the sync API may carry.",
    )

    fx_sync_inline_limit = fields.Integer(
        string="Immediate Refresh Limit",
        config_parameter="fx_engagement.sync_inline_limit",
        default=DEFAULT_INLINE_LIMIT,
        help="A push touching at most this many traders refreshes their facts before "
        "returning; larger (bulk) pushes queue them for the background job.",
    )

    # MT4 / MT5 servers often run on their own time (e.g. EET)
    fx_server_tz_mt4 = _server_tz_field("mt4", "MetaTrader 4 Server Time Zone")
    fx_server_tz_mt5 = _server_tz_field("mt5", "MetaTrader 5 Server Time Zone")
    fx_server_tz_ctrader = _server_tz_field("ctrader", "cTrader Server Time Zone")
    fx_server_tz_other = _server_tz_field("other", "Other Platforms Time Zone")
    fx_server_tz_events = _server_tz_field(SERVER_TZ_EVENTS, "Client Events Time Zone")

    fx_cap_messages = fields.Integer(
        string="Marketing Messages Cap",
        config_parameter="fx_engagement.cap_messages",
        default=3,
        help="At most this many marketing messages per trader in the window, across "
        "all campaigns, mass mailings and channels (0: no cap).",
    )
    fx_cap_days = fields.Integer(
        string="Cap Window (days)", config_parameter="fx_engagement.cap_days", default=7
    )
    fx_quiet_start = fields.Float(
        string="Quiet Hours From",
        config_parameter="fx_engagement.quiet_start",
        default=21.0,
        help="No marketing message between these hours, in the trader's time zone.",
    )
    fx_quiet_end = fields.Float(
        string="Quiet Hours To", config_parameter="fx_engagement.quiet_end", default=8.0
    )

    fx_stale_months = fields.Integer(
        string="Stale After (months)",
        config_parameter="fx_engagement.stale_months",
        default=12,
        help="A trader whose profile has not been updated for this many months is "
        "flagged as stale.",
    )
    fx_nbo_min_support = fields.Integer(
        string="Next Best Offer: Minimum Takers",
        config_parameter="fx_engagement.nbo_min_support",
        default=3,
        help="An instrument is offered only when at least this many similar "
        "traders traded it in the last 90 days.",
    )

    @api.constrains("fx_stale_months", "fx_nbo_min_support")
    def _check_fx_data_quality_settings(self):
        for settings in self:
            if not 1 <= settings.fx_stale_months <= 120:
                raise ValidationError(
                    self.env._("The stale period must be between 1 and 120 months.")
                )
            if settings.fx_nbo_min_support < 1:
                raise ValidationError(
                    self.env._(
                        "The next best offer needs at least one similar trader who "
                        "traded the instrument."
                    )
                )

    @api.constrains("fx_cap_messages", "fx_cap_days", "fx_quiet_start", "fx_quiet_end")
    def _check_fx_campaign_settings(self):
        for settings in self:
            if settings.fx_cap_messages < 0 or settings.fx_cap_days < 1:
                raise ValidationError(
                    self.env._(
                        "The cap needs a positive window and a count of 0 or more."
                    )
                )
            for hour in (settings.fx_quiet_start, settings.fx_quiet_end):
                if not 0 <= hour < 24:
                    raise ValidationError(
                        self.env._("Quiet hours are hours of the day, from 0 to 23:59.")
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

    # market events (docs/METRICS.md#market-event-exposure)
    fx_market_recent_days = fields.Integer(
        string="Market Events: Traded in the Last (days)",
        config_parameter="fx_engagement.market_recent_days",
        default=7,
        help="A trader who traded an affected instrument in this many days is "
        "concerned by a market event (as are those with an open position in it "
        "or watching it).",
    )

    @api.constrains("fx_market_recent_days")
    def _check_fx_market_recent_days(self):
        for settings in self:
            if not 1 <= settings.fx_market_recent_days <= 365:
                raise ValidationError(
                    self.env._(
                        "The market-event trading window must be between 1 and "
                        "365 days."
                    )
                )
