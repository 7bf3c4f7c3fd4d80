"""Fee lines of copy subscriptions: performance (above the high-water mark,
per period and on unsubscribe), management (accrued daily) and subscription
(monthly). The bridge pulls and acknowledges them (fx.copy.bridge).
docs/SOCIAL_TRADING.md#fees"""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import fees as lib_fees
from ..lib.money import round_money

FEE_TYPES = [
    ("performance", "Performance Fee"),
    ("management", "Management Fee"),
    ("subscription", "Subscription Fee"),
]
PERIOD_PARAM = "fx_social_trading.performance_period"
PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


class FxCopyFee(models.Model):
    _name = "fx.copy.fee"
    _description = "Copy Trading Fee"
    _order = "date desc, id desc"

    subscription_id = fields.Many2one(
        "fx.copy.subscription", required=True, ondelete="restrict", index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Follower", required=True, index=True
    )
    strategy_id = fields.Many2one("fx.strategy.provider", required=True, index=True)
    provider_id = fields.Many2one(
        related="strategy_id.partner_id", string="Provider", store=True
    )
    account_id = fields.Many2one(
        "fx.trading.account", string="Charged Account", required=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one("res.currency", required=True)
    fee_type = fields.Selection(FEE_TYPES, required=True)
    date = fields.Date(required=True, help="The day the fee is due.")
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    base = fields.Monetary(
        help="Equity (management), profit above the mark (performance)."
    )
    rate = fields.Float(help="% of the base (a year for the management fee).")
    high_water_mark = fields.Monetary(help="Performance fee: the mark after the fee.")
    amount = fields.Monetary(required=True)
    state = fields.Selection(
        [("pending", "To Charge"), ("charged", "Charged"), ("rejected", "Rejected")],
        default="pending",
        required=True,
        index=True,
    )
    reason = fields.Char(help="Why the bridge rejected it.")
    acknowledged_at = fields.Datetime()

    _sql_constraints = [
        (
            "one_per_period",
            "UNIQUE(subscription_id, fee_type, period_start)",
            "This fee of this period was charged already.",
        ),
        ("amount_positive", "CHECK(amount > 0)", "A fee line has a positive amount."),
    ]

    def _fx_insert(self, lines):
        """Insert the fee lines; a line of a period already charged is left as
        it is (a re-run creates nothing). Returns the lines inserted."""
        if not lines:
            return self.browse()
        existing = {
            (f.subscription_id.id, f.fee_type, f.period_start)
            for f in self.search(
                [
                    (
                        "subscription_id",
                        "in",
                        list({line["subscription_id"] for line in lines}),
                    )
                ]
            )
        }
        new = [
            line
            for line in lines
            if (line["subscription_id"], line["fee_type"], line["period_start"])
            not in existing
            and line["amount"] > 0
        ]
        return self.create(new)

    @api.model
    def _fx_line(self, sub, fee_type, day, start, end, base, rate, amount, mark=0.0):
        return {
            "subscription_id": sub.id,
            "partner_id": sub.partner_id.id,
            "strategy_id": sub.strategy_id.id,
            "account_id": sub.account_id.id,
            "company_id": sub.company_id.id,
            "currency_id": sub.account_id.currency_id.id,
            "fee_type": fee_type,
            "date": day,
            "period_start": start,
            "period_end": end,
            "base": base,
            "rate": rate,
            "amount": amount,
            "high_water_mark": mark,
        }

    def _fx_copies(self, subscriptions=None):
        if subscriptions is not None:
            return subscriptions.sudo()
        return (
            self.env["fx.copy.subscription"]
            .sudo()
            .search([("state", "=", "active"), ("kind", "=", "copy")])
        )

    @api.model
    def _fx_charge_subscription_fees(self, day, subscriptions=None):
        """The monthly subscription fee of each active copy for the calendar
        month of ``day`` (once per month)."""
        start = day.replace(day=1)
        end = start + relativedelta(months=1, days=-1)
        lines = []
        for sub in self._fx_copies(subscriptions):
            amount = sub.strategy_id.subscription_fee
            if amount > 0:
                digits = sub.account_id.currency_id.decimal_places
                lines.append(
                    self._fx_line(
                        sub,
                        "subscription",
                        day,
                        start,
                        end,
                        0.0,
                        0.0,
                        round_money(amount, digits),
                    )
                )
        return self._fx_insert(lines)

    @api.model
    def _fx_accrue_management_fees(self, day, subscriptions=None):
        """One day of management fee of each active copy on the copy
        account's equity of that day (its last point on or before it)."""
        subs = self._fx_copies(subscriptions).filtered(
            lambda s: s.strategy_id.management_fee_pct > 0
            and s.start_date
            and s.start_date <= day
        )
        if not subs:
            return self.browse()
        equity = dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT DISTINCT ON (account_id) account_id, equity
                      FROM fx_equity_point
                     WHERE account_id = ANY(%s) AND date <= %s
                     ORDER BY account_id, date DESC
                    """,
                    subs.account_id.ids,
                    day,
                )
            )
        )
        lines = []
        for sub in subs:
            base = equity.get(sub.account_id.id)
            if base is None:
                continue
            pct = sub.strategy_id.management_fee_pct
            amount = lib_fees.management_fee_day(
                base, pct, sub.account_id.currency_id.decimal_places
            )
            lines.append(
                self._fx_line(sub, "management", day, day, day, base, pct, amount)
            )
        return self._fx_insert(lines)

    @api.model
    def _fx_settle_performance_fees(self, day, subscriptions=None, closing=False):
        """Settle the performance fee of the copies whose period ended on
        ``day`` (all given ones when ``closing``: an unsubscribe): fee on the
        equity above the high-water mark (moved by the deposits and
        withdrawals of the period), then the next period starts."""
        months = PERIOD_MONTHS.get(self._fx_period(), 1)
        lines = []
        for sub in self._fx_copies(subscriptions):
            start = sub.fee_period_start or sub.start_date
            if not start:
                continue
            end = start + relativedelta(months=months, days=-1)
            if not closing and end > day:
                continue
            end = min(end, day)
            equity = sub._fx_latest_equity(end)
            if equity is None:
                continue
            digits = sub.account_id.currency_id.decimal_places
            mark = sub._fx_mark_with_flows(start, end)
            pct = sub.strategy_id.performance_fee_pct
            result = lib_fees.performance_fee(equity, mark, pct, digits)
            if result.fee > 0:
                lines.append(
                    self._fx_line(
                        sub,
                        "performance",
                        end,
                        start,
                        end,
                        round_money(equity - mark, digits),
                        pct,
                        result.fee,
                        result.high_water_mark,
                    )
                )
            sub.write(
                {
                    "high_water_mark": result.high_water_mark,
                    "fee_period_start": end + timedelta(days=1),
                }
            )
        return self._fx_insert(lines)

    @api.model
    def _fx_period(self):
        return (
            self.env["ir.config_parameter"].sudo().get_param(PERIOD_PARAM) or "monthly"
        )

    @api.model
    def _cron_fees(self):
        """Daily: yesterday's management fees, the subscription fees of a new
        month, the performance fees of the periods that ended yesterday."""
        day = fields.Date.context_today(self) - timedelta(days=1)
        self._fx_accrue_management_fees(day)
        self._fx_charge_subscription_fees(day + timedelta(days=1))
        self._fx_settle_performance_fees(day)
