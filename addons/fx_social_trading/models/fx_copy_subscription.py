"""Follow (watch) and copy subscriptions of a trader to a strategy
(docs/SOCIAL_TRADING.md#subscriptions)."""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.fees import adjust_mark
from ..lib.sizing import MODES

_logger = logging.getLogger(__name__)

SIZING_MODES = [
    ("proportional", "Proportional to Equity"),
    ("fixed_ratio", "Fixed Ratio"),
    ("fixed_lot", "Fixed Lot"),
]
assert tuple(m for m, _l in SIZING_MODES) == MODES
STATES = [
    ("draft", "Draft"),
    ("active", "Active"),
    ("paused", "Paused"),
    ("stopped", "Stopped"),
]


class FxCopySubscription(models.Model):
    _name = "fx.copy.subscription"
    _description = "Copy Trading Subscription"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Follower",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
    )
    strategy_id = fields.Many2one(
        "fx.strategy.provider",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    provider_id = fields.Many2one(related="strategy_id.partner_id", string="Provider")
    company_id = fields.Many2one(
        related="strategy_id.company_id", store=True, index=True, precompute=True
    )
    kind = fields.Selection(
        [("follow", "Follow"), ("copy", "Copy")],
        required=True,
        default="copy",
        help="Follow: watch the strategy, no money. Copy: its trades are copied "
        "to the follower's account.",
    )
    account_id = fields.Many2one(
        "fx.trading.account",
        string="Copy Account",
        index=True,
        check_company=True,
        help="The follower's account the trades are copied to; its equity is "
        "the copied equity.",
    )
    currency_id = fields.Many2one(related="account_id.currency_id")
    allocation = fields.Monetary(
        help="Amount allocated to the copy; the equity stop and the high-water "
        "mark start from it."
    )
    sizing_mode = fields.Selection(SIZING_MODES, default="proportional", required=True)
    ratio = fields.Float(
        default=1.0, digits=(16, 4), help="Fixed ratio: provider volume x ratio."
    )
    fixed_lot = fields.Float(
        digits=(16, 2), help="Fixed lot: every copy has this volume."
    )
    max_lot = fields.Float(
        string="Maximum Lot", digits=(16, 2), help="Cap per copied trade; 0: no cap."
    )
    equity_stop_pct = fields.Float(
        string="Equity Stop (%)",
        help="Stop copying when the copy account's equity falls this % below "
        "the allocation; 0: no stop.",
    )
    state = fields.Selection(
        STATES, default="draft", required=True, tracking=True, index=True
    )
    start_date = fields.Date(readonly=True)
    stop_date = fields.Date(readonly=True)
    stop_reason = fields.Char(readonly=True)
    high_water_mark = fields.Monetary(readonly=True)
    fee_period_start = fields.Date(
        readonly=True, help="Start of the current performance fee period."
    )
    history_ids = fields.One2many("fx.copy.subscription.history", "subscription_id")
    order_ids = fields.One2many("fx.copy.order", "subscription_id")
    fee_ids = fields.One2many("fx.copy.fee", "subscription_id")
    order_count = fields.Integer(compute="_compute_counts")
    fee_total = fields.Monetary(compute="_compute_counts", string="Fees")

    _sql_constraints = [
        (
            "allocation_positive",
            "CHECK(allocation >= 0)",
            "The allocation cannot be negative.",
        ),
        ("ratio_positive", "CHECK(ratio > 0)", "The ratio must be positive."),
        (
            "lots_positive",
            "CHECK(fixed_lot >= 0 AND max_lot >= 0)",
            "Lots cannot be negative.",
        ),
        (
            "equity_stop_range",
            "CHECK(equity_stop_pct >= 0 AND equity_stop_pct < 100)",
            "The equity stop must be between 0% and 100%.",
        ),
    ]

    def init(self):
        # one live subscription of a kind per trader and strategy
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS fx_copy_subscription_live_uniq "
            "ON fx_copy_subscription (partner_id, strategy_id, kind) "
            "WHERE state IN ('active', 'paused')"
        )

    @api.depends("partner_id", "strategy_id", "kind")
    def _compute_name(self):
        labels = dict(self._fields["kind"].selection)
        for sub in self:
            partner, strategy = sub.partner_id.name or "", sub.strategy_id.name or ""
            sub.name = f"{partner} / {strategy} ({labels.get(sub.kind, '')})"

    def _compute_counts(self):
        orders = dict(
            self.env["fx.copy.order"]._read_group(
                [("subscription_id", "in", self.ids)], ["subscription_id"], ["__count"]
            )
        )
        fees = dict(
            self.env["fx.copy.fee"]._read_group(
                [("subscription_id", "in", self.ids), ("state", "!=", "rejected")],
                ["subscription_id"],
                ["amount:sum"],
            )
        )
        for sub in self:
            sub.order_count = orders.get(sub, 0)
            sub.fee_total = fees.get(sub, 0.0)

    @api.constrains(
        "kind", "account_id", "partner_id", "allocation", "sizing_mode", "fixed_lot"
    )
    def _check_copy(self):
        for sub in self:
            if sub.kind != "copy":
                continue
            if not sub.account_id:
                raise ValidationError(
                    self.env._("Copy subscription %s needs a copy account.", sub.name)
                )
            if sub.account_id.partner_id != sub.partner_id:
                raise ValidationError(
                    self.env._(
                        "Account %(account)s is not an account of %(follower)s.",
                        account=sub.account_id.display_name,
                        follower=sub.partner_id.display_name,
                    )
                )
            if sub.account_id in sub.strategy_id.account_ids:
                raise ValidationError(
                    self.env._(
                        "Account %s trades the strategy itself: it cannot copy it.",
                        sub.account_id.display_name,
                    )
                )
            if sub.sizing_mode == "fixed_lot" and sub.fixed_lot <= 0:
                raise ValidationError(
                    self.env._("Fixed lot sizing needs a lot above 0 (%s).", sub.name)
                )

    # ------------------------------------------------------------ life cycle
    def _fx_set_state(self, state, reason=False):
        """Change the state and record it in the history."""
        subs = self.filtered(lambda s: s.state != state)
        if not subs:
            return
        values = {"state": state}
        today = fields.Date.context_today(self)
        if state == "stopped":
            values.update(stop_date=today, stop_reason=reason or False)
        subs.write(values)
        self.env["fx.copy.subscription.history"].sudo().create(
            [
                {"subscription_id": sub.id, "state": state, "reason": reason or False}
                for sub in subs
            ]
        )

    def action_activate(self):
        """Start following or copying: the strategy must be published, the
        compliance hook must allow the trader (copy_trading) and a copy must
        reach the strategy's minimum investment."""
        for sub in self:
            if sub.state not in ("draft", "paused"):
                raise UserError(
                    self.env._(
                        "Subscription %s cannot be activated from its state.", sub.name
                    )
                )
            if sub.strategy_id.state != "published":
                raise UserError(
                    self.env._(
                        "Strategy %s is not published: it cannot be followed or "
                        "copied.",
                        sub.strategy_id.name,
                    )
                )
            if sub.kind == "copy":
                if sub.allocation < sub.strategy_id.min_investment:
                    raise UserError(
                        self.env._(
                            "The allocation %(allocation).2f is below the minimum "
                            "investment %(minimum).2f of strategy %(strategy)s.",
                            allocation=sub.allocation,
                            minimum=sub.strategy_id.min_investment,
                            strategy=sub.strategy_id.name,
                        )
                    )
                _allowed, blocked = sub.partner_id._fx_incentive_check(
                    "copy_trading", origin=sub
                )
                if blocked:
                    raise UserError(
                        self.env._(
                            "%s may not copy a strategy: compliance refused the copy "
                            "subscription.",
                            sub.partner_id.display_name,
                        )
                    )
        today = fields.Date.context_today(self)
        first = self.filtered(lambda s: not s.start_date)
        for sub in first:
            sub.write(
                {
                    "start_date": today,
                    "fee_period_start": today,
                    "high_water_mark": sub.allocation,
                }
            )
        self._fx_set_state("active")
        first.strategy_id.sudo().message_subscribe(partner_ids=first.partner_id.ids)
        copies = first.filtered(lambda s: s.kind == "copy")
        if copies:
            self.env["fx.copy.fee"]._fx_charge_subscription_fees(today, copies)
        first.filtered(lambda s: s.kind == "follow")._fx_award_follow_points()
        return True

    def _fx_award_follow_points(self):
        """Referral points for following (fx_referrals), when installed."""
        if not self or "fx.points.entry" not in self.env:
            return
        Entry = self.env["fx.points.entry"].sudo()
        for sub in self:
            Entry._fx_award_event(sub.partner_id, "strategy_followed", sub)

    def action_pause(self):
        self.filtered(lambda s: s.state == "active")._fx_set_state(
            "paused", self.env._("Paused by the follower")
        )
        return True

    def action_stop(self, reason=None):
        """Stop: the performance fee is settled, pending copy orders are
        cancelled and the copied positions still open are closed."""
        live = self.filtered(lambda s: s.state in ("active", "paused", "draft"))
        if not live:
            return True
        reason = reason or self.env._("Stopped by the follower")
        today = fields.Date.context_today(self)
        copies = live.filtered(lambda s: s.kind == "copy" and s.start_date)
        self.env["fx.copy.fee"]._fx_settle_performance_fees(today, copies, closing=True)
        live._fx_set_state("stopped", reason)
        self.env["fx.copy.order"]._fx_unwind(copies)
        return True

    @api.model
    def _fx_check_equity_stops(self, account_ids):
        """Stop the active copies of these accounts whose equity fell below
        their stop: equity < allocation x (1 - stop / 100)."""
        if not account_ids:
            return self.browse()
        subs = self.sudo().search(
            [
                ("account_id", "in", list(account_ids)),
                ("state", "=", "active"),
                ("kind", "=", "copy"),
                ("equity_stop_pct", ">", 0),
            ]
        )
        hit = self.browse()
        for sub in subs:
            equity = sub._fx_latest_equity()
            floor = sub.allocation * (1 - sub.equity_stop_pct / 100.0)
            if equity is not None and equity < floor:
                sub.action_stop(
                    self.env._(
                        "Equity stop: equity %(equity).2f below %(floor).2f "
                        "(%(pct)s%% under the allocation)",
                        equity=equity,
                        floor=floor,
                        pct=sub.equity_stop_pct,
                    )
                )
                hit |= sub
        return hit

    def _fx_latest_equity(self, day=None):
        """The copy account's equity at its last equity point (on or before
        ``day``); None without one."""
        self.ensure_one()
        domain = [("account_id", "=", self.account_id.id)]
        if day:
            domain.append(("date", "<=", day))
        point = (
            self.env["fx.equity.point"]
            .sudo()
            .search_fetch(domain, ["equity"], order="date desc", limit=1)
        )
        return point.equity if point else None

    def _fx_mark_with_flows(self, start, end):
        """The high-water mark moved by the copy account's deposits (added)
        and withdrawals (the mark shrinks in the proportion withdrawn) from
        ``start`` to ``end``."""
        self.ensure_one()
        mark = self.high_water_mark
        digits = self.account_id.currency_id.decimal_places
        fundings = (
            self.env["fx.funding"]
            .sudo()
            .search_fetch(
                [
                    ("account_id", "=", self.account_id.id),
                    ("kind", "in", ("deposit", "withdrawal")),
                    ("date", ">", fields.Datetime.to_datetime(start)),
                    ("date", "<", fields.Datetime.to_datetime(end) + timedelta(days=1)),
                ],
                ["kind", "amount", "date"],
                order="date, id",
            )
        )
        for funding in fundings:
            flow = funding.amount if funding.kind == "deposit" else -funding.amount
            before = self._fx_latest_equity(funding.date.date() - timedelta(days=1))
            mark = adjust_mark(
                mark, before if before is not None else mark, flow, digits
            )
        return mark
