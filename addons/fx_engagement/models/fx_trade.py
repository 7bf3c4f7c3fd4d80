from odoo import api, fields, models

from ..tools import CompanyConversion, check_rates


class FxTrade(models.Model):
    _name = "fx.trade"
    _inherit = ["fx.account.fact"]
    _description = "Trade"
    _order = "open_time desc, id desc"
    _rec_name = "ticket"
    # a high-volume fact table: no create/write user and date columns, whose
    # foreign keys would cost more than the rest of the insert
    _log_access = False

    currency_id = fields.Many2one(related="account_id.currency_id")
    ticket = fields.Char(required=True)
    symbol = fields.Char(required=True)
    side = fields.Selection([("buy", "Buy"), ("sell", "Sell")], required=True)
    volume = fields.Float(string="Volume (lots)", digits=(16, 2), required=True)
    open_time = fields.Datetime(required=True)
    close_time = fields.Datetime()
    open_price = fields.Float(digits=(16, 5))
    close_price = fields.Float(digits=(16, 5))
    profit = fields.Monetary()
    commission = fields.Monetary()
    swap = fields.Monetary()
    broker_revenue = fields.Monetary(
        help="Broker revenue on this trade (commission and spread markup) as reported "
        "by the platform; when empty, the absolute commission counts as revenue.",
    )
    revenue_company = fields.Float(
        string="Broker Revenue (Company Currency)",
        compute="_compute_revenue_company",
        store=True,
        precompute=True,
        help="Broker revenue converted at the Odoo rate of the trade's open date.",
    )
    comment = fields.Char()
    strategy = fields.Char(help="Strategy tag sent by the platform.")
    state = fields.Selection(
        [("open", "Open"), ("closed", "Closed")], required=True, default="open"
    )

    _sql_constraints = [
        (
            "account_ticket_unique",
            "UNIQUE(account_id, ticket)",
            "This ticket already exists on this account.",
        ),
        # the sync API's rules, for every other path too (see README)
        (
            "ticket_symbol_not_blank",
            "CHECK(btrim(ticket) <> '' AND btrim(symbol) <> '')",
            "A trade needs a ticket and a symbol.",
        ),
        (
            "volume_positive",
            "CHECK(volume > 0)",
            "The volume of a trade must be positive.",
        ),
        (
            "prices_positive",
            "CHECK((open_price IS NULL OR open_price >= 0) "
            "AND (close_price IS NULL OR close_price >= 0))",
            "Prices cannot be negative.",
        ),
        (
            "time_range",
            "CHECK(open_time >= '1990-01-01' AND open_time < '2100-01-01' "
            "AND close_time < '2100-01-01')",
            "Trade times must be between 1990 and 2099.",
        ),
        (
            "close_after_open",
            "CHECK(close_time >= open_time)",
            "A trade cannot close before it opens.",
        ),
    ]

    def _fx_conversion_key(self):
        """(currency_id, company_id, day) of the conversion of the revenue, or
        None while the account's currency or the open time is missing."""
        if not (self.currency_id and self.open_time):
            return None
        company = self.company_id or self.env.company
        return (self.currency_id.id, company.id, self.open_time.date())

    @api.depends("broker_revenue", "commission", "account_id", "open_time")
    def _compute_revenue_company(self):
        """docs/METRICS.md#broker-revenue-of-a-trade, converted by the one
        conversion (docs/METRICS.md#company-currency-conversion), as the sync
        API's."""
        keys = {trade: trade._fx_conversion_key() for trade in self}
        conversion = CompanyConversion(self.env, filter(None, keys.values()))
        for trade, key in keys.items():
            revenue = (
                trade.broker_revenue if trade.broker_revenue else abs(trade.commission)
            )
            if key is None:
                trade.revenue_company = revenue
            elif key in conversion.missing:
                trade.revenue_company = 0.0  # refused on save: _check_rate
            else:
                trade.revenue_company = conversion.convert(revenue, key)

    @api.constrains("account_id", "open_time", "company_id")
    def _check_rate(self):
        check_rates(self)

    def init(self):
        # facts and segments aggregate per trader over time windows; the included
        # columns make "traded symbol S lately" an index-only lookup
        self.env.cr.execute("DROP INDEX IF EXISTS fx_trade_partner_open_time_idx")
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS fx_trade_partner_time_idx "
            "ON fx_trade (partner_id, open_time) INCLUDE (symbol, volume)"
        )
        # market events (docs/METRICS.md#market-event-exposure): open
        # positions in a symbol (few rows), trades of a symbol lately
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS fx_trade_open_symbol_idx "
            "ON fx_trade (symbol, partner_id) WHERE state = 'open'"
        )
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS fx_trade_symbol_time_idx "
            "ON fx_trade (symbol, open_time) INCLUDE (partner_id)"
        )
        return super().init()
