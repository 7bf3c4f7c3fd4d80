from odoo import fields, models


class FxEquityPoint(models.Model):
    _name = "fx.equity.point"
    _inherit = ["fx.account.fact"]
    _description = "Daily Equity Point"
    _order = "date desc, id desc"
    _log_access = False  # one row per account and day: kept lean

    partner_id = fields.Many2one(index=True)
    currency_id = fields.Many2one(related="account_id.currency_id")
    date = fields.Date(required=True)
    balance = fields.Monetary()
    equity = fields.Monetary()

    _sql_constraints = [
        (
            "account_date_unique",
            "UNIQUE(account_id, date)",
            "There is already an equity point for this account and day.",
        ),
        # the sync API's rule, for every other path too (see README)
        (
            "date_range",
            "CHECK(date >= '1990-01-01' AND date < '2100-01-01')",
            "The day of an equity point must be between 1990 and 2099.",
        ),
    ]
