"""The sync API feeds the copy engine: pushed provider trades queue copy
orders, pushed equity points check the followers' equity stops."""

from odoo import models


class FxSync(models.AbstractModel):
    _inherit = "fx.sync"

    def _push_declaration(self, method):
        push = super()._push_declaration(method)
        if method == "push_trades":
            push = push.extend(after=("_fx_copy_trades",))
        elif method == "push_equity":
            push = push.extend(after=("_fx_check_equity_stops",))
        return push

    def _fx_copy_trades(self, rows):
        # the engine reads and writes the queue of every follower of the pushed
        # providers, which the integration user may not read: system work
        self.env["fx.copy.order"].sudo()._fx_on_provider_trades(rows)

    def _fx_check_equity_stops(self, rows):
        self.env["fx.copy.subscription"].sudo()._fx_check_equity_stops(
            {row["account_id"] for row in rows}
        )
