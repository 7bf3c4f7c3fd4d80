"""A strategy a trader (the provider) offers for copying: the application,
staff approval, fees, listing and the statistics
(docs/SOCIAL_TRADING.md)."""

from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..lib import stats as lib_stats

WINDOW_FIELDS = (
    ("7", 7),
    ("30", 30),
    ("90", 90),
    ("365", 365),
    ("total", None),
)
DEFAULT_MIN_WEEKS = 4
DEFAULT_MIN_TRADES = 10
MIN_WEEKS_PARAM = "fx_social_trading.listing_min_weeks"
MIN_TRADES_PARAM = "fx_social_trading.listing_min_trades"


class FxStrategyProvider(models.Model):
    _name = "fx.strategy.provider"
    _description = "Copy Trading Strategy"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "ranking_score desc, name"
    _check_company_auto = True

    name = fields.Char(
        string="Strategy Name", required=True, tracking=True, translate=False
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Provider",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        help="The trader whose trades are copied.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users",
        string="Account Manager",
        default=lambda self: self.env.user,
        tracking=True,
    )
    description = fields.Html(
        help="What the strategy does, shown to followers on the portal."
    )
    strategy_ids = fields.Many2many("fx.strategy", string="Styles")
    instrument_ids = fields.Many2many(
        "fx.instrument", string="Instruments", help="What the strategy trades."
    )
    risk_notes = fields.Text(help="Risks the provider declares, shown on the portal.")
    account_ids = fields.Many2many(
        "fx.trading.account",
        "fx_strategy_provider_account_rel",
        "strategy_id",
        "account_id",
        string="Trading Accounts",
        check_company=True,
        help="The provider's accounts whose trades are copied and whose equity "
        "makes the statistics.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Applied"),
            ("published", "Published"),
            ("suspended", "Suspended"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
        help="A trader applies (Applied), staff approve (Published); only "
        "published strategies can be followed and copied.",
    )
    visibility = fields.Selection(
        [("public", "Public"), ("private", "Private")],
        default="public",
        required=True,
        tracking=True,
        help="Private strategies are not on the leaderboard.",
    )
    suspend_reason = fields.Text(
        string="Suspension Reason",
        tracking=True,
        help="Required to suspend; shown to the followers.",
    )
    suspended_on = fields.Datetime(readonly=True)
    approved_by_id = fields.Many2one("res.users", readonly=True)
    approved_on = fields.Datetime(readonly=True)
    performance_fee_pct = fields.Float(
        string="Performance Fee (%)",
        tracking=True,
        help="Share of the follower's profit above their high-water mark.",
    )
    management_fee_pct = fields.Float(
        string="Management Fee (% / year)",
        tracking=True,
        help="Yearly fee on the allocated equity, accrued daily.",
    )
    subscription_fee = fields.Monetary(
        string="Subscription Fee (per month)",
        currency_field="currency_id",
        tracking=True,
    )
    min_investment = fields.Monetary(
        string="Minimum Investment", currency_field="currency_id"
    )
    active = fields.Boolean(default=True)
    subscription_ids = fields.One2many("fx.copy.subscription", "strategy_id")
    review_ids = fields.One2many("fx.strategy.review", "strategy_id")
    # ---- statistics (docs/SOCIAL_TRADING.md#statistics), stored by
    # _fx_recompute_statistics
    stat_date = fields.Date(string="Statistics As Of", readonly=True)
    stat_return_7 = fields.Float(string="Return 7 Days (%)", readonly=True)
    stat_return_30 = fields.Float(string="Return 30 Days (%)", readonly=True)
    stat_return_90 = fields.Float(string="Return 90 Days (%)", readonly=True)
    stat_return_365 = fields.Float(string="Return 365 Days (%)", readonly=True)
    stat_return_total = fields.Float(string="Return Since Start (%)", readonly=True)
    stat_max_drawdown = fields.Float(string="Maximum Drawdown (%)", readonly=True)
    stat_win_rate = fields.Float(string="Win Rate (%)", readonly=True)
    stat_profit_factor = fields.Float(
        string="Profit Factor", readonly=True, help="0 when there is no losing trade."
    )
    stat_gross_loss = fields.Float(string="Gross Loss", readonly=True)
    stat_average_trade = fields.Float(string="Average Trade", readonly=True)
    stat_trade_count = fields.Integer(string="Closed Trades", readonly=True)
    stat_sharpe = fields.Float(string="Sharpe Ratio", readonly=True)
    stat_history_days = fields.Integer(string="History (days)", readonly=True)
    stat_weeks = fields.Integer(string="Weeks of History", readonly=True)
    stat_trades_per_week = fields.Float(string="Trades per Week", readonly=True)
    stat_volatility = fields.Float(string="Annual Volatility (%)", readonly=True)
    stat_equity = fields.Float(string="Provider Equity", readonly=True)
    risk_score = fields.Integer(readonly=True, help="0 (calm) to 10 (wild).")
    ranking_score = fields.Float(readonly=True, help="0 to 100, see the formula.")
    follower_count = fields.Integer(string="Following Traders", readonly=True)
    copier_count = fields.Integer(string="Copiers", readonly=True)
    assets_under_copy = fields.Float(readonly=True)
    followers_return_30_avg = fields.Float(
        string="Followers' Return 30 Days, Average (%)", readonly=True
    )
    followers_return_30_median = fields.Float(
        string="Followers' Return 30 Days, Median (%)", readonly=True
    )
    followers_return_90_avg = fields.Float(
        string="Followers' Return 90 Days, Average (%)", readonly=True
    )
    followers_return_90_median = fields.Float(
        string="Followers' Return 90 Days, Median (%)", readonly=True
    )
    followers_return_total_avg = fields.Float(
        string="Followers' Return Since Start, Average (%)", readonly=True
    )
    followers_return_total_median = fields.Float(
        string="Followers' Return Since Start, Median (%)", readonly=True
    )
    followers_measured = fields.Integer(
        readonly=True,
        help="Copy subscriptions with at least two equity points.",
    )
    is_listed = fields.Boolean(
        string="Listed",
        readonly=True,
        index=True,
        help="Published, public and above the listing thresholds (settings).",
    )
    rating_avg = fields.Float(
        string="Average Rating", compute="_compute_rating", compute_sudo=True
    )
    rating_count = fields.Integer(compute="_compute_rating", compute_sudo=True)

    _sql_constraints = [
        (
            "performance_fee_range",
            "CHECK(performance_fee_pct >= 0 AND performance_fee_pct <= 50)",
            "The performance fee must be between 0% and 50%.",
        ),
        (
            "management_fee_range",
            "CHECK(management_fee_pct >= 0 AND management_fee_pct <= 10)",
            "The management fee must be between 0% and 10% a year.",
        ),
        (
            "min_investment_positive",
            "CHECK(min_investment >= 0)",
            "The minimum investment cannot be negative.",
        ),
        (
            "subscription_fee_positive",
            "CHECK(subscription_fee >= 0)",
            "The subscription fee cannot be negative.",
        ),
    ]

    @api.constrains("partner_id")
    def _check_partner_id(self):
        for provider in self:
            if not provider.partner_id.fx_is_trader:
                raise ValidationError(
                    self.env._(
                        "%s is not a trader: only traders can provide a strategy.",
                        provider.partner_id.display_name,
                    )
                )

    @api.constrains("account_ids", "partner_id")
    def _check_account_ids(self):
        for provider in self:
            foreign = provider.account_ids.filtered(
                lambda a, p=provider: a.partner_id != p.partner_id
            )
            if foreign:
                raise ValidationError(
                    self.env._(
                        "Strategy %(strategy)s: account %(account)s is not an "
                        "account of the provider %(provider)s.",
                        strategy=provider.name,
                        account=foreign[0].display_name,
                        provider=provider.partner_id.display_name,
                    )
                )

    def _compute_rating(self):
        groups = {
            strategy: (count, total)
            for strategy, count, total in self.env["fx.strategy.review"]._read_group(
                [("strategy_id", "in", self.ids)],
                ["strategy_id"],
                ["__count", "rating:sum"],
            )
        }
        for strategy in self:
            count, total = groups.get(strategy, (0, 0))
            strategy.rating_count = count
            strategy.rating_avg = total / count if count else 0.0

    # ------------------------------------------------------------ life cycle
    def action_submit(self):
        """The provider applies: staff approve the application."""
        for provider in self:
            if provider.state != "draft":
                raise UserError(
                    self.env._("Strategy %s is not a draft.", provider.name)
                )
            provider._check_complete()
        self.state = "submitted"
        return True

    def _check_complete(self):
        for provider in self:
            if not provider.description:
                raise UserError(
                    self.env._(
                        "Describe strategy %s before publishing it: followers read "
                        "it before copying.",
                        provider.name,
                    )
                )

    def action_publish(self):
        """Approve (staff): the strategy can be followed and copied."""
        self._check_complete()
        self.write(
            {
                "state": "published",
                "approved_by_id": self.env.uid,
                "approved_on": fields.Datetime.now(),
                "suspend_reason": False,
            }
        )
        self._fx_update_listing()
        return True

    action_approve = action_publish

    def action_suspend(self):
        """Suspend (staff), with the reason written in *Suspension Reason*:
        active copy subscriptions are paused and the followers notified."""
        for provider in self:
            if not (provider.suspend_reason or "").strip():
                raise UserError(
                    self.env._(
                        "Write the reason for suspending strategy %s first.",
                        provider.name,
                    )
                )
        self.write({"state": "suspended", "suspended_on": fields.Datetime.now()})
        active = self.subscription_ids.filtered(lambda s: s.state == "active")
        for provider in self:
            subs = active.filtered(lambda s, p=provider: s.strategy_id == p)
            subs._fx_set_state(
                "paused",
                self.env._("Strategy suspended: %s", provider.suspend_reason),
            )
            provider.message_post(
                body=self.env._("Strategy suspended: %s", provider.suspend_reason),
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self._fx_update_listing()
        return True

    def action_reset_to_draft(self):
        self.state = "draft"
        self._fx_update_listing()
        return True

    def action_export_reproduce(self):
        """Download the CSV of the equity series, flows and trades."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/my/strategies/{self.id}/reproduce.csv",
            "target": "self",
        }

    # ------------------------------------------------------------ statistics
    @api.model
    def _fx_listing_thresholds(self):
        icp = self.env["ir.config_parameter"].sudo()
        return (
            int(icp.get_param(MIN_WEEKS_PARAM, DEFAULT_MIN_WEEKS)),
            int(icp.get_param(MIN_TRADES_PARAM, DEFAULT_MIN_TRADES)),
        )

    def _fx_update_listing(self):
        min_weeks, min_trades = self._fx_listing_thresholds()
        for strategy in self:
            listed = (
                strategy.state == "published"
                and strategy.visibility == "public"
                and strategy.active
                and strategy.stat_weeks >= min_weeks
                and strategy.stat_trade_count >= min_trades
            )
            if strategy.is_listed != listed:
                strategy.is_listed = listed

    def _fx_series(self):
        """``(points, flows)`` per strategy id: the daily equity summed over
        its accounts, and the net deposits per day (deposits - withdrawals)."""
        points = defaultdict(list)
        flows = defaultdict(dict)
        if not self:
            return points, flows
        self.env["fx.equity.point"].flush_model()
        self.env["fx.funding"].flush_model()
        for sid, day, equity in self.env.execute_query(
            SQL(
                """
                SELECT r.strategy_id, e.date, SUM(e.equity)
                  FROM fx_strategy_provider_account_rel r
                  JOIN fx_equity_point e ON e.account_id = r.account_id
                 WHERE r.strategy_id = ANY(%s)
                 GROUP BY r.strategy_id, e.date
                 ORDER BY r.strategy_id, e.date
                """,
                self.ids,
            )
        ):
            points[sid].append((day, equity))
        for sid, day, amount in self.env.execute_query(
            SQL(
                """
                SELECT r.strategy_id, f.date::date,
                       SUM(CASE WHEN f.kind = 'deposit' THEN f.amount
                                ELSE -f.amount END)
                  FROM fx_strategy_provider_account_rel r
                  JOIN fx_funding f ON f.account_id = r.account_id
                 WHERE r.strategy_id = ANY(%s)
                   AND f.kind IN ('deposit', 'withdrawal')
                 GROUP BY r.strategy_id, f.date::date
                """,
                self.ids,
            )
        ):
            flows[sid][day] = amount
        return points, flows

    def _fx_trade_sums(self):
        """{strategy id: (count, wins, gross profit, gross loss, total)} of the
        closed trades' net results (profit + commission + swap)."""
        self.env["fx.trade"].flush_model()
        return {
            row[0]: row[1:]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT r.strategy_id, COUNT(*),
                           COUNT(*) FILTER (WHERE t.net > 0),
                           COALESCE(SUM(t.net) FILTER (WHERE t.net > 0), 0),
                           COALESCE(-SUM(t.net) FILTER (WHERE t.net < 0), 0),
                           COALESCE(SUM(t.net), 0)
                      FROM fx_strategy_provider_account_rel r
                      JOIN LATERAL (
                           SELECT COALESCE(profit, 0) + COALESCE(commission, 0)
                                  + COALESCE(swap, 0) AS net
                             FROM fx_trade
                            WHERE account_id = r.account_id AND state = 'closed'
                      ) t ON TRUE
                     WHERE r.strategy_id = ANY(%s)
                     GROUP BY r.strategy_id
                    """,
                    self.ids,
                )
            )
        }

    def _fx_follower_results(self, as_of):
        """{strategy id: {window: [return of each copy subscription]}}: the
        time-weighted return of each copy subscription's account from its start
        (to its stop, or ``as_of``), net of fees."""
        subs = self.env["fx.copy.subscription"].sudo()
        subs.flush_model()
        series = defaultdict(list)
        meta = {}
        for sub_id, strategy_id, day, equity in self.env.execute_query(
            SQL(
                """
                SELECT s.id, s.strategy_id, e.date, e.equity
                  FROM fx_copy_subscription s
                  JOIN fx_equity_point e ON e.account_id = s.account_id
                 WHERE s.strategy_id = ANY(%s) AND s.kind = 'copy'
                   AND s.start_date IS NOT NULL
                   AND e.date >= s.start_date
                   AND e.date <= COALESCE(s.stop_date, %s)
                 ORDER BY s.id, e.date
                """,
                self.ids,
                as_of,
            )
        ):
            series[sub_id].append((day, equity))
            meta[sub_id] = strategy_id
        flows = defaultdict(dict)
        for sub_id, day, amount in self.env.execute_query(
            SQL(
                """
                SELECT s.id, f.date::date,
                       SUM(CASE WHEN f.kind = 'deposit' THEN f.amount
                                ELSE -f.amount END)
                  FROM fx_copy_subscription s
                  JOIN fx_funding f ON f.account_id = s.account_id
                 WHERE s.strategy_id = ANY(%s) AND s.kind = 'copy'
                   AND f.kind IN ('deposit', 'withdrawal')
                   AND f.date::date > s.start_date
                 GROUP BY s.id, f.date::date
                """,
                self.ids,
            )
        ):
            flows[sub_id][day] = amount
        results = defaultdict(lambda: defaultdict(list))
        for sub_id, points in series.items():
            if len(points) < 2:
                continue
            end = points[-1][0]
            for key, days in WINDOW_FIELDS:
                value = lib_stats.twr(points, flows[sub_id], days, end)
                if days is not None and value is None:
                    # a subscription younger than the window: its whole life
                    value = lib_stats.twr(points, flows[sub_id], None, end)
                results[meta[sub_id]][key].append(value)
        return results

    def _fx_recompute_statistics(self, as_of=None):
        """Recompute and store the statistics of these strategies (all of them
        when empty) in a few set-based queries; returns the number updated."""
        strategies = self or self.with_context(active_test=False).search([])
        if not strategies:
            return 0
        as_of = as_of or fields.Date.context_today(self)
        points, flows = strategies._fx_series()
        trade_sums = strategies._fx_trade_sums()
        follower_results = strategies._fx_follower_results(as_of)
        counts = strategies._fx_subscription_counts()
        for strategy in strategies:
            sid = strategy.id
            series = [(d, e) for d, e in points.get(sid, []) if d <= as_of]
            count, wins, gross_profit, gross_loss, total = trade_sums.get(
                sid, (0, 0, 0.0, 0.0, 0.0)
            )
            trades = lib_stats.trade_summary(
                count, wins, gross_profit, gross_loss, total
            )
            result = lib_stats.strategy_stats(series, flows.get(sid, {}), trades, as_of)
            followers = follower_results.get(sid, {})
            follow, copy, aum = counts.get(sid, (0, 0, 0.0))
            values = {
                "stat_date": as_of,
                "stat_return_7": result.return_7 or 0.0,
                "stat_return_30": result.return_30 or 0.0,
                "stat_return_90": result.return_90 or 0.0,
                "stat_return_365": result.return_365 or 0.0,
                "stat_return_total": result.return_total or 0.0,
                "stat_max_drawdown": result.max_drawdown,
                "stat_win_rate": result.win_rate or 0.0,
                "stat_profit_factor": result.profit_factor or 0.0,
                "stat_gross_loss": gross_loss,
                "stat_average_trade": result.average_trade or 0.0,
                "stat_trade_count": result.trade_count,
                "stat_sharpe": result.sharpe or 0.0,
                "stat_history_days": lib_stats.history_days(series),
                "stat_weeks": result.weeks,
                "stat_trades_per_week": result.trades_per_week,
                "stat_volatility": result.volatility,
                "stat_equity": series[-1][1] if series else 0.0,
                "risk_score": result.risk_score,
                "ranking_score": result.ranking,
                "follower_count": follow,
                "copier_count": copy,
                "assets_under_copy": aum,
                "followers_measured": len(followers.get("total", [])),
            }
            for key in ("30", "90", "total"):
                values[f"followers_return_{key}_avg"] = (
                    lib_stats.mean(followers.get(key, [])) or 0.0
                )
                values[f"followers_return_{key}_median"] = (
                    lib_stats.median(followers.get(key, [])) or 0.0
                )
            strategy.write(values)
        strategies._fx_update_listing()
        return len(strategies)

    def _fx_subscription_counts(self):
        """{strategy id: (followers, copiers, assets under copy)} of the active
        subscriptions (followers: distinct traders following or copying)."""
        return {
            row[0]: row[1:]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT strategy_id, COUNT(DISTINCT partner_id),
                           COUNT(*) FILTER (WHERE kind = 'copy'),
                           COALESCE(SUM(allocation) FILTER (WHERE kind = 'copy'), 0)
                      FROM fx_copy_subscription
                     WHERE strategy_id = ANY(%s) AND state = 'active'
                     GROUP BY strategy_id
                    """,
                    self.ids,
                )
            )
        }

    @api.model
    def _cron_recompute_statistics(self):
        self.search(
            [("state", "in", ("published", "suspended"))]
        )._fx_recompute_statistics()

    def _fx_reproduce_rows(self):
        """The CSV rows anyone can recompute every figure from."""
        self.ensure_one()
        points, flows = self._fx_series()
        rows = [
            [
                "section",
                "date",
                "equity",
                "net_deposit",
                "ticket",
                "symbol",
                "side",
                "volume",
                "open_time",
                "close_time",
                "net_result",
            ]
        ]
        for day, equity in points.get(self.id, []):
            rows.append(
                [
                    "equity",
                    day.isoformat(),
                    f"{equity:.2f}",
                    f"{flows[self.id].get(day, 0.0):.2f}",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
        trades = (
            self.env["fx.trade"]
            .sudo()
            .search_fetch(
                [("account_id", "in", self.account_ids.ids), ("state", "=", "closed")],
                [
                    "ticket",
                    "symbol",
                    "side",
                    "volume",
                    "open_time",
                    "close_time",
                    "profit",
                    "commission",
                    "swap",
                ],
                order="close_time, id",
            )
        )
        for trade in trades:
            net = trade.profit + trade.commission + trade.swap
            rows.append(
                [
                    "trade",
                    "",
                    "",
                    "",
                    trade.ticket,
                    trade.symbol,
                    trade.side,
                    f"{trade.volume:.2f}",
                    fields.Datetime.to_string(trade.open_time),
                    fields.Datetime.to_string(trade.close_time),
                    f"{net:.2f}",
                ]
            )
        return rows

    def _fx_posts(self, limit=20):
        """The provider's and staff's posts on the strategy (chatter comments),
        newest first, shown to the followers."""
        self.ensure_one()
        comment = self.env.ref("mail.mt_comment")
        return (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", self._name),
                    ("res_id", "=", self.id),
                    ("message_type", "=", "comment"),
                    ("subtype_id", "=", comment.id),
                ],
                limit=limit,
            )
        )

    def _fx_equity_curve(self, limit_days=365):
        """[(date, growth index)] of the last ``limit_days`` days for the
        chart."""
        self.ensure_one()
        points, flows = self._fx_series()
        series = points.get(self.id, [])
        if series:
            start = series[-1][0] - timedelta(days=limit_days)
            series = [p for p in series if p[0] >= start]
        return lib_stats.growth_index(series, flows.get(self.id, {}))
