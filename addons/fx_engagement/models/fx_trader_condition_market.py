"""Trader conditions of market-event exposure (docs/METRICS.md#segment-conditions):
an open position in a symbol, a symbol on the trader's watch list. Campaign
steps and other addons use them through ``fx.trader.condition._fx_sql``."""

from odoo import api, models
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .fx_trader_condition import ConditionKind

_lt = LazyTranslate(__name__)


def _holds_position(args):
    return SQL(
        "EXISTS (SELECT 1 FROM fx_trade t WHERE t.partner_id = p.id "
        "AND t.state = 'open' AND t.symbol = %s)",
        args.symbol.strip().upper(),
    )


def _watches_symbol(args):
    return SQL(
        "EXISTS (SELECT 1 FROM res_partner_fx_watch_rel w "
        "JOIN fx_instrument i ON i.id = w.instrument_id "
        "WHERE w.partner_id = p.id AND i.name = %s)",
        args.symbol.strip().upper(),
    )


# pylint: disable=prefer-env-translation
MARKET_KINDS = {
    "holds_position": ConditionKind(
        _lt("Holds an open position in a symbol"), ("symbol",), _holds_position
    ),
    "watches_symbol": ConditionKind(
        _lt("Watches a symbol"), ("symbol",), _watches_symbol
    ),
}
# pylint: enable=prefer-env-translation


class FxTraderCondition(models.AbstractModel):
    _inherit = "fx.trader.condition"

    @api.model
    def _fx_kinds(self):
        return {**super()._fx_kinds(), **MARKET_KINDS}
