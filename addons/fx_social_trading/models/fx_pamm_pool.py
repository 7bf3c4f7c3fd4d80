"""PAMM / MAM pools: investors hold units of a pool account; at each cut-off
the pool's result is split pro rata, the manager's fee is taken above each
investor's high-water mark, then deposits and withdrawals are done at NAV.
docs/SOCIAL_TRADING.md#pamm-pools"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib import pamm as lib_pamm
from ..lib.fees import adjust_mark
from ..lib.money import round_money


class FxPammPool(models.Model):
    _name = "fx.pamm.pool"
    _description = "PAMM Pool"
    _inherit = ["mail.thread"]
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    manager_id = fields.Many2one(
        "res.partner", string="Money Manager", required=True, check_company=True
    )
    account_id = fields.Many2one(
        "fx.trading.account",
        string="Pool Account",
        required=True,
        check_company=True,
        help="The account the manager trades; its equity makes the NAV.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="account_id.currency_id")
    performance_fee_pct = fields.Float(
        string="Performance Fee (%)", help="Manager's share above each investor's mark."
    )
    state = fields.Selection(
        [("open", "Open"), ("closed", "Closed")],
        default="open",
        required=True,
        tracking=True,
    )
    investor_ids = fields.One2many("fx.pamm.investor", "pool_id")
    movement_ids = fields.One2many("fx.pamm.movement", "pool_id")
    allocation_ids = fields.One2many("fx.pamm.allocation", "pool_id")
    units_total = fields.Float(compute="_compute_units_total", digits=(16, 6))
    nav = fields.Float(
        string="NAV per Unit", digits=(16, 6), default=1.0, readonly=True
    )
    last_cutoff = fields.Date(string="Last Cut-off", readonly=True)
    last_equity = fields.Monetary(
        readonly=True, help="Pool equity after the last cut-off's fees and movements."
    )

    _sql_constraints = [
        (
            "fee_range",
            "CHECK(performance_fee_pct >= 0 AND performance_fee_pct <= 50)",
            "The performance fee must be between 0% and 50%.",
        ),
    ]

    @api.depends("investor_ids.units")
    def _compute_units_total(self):
        for pool in self:
            pool.units_total = sum(pool.investor_ids.mapped("units"))

    def action_cutoff(self, day=None, equity=None):
        """Close the period at ``day`` with the pool account's equity (its
        equity point of that day unless given): allocate the result, take the
        manager's fees, then do the requested deposits and withdrawals at
        NAV."""
        self.ensure_one()
        day = day or fields.Date.context_today(self)
        if self.last_cutoff and day <= self.last_cutoff:
            raise UserError(
                self.env._(
                    "Pool %(pool)s was cut off on %(day)s already.",
                    pool=self.name,
                    day=self.last_cutoff,
                )
            )
        if equity is None:
            point = self.env["fx.equity.point"].search_fetch(
                [("account_id", "=", self.account_id.id), ("date", "=", day)],
                ["equity"],
                limit=1,
            )
            if not point:
                raise UserError(
                    self.env._(
                        "Pool %(pool)s: no equity point of its account on %(day)s.",
                        pool=self.name,
                        day=day,
                    )
                )
            equity = point.equity
        digits = self.currency_id.decimal_places
        investors = self.investor_ids.filtered(lambda i: i.units > 0)
        fees = 0.0
        nav = self.nav
        if investors:
            units = sum(investors.mapped("units"))
            nav = lib_pamm.nav_per_unit(equity, units)
            result = round_money(equity - self.last_equity, digits)
            lines = lib_pamm.allocate(
                result,
                [
                    (
                        inv,
                        inv.units,
                        round_money(inv.units * self.nav, digits),
                        inv.high_water_mark,
                    )
                    for inv in investors
                ],
                self.performance_fee_pct,
                digits,
            )
            alloc_values = []
            for line in lines:
                inv = line.key
                fee_units = lib_pamm.units_for(line.fee, nav) if line.fee else 0.0
                alloc_values.append(
                    {
                        "pool_id": self.id,
                        "investor_id": inv.id,
                        "date_from": self.last_cutoff,
                        "date_to": day,
                        "units": inv.units,
                        "value_before": round_money(inv.units * self.nav, digits),
                        "share": line.share,
                        "fee": line.fee,
                        "net": line.net,
                        "value_after": line.value,
                        "high_water_mark": line.high_water_mark,
                        "nav": nav,
                    }
                )
                inv.write(
                    {
                        "units": lib_pamm.round_units(inv.units - fee_units),
                        "high_water_mark": line.high_water_mark,
                    }
                )
                fees += line.fee
            self.env["fx.pamm.allocation"].create(alloc_values)
        elif equity > 0 and self.last_equity == 0 and not self.last_cutoff:
            nav = lib_pamm.INITIAL_NAV
        pool_equity = round_money(equity - fees, digits)
        pool_equity += self.movement_ids._fx_execute(day, nav)
        self.write(
            {
                "nav": nav,
                "last_cutoff": day,
                "last_equity": round_money(pool_equity, digits),
            }
        )
        return True


class FxPammInvestor(models.Model):
    _name = "fx.pamm.investor"
    _description = "PAMM Investor"
    _order = "pool_id, id"

    pool_id = fields.Many2one(
        "fx.pamm.pool", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Investor", required=True, index=True
    )
    company_id = fields.Many2one(related="pool_id.company_id", store=True)
    currency_id = fields.Many2one(related="pool_id.currency_id")
    units = fields.Float(digits=(16, 6), readonly=True)
    value = fields.Monetary(compute="_compute_value")
    high_water_mark = fields.Monetary(readonly=True)

    _sql_constraints = [
        (
            "one_per_pool",
            "UNIQUE(pool_id, partner_id)",
            "An investor holds one position per pool.",
        ),
    ]

    @api.depends("units", "pool_id.nav")
    def _compute_value(self):
        for inv in self:
            inv.value = round_money(
                inv.units * inv.pool_id.nav, inv.currency_id.decimal_places or 2
            )


class FxPammMovement(models.Model):
    _name = "fx.pamm.movement"
    _description = "PAMM Deposit or Withdrawal"
    _order = "id desc"

    pool_id = fields.Many2one(
        "fx.pamm.pool", required=True, ondelete="cascade", index=True
    )
    investor_id = fields.Many2one("fx.pamm.investor", required=True, ondelete="cascade")
    partner_id = fields.Many2one(
        related="investor_id.partner_id", store=True, string="Trader"
    )
    company_id = fields.Many2one(related="pool_id.company_id", store=True)
    currency_id = fields.Many2one(related="pool_id.currency_id")
    kind = fields.Selection(
        [("deposit", "Deposit"), ("withdrawal", "Withdrawal")], required=True
    )
    amount = fields.Monetary(required=True)
    state = fields.Selection(
        [("requested", "Requested"), ("done", "Done"), ("refused", "Refused")],
        default="requested",
        required=True,
    )
    reason = fields.Char()
    cutoff = fields.Date(string="Cut-off", readonly=True)
    nav = fields.Float(string="NAV", digits=(16, 6), readonly=True)
    units = fields.Float(digits=(16, 6), readonly=True)

    _sql_constraints = [
        ("amount_positive", "CHECK(amount > 0)", "The amount must be positive."),
    ]

    @api.constrains("investor_id", "pool_id")
    def _check_pool(self):
        for move in self:
            if move.investor_id.pool_id != move.pool_id:
                raise UserError(
                    self.env._("The investor is not in pool %s.", move.pool_id.name)
                )

    def _fx_execute(self, day, nav):
        """Do the requested movements at ``nav``; returns their net amount
        (deposits - withdrawals) into the pool."""
        net = 0.0
        for move in self.filtered(lambda m: m.state == "requested").sorted("id"):
            inv = move.investor_id
            digits = move.currency_id.decimal_places
            units = lib_pamm.units_for(move.amount, nav)
            if move.kind == "deposit":
                inv.write(
                    {
                        "units": lib_pamm.round_units(inv.units + units),
                        "high_water_mark": round_money(
                            inv.high_water_mark + move.amount, digits
                        ),
                    }
                )
                net += move.amount
            else:
                value = round_money(inv.units * nav, digits)
                if move.amount > value:
                    move.write(
                        {
                            "state": "refused",
                            "cutoff": day,
                            "nav": nav,
                            "reason": self.env._(
                                "Withdrawal %(amount).2f above the investor's value "
                                "%(value).2f",
                                amount=move.amount,
                                value=value,
                            ),
                        }
                    )
                    continue
                units = min(units, inv.units)
                inv.write(
                    {
                        "units": lib_pamm.round_units(inv.units - units),
                        "high_water_mark": adjust_mark(
                            inv.high_water_mark, value, -move.amount, digits
                        ),
                    }
                )
                net -= move.amount
            move.write({"state": "done", "cutoff": day, "nav": nav, "units": units})
        return net


class FxPammAllocation(models.Model):
    _name = "fx.pamm.allocation"
    _description = "PAMM Statement Line"
    _order = "date_to desc, id"

    pool_id = fields.Many2one(
        "fx.pamm.pool", required=True, ondelete="cascade", index=True
    )
    investor_id = fields.Many2one("fx.pamm.investor", required=True, ondelete="cascade")
    partner_id = fields.Many2one(
        related="investor_id.partner_id", store=True, string="Trader"
    )
    company_id = fields.Many2one(related="pool_id.company_id", store=True)
    currency_id = fields.Many2one(related="pool_id.currency_id")
    date_from = fields.Date()
    date_to = fields.Date(required=True)
    units = fields.Float(digits=(16, 6))
    nav = fields.Float(string="NAV", digits=(16, 6))
    value_before = fields.Monetary()
    share = fields.Monetary(string="Gross Result")
    fee = fields.Monetary(string="Manager Fee")
    net = fields.Monetary(string="Net Result")
    value_after = fields.Monetary()
    high_water_mark = fields.Monetary()
