"""Copy orders: the engine queues one per active copy subscription when a
provider's trade opens or closes; the platform bridge pulls and acknowledges
them (fx.copy.bridge). docs/SOCIAL_TRADING.md#copy-engine"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.fx_engagement.tools import json_recordset

from ..lib.sizing import copy_volume

ORDER_STATES = [
    ("pending", "Pending"),
    ("executed", "Executed"),
    ("rejected", "Rejected"),
    ("skipped", "Skipped"),
    ("cancelled", "Cancelled"),
]
DEFAULT_LOT_STEP = 0.01
DEFAULT_MIN_LOT = 0.01


class FxCopyOrder(models.Model):
    _name = "fx.copy.order"
    _description = "Copy Order"
    _order = "id desc"
    _log_access = False  # one row per follower and provider trade: kept lean

    subscription_id = fields.Many2one(
        "fx.copy.subscription", required=True, ondelete="cascade"
    )
    strategy_id = fields.Many2one("fx.strategy.provider", required=True)
    partner_id = fields.Many2one("res.partner", string="Follower", required=True)
    account_id = fields.Many2one(
        "fx.trading.account", string="Copy Account", required=True
    )
    company_id = fields.Many2one("res.company", required=True)
    provider_trade_id = fields.Many2one("fx.trade", required=True, ondelete="cascade")
    provider_ticket = fields.Char()
    action = fields.Selection(
        [("open", "Open Position"), ("close", "Close Position")], required=True
    )
    open_order_id = fields.Many2one("fx.copy.order", string="Opening Order")
    symbol = fields.Char(required=True)
    side = fields.Selection([("buy", "Buy"), ("sell", "Sell")], required=True)
    volume = fields.Float(string="Volume (lots)", digits=(16, 2))
    raw_volume = fields.Float(string="Computed Volume", digits=(16, 6))
    capped = fields.Boolean(
        help="The volume was cut to the subscription's maximum lot."
    )
    # indexes kept few: the fan-out inserts thousands of rows at once (the
    # unique constraint serves the subscription, a partial index the queue)
    state = fields.Selection(ORDER_STATES, required=True, default="pending")
    reason = fields.Char(help="Why the order was skipped, rejected or cancelled.")
    executed_price = fields.Float(digits=(16, 5))
    ticket = fields.Char(string="Follower Ticket")
    queued_at = fields.Datetime(default=fields.Datetime.now)
    acknowledged_at = fields.Datetime()

    _sql_constraints = [
        (
            "one_per_trade",
            "UNIQUE(subscription_id, provider_trade_id, action)",
            "A subscription has one open and one close order per provider trade.",
        ),
    ]

    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS fx_copy_order_pending_idx "
            "ON fx_copy_order (id) WHERE state = 'pending'"
        )

    @api.depends("action", "symbol", "side", "volume")
    def _compute_display_name(self):
        for order in self:
            order.display_name = (
                f"{order.action} {order.side} {order.volume:.2f} {order.symbol}"
            )

    # -------------------------------------------------------------- engine
    @api.model
    def _fx_on_provider_trades(self, rows):
        """Queue the copy orders of pushed trades (rows of push_trades, with
        ``account_id``) of accounts that trade a published strategy: an open
        trade fans out to every active copy subscription, a closed trade closes
        the copies of its opening. Re-sent trades queue nothing twice."""
        account_ids = list({row["account_id"] for row in rows})
        for model in (
            "fx.strategy.provider",
            "fx.copy.subscription",
            "fx.trading.account",
        ):
            self.env[model].flush_model()
        strategy_by_account = defaultdict(list)
        for account_id, strategy_id in self.env.execute_query(
            SQL(
                """
                SELECT r.account_id, r.strategy_id
                  FROM fx_strategy_provider_account_rel r
                  JOIN fx_strategy_provider s ON s.id = r.strategy_id
                 WHERE r.account_id = ANY(%s) AND s.state = 'published' AND s.active
                """,
                account_ids,
            )
        ):
            strategy_by_account[account_id].append(strategy_id)
        if not strategy_by_account:
            return 0
        keys = [
            (row["account_id"], row["ticket"])
            for row in rows
            if row["account_id"] in strategy_by_account
        ]
        trades = self.env.execute_query(
            SQL(
                """
                SELECT t.id, t.account_id, t.ticket, t.symbol, t.side, t.volume, t.state
                  FROM fx_trade t
                  JOIN unnest(%s::int[], %s::varchar[]) AS k(account_id, ticket)
                    ON t.account_id = k.account_id AND t.ticket = k.ticket
                """,
                [k[0] for k in keys],
                [k[1] for k in keys],
            )
        )
        # a re-sent open trade was fanned out already: nothing to size again
        done = {
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT DISTINCT provider_trade_id FROM fx_copy_order "
                    "WHERE provider_trade_id = ANY(%s) AND action = 'open'",
                    [t[0] for t in trades],
                )
            )
        }
        opened = [t for t in trades if t[6] == "open" and t[0] not in done]
        closed = [t for t in trades if t[6] == "closed"]
        count = 0
        if opened:
            count += self._fx_queue_opens(opened, strategy_by_account)
        if closed:
            count += self._fx_queue_closes([t[0] for t in closed])
        return count

    def _fx_queue_opens(self, trades, strategy_by_account):
        strategy_ids = sorted({s for ids in strategy_by_account.values() for s in ids})
        subs = defaultdict(list)
        for row in self.env.execute_query(
            SQL(
                """
                SELECT s.strategy_id, s.id, s.sizing_mode, s.ratio, s.fixed_lot,
                       s.max_lot, COALESCE(a.equity, 0)
                  FROM fx_copy_subscription s
                  JOIN fx_trading_account a ON a.id = s.account_id
                 WHERE s.strategy_id = ANY(%s) AND s.state = 'active'
                   AND s.kind = 'copy'
                """,
                strategy_ids,
            )
        ):
            subs[row[0]].append(row[1:])
        if not subs:
            return 0
        provider_equity = dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT r.strategy_id, COALESCE(SUM(a.equity), 0)
                      FROM fx_strategy_provider_account_rel r
                      JOIN fx_trading_account a ON a.id = r.account_id
                     WHERE r.strategy_id = ANY(%s)
                     GROUP BY r.strategy_id
                    """,
                    strategy_ids,
                )
            )
        )
        lots = {
            name: (step, minimum)
            for name, step, minimum in self.env.execute_query(
                SQL(
                    "SELECT name, fx_lot_step, fx_min_lot FROM fx_instrument "
                    "WHERE name = ANY(%s)",
                    list({t[3] for t in trades}),
                )
            )
        }
        orders = []
        for trade_id, account_id, _ticket, symbol, _side, volume, _state in trades:
            step, minimum = lots.get(symbol, (DEFAULT_LOT_STEP, DEFAULT_MIN_LOT))
            for strategy_id in strategy_by_account[account_id]:
                equity_of_provider = provider_equity.get(strategy_id, 0.0)
                for sub_id, mode, ratio, fixed_lot, max_lot, equity in subs.get(
                    strategy_id, ()
                ):
                    sizing = copy_volume(
                        mode,
                        volume,
                        follower_equity=equity,
                        provider_equity=equity_of_provider,
                        ratio=ratio,
                        fixed_lot=fixed_lot,
                        lot_step=step or DEFAULT_LOT_STEP,
                        min_lot=minimum or DEFAULT_MIN_LOT,
                        max_lot=max_lot,
                    )
                    orders.append(
                        (
                            sub_id,
                            trade_id,
                            sizing.volume,
                            sizing.raw,
                            sizing.capped,
                            sizing.reason,
                        )
                    )
        return self._fx_insert_opens(orders)

    def _fx_insert_opens(self, orders):
        """Insert the open orders ``(subscription, provider trade, volume, raw
        volume, capped, skip reason)`` set-based, the rest of each row read from
        its subscription and trade; an order that exists already is left as it
        is. Returns the number inserted."""
        if not orders:
            return 0
        self.flush_model()
        keys = ("sub", "trade", "volume", "raw", "capped", "reason")
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO fx_copy_order (
                    subscription_id, strategy_id, partner_id, account_id, company_id,
                    provider_trade_id, provider_ticket, action, symbol, side, volume,
                    raw_volume, capped, state, reason, queued_at)
                SELECT s.id, s.strategy_id, s.partner_id, s.account_id, s.company_id,
                       t.id, t.ticket, 'open', t.symbol, t.side, j.volume, j.raw,
                       j.capped,
                       CASE WHEN j.reason IS NULL THEN 'pending' ELSE 'skipped' END,
                       j.reason, %(now)s
                  FROM %(rows)s
                  JOIN fx_copy_subscription s ON s.id = j.sub
                  JOIN fx_trade t ON t.id = j.trade
                ON CONFLICT (subscription_id, provider_trade_id, action) DO NOTHING
                """,
                now=fields.Datetime.now(),
                rows=json_recordset(
                    [
                        (key, kind, [order[i] for order in orders])
                        for i, (key, kind) in enumerate(
                            zip(
                                keys,
                                ("int4", "int4", "float8", "float8", "bool", "varchar"),
                                strict=True,
                            )
                        )
                    ],
                    alias="j",
                ),
            )
        )
        count = self.env.cr.rowcount
        self.invalidate_model()
        return count

    def _fx_queue_closes(self, trade_ids, subscriptions=None, reason=None):
        """Close orders for the open orders (pending or executed) of these
        provider trades (or of ``subscriptions``' open positions)."""
        where = SQL("o.provider_trade_id = ANY(%s)", trade_ids)
        if subscriptions is not None:
            where = SQL("o.subscription_id = ANY(%s)", subscriptions.ids)
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO fx_copy_order (
                    subscription_id, strategy_id, partner_id, account_id, company_id,
                    provider_trade_id, provider_ticket, action, open_order_id, symbol,
                    side, volume, raw_volume, capped, state, reason, queued_at)
                SELECT o.subscription_id, o.strategy_id, o.partner_id, o.account_id,
                       o.company_id, o.provider_trade_id, o.provider_ticket, 'close',
                       o.id, o.symbol, o.side, o.volume, o.volume, FALSE, 'pending',
                       %(reason)s, %(now)s
                  FROM fx_copy_order o
                 WHERE %(where)s AND o.action = 'open'
                   AND o.state IN ('pending', 'executed')
                ON CONFLICT (subscription_id, provider_trade_id, action) DO NOTHING
                """,
                reason=reason,
                now=fields.Datetime.now(),
                where=where,
            )
        )
        count = self.env.cr.rowcount
        self.invalidate_model()
        return count

    @api.model
    def _fx_unwind(self, subscriptions):
        """A stopped subscription: its pending opens are cancelled, its
        executed opens closed."""
        if not subscriptions:
            return
        self.flush_model()
        self.env.cr.execute(
            SQL(
                "UPDATE fx_copy_order SET state = 'cancelled', reason = %s "
                "WHERE subscription_id = ANY(%s) AND state = 'pending' "
                "AND action = 'open'",
                self.env._("Subscription stopped"),
                subscriptions.ids,
            )
        )
        self.invalidate_model()
        self._fx_queue_closes(
            [], subscriptions=subscriptions, reason=self.env._("Subscription stopped")
        )
