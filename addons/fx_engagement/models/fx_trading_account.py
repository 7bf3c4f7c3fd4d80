from odoo import api, fields, models

PLATFORMS = [
    ("mt4", "MetaTrader 4"),
    ("mt5", "MetaTrader 5"),
    ("ctrader", "cTrader"),
    ("other", "Other"),
]


class FxTradingAccount(models.Model):
    _name = "fx.trading.account"
    _description = "Trading Account"
    _order = "opened_at desc, id desc"
    _rec_names_search = ["login", "partner_id"]
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Trader",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    platform = fields.Selection(PLATFORMS, required=True, default="mt5")
    server = fields.Char(required=True, help="Trading server, e.g. Broker-Live01.")
    login = fields.Char(required=True, help="Account number on the platform.")
    account_type = fields.Selection(
        [("live", "Live"), ("demo", "Demo")],
        string="Type",
        required=True,
        default="live",
    )
    currency_id = fields.Many2one("res.currency", required=True)
    leverage = fields.Integer(help="1:N leverage, N stored here.")
    balance = fields.Monetary()
    equity = fields.Monetary()
    credit = fields.Monetary()
    opened_at = fields.Datetime(string="Opened On")
    status = fields.Selection(
        [("active", "Active"), ("disabled", "Disabled"), ("closed", "Closed")],
        required=True,
        default="active",
    )
    trade_count = fields.Integer(string="Trades", compute="_compute_trade_count")

    _sql_constraints = [
        (
            "platform_server_login_unique",
            "UNIQUE(platform, server, login)",
            "An account with this platform, server and login already exists.",
        ),
        # the sync API's rules, for every other path too (see README); a CHECK
        # cannot compare with now(): dates are kept in a fixed range (a NULL passes)
        (
            "server_login_not_blank",
            "CHECK(btrim(server) <> '' AND btrim(login) <> '')",
            "An account needs a server and a login.",
        ),
        (
            "leverage_positive",
            "CHECK(leverage IS NULL OR leverage >= 0)",
            "The leverage is 1:N with N at least 1 (0 when unknown).",
        ),
        (
            "credit_positive",
            "CHECK(credit IS NULL OR credit >= 0)",
            "The credit of an account cannot be negative.",
        ),
        (
            "opened_at_range",
            "CHECK(opened_at >= '1990-01-01' AND opened_at < '2100-01-01')",
            "The opening date must be between 1990 and 2099.",
        ),
    ]

    @api.depends("platform", "server", "login")
    def _compute_display_name(self):
        labels = dict(PLATFORMS)
        for account in self:
            account.display_name = (
                f"{account.login} ({labels.get(account.platform, '')} {account.server})"
            )

    def _compute_trade_count(self):
        counts = dict(
            self.env["fx.trade"]._read_group(
                [("account_id", "in", self.ids)], ["account_id"], ["__count"]
            )
        )
        for account in self:
            account.trade_count = counts.get(account, 0)

    def action_view_trades(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fx_engagement.fx_trade_action"
        )
        action["domain"] = [("account_id", "=", self.id)]
        action["context"] = {}
        return action
