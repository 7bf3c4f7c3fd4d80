"""The copy engine through the real sync API and the bridge API: sizing,
rounding, minimum / maximum lot, idempotent re-sends, closes, the bridge
round trip with acknowledgement and rejection, equity stops."""

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

from .common import SocialCase


@freeze_time("2026-03-02 12:00:00")
@tagged("post_install", "-at_install")
class TestCopyEngine(SocialCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Fred: proportional (2,345 / 50,000 of the provider's volume), capped at 0.3
        cls.fred_sub = cls.start_copy(cls.fred, "3001", max_lot=0.3)
        # Gina: fixed ratio 0.35, equity stop at 20 % below her 10,000
        cls.gina_sub = cls.start_copy(
            cls.gina,
            "3002",
            sizing_mode="fixed_ratio",
            ratio=0.35,
            allocation=10000,
            equity_stop_pct=20,
        )
        # Hugo: fixed lot 0.05 on an instrument whose minimum lot is 0.1
        cls.hugo_sub = cls.start_copy(
            cls.hugo, "3003", sizing_mode="fixed_lot", fixed_lot=0.05
        )
        cls.env["fx.instrument"]._fx_ids_by_symbol(["XAUUSD", "EURUSD"])
        cls.env["fx.instrument"].search([("name", "=", "XAUUSD")]).write(
            {"fx_lot_step": 0.01, "fx_min_lot": 0.1}
        )
        cls.bridge = cls.env["fx.copy.bridge"].with_user(cls.integration)

    def orders(self, **domain):
        return self.env["fx.copy.order"].search(
            [(k, "=", v) for k, v in domain.items()], order="subscription_id"
        )

    def push_open(self, ticket="T1", symbol="XAUUSD", volume=1.0, **kw):
        return self.sync.push_trades(
            [
                self.trade(
                    ticket,
                    "2026-03-02T10:00:00Z",
                    login="2001",
                    symbol=symbol,
                    volume=volume,
                    **kw,
                )
            ]
        )

    def test_open_fans_out_with_each_sizing_mode(self):
        self.push_open(volume=1.0)
        orders = self.orders(action="open")
        got = {
            o.subscription_id: (o.volume, o.state, o.reason, o.capped) for o in orders
        }
        # Fred: 1.0 x 2,345 / 50,000 = 0.0469 -> 0.05; below XAUUSD's 0.1 minimum
        self.assertEqual(got[self.fred_sub][:2], (0.0, "skipped"))
        self.assertEqual(
            got[self.fred_sub][2],
            "volume 0.0469 rounds to 0.05, below the minimum lot 0.10",
        )
        # Gina: 1.0 x 0.35 = 0.35
        self.assertEqual(got[self.gina_sub], (0.35, "pending", False, False))
        # Hugo: fixed 0.05, below 0.1
        self.assertEqual(got[self.hugo_sub][:2], (0.0, "skipped"))
        self.assertEqual(len(orders), 3)
        # on EURUSD (minimum 0.01): Fred 4.0 x 0.0469 = 0.1876 -> 0.19, Hugo 0.05
        self.push_open("T2", symbol="EURUSD", volume=4.0)
        eur = {o.subscription_id: o.volume for o in self.orders(provider_ticket="T2")}
        self.assertEqual(
            eur, {self.fred_sub: 0.19, self.gina_sub: 1.4, self.hugo_sub: 0.05}
        )

    def test_maximum_lot_caps(self):
        # Fred: 10 lots x 0.0469 = 0.469 -> 0.47, capped at 0.3
        self.push_open("T3", symbol="EURUSD", volume=10.0)
        order = self.orders(provider_ticket="T3", subscription_id=self.fred_sub.id)
        self.assertEqual(
            (order.volume, order.capped, order.state), (0.3, True, "pending")
        )
        self.assertAlmostEqual(order.raw_volume, 0.469, places=9)

    def test_resent_trade_creates_no_second_order(self):
        self.push_open(volume=1.0)
        self.push_open(volume=1.0)  # the same batch again
        self.push_open(volume=1.0, comment="edited")  # an update of the trade
        self.assertEqual(len(self.orders(action="open")), 3)

    def test_only_published_strategies_and_active_copies(self):
        self.hugo_sub.action_pause()
        self.push_open(volume=1.0)
        self.assertFalse(self.orders(subscription_id=self.hugo_sub.id))
        self.strategy.suspend_reason = "Under review"
        self.strategy.action_suspend()
        self.push_open("T9", volume=1.0)
        self.assertFalse(self.orders(provider_ticket="T9"))
        # the suspension paused the active copies, with the reason in the history
        self.assertEqual(self.gina_sub.state, "paused")
        self.assertEqual(
            self.gina_sub.history_ids[0].reason, "Strategy suspended: Under review"
        )

    def test_bridge_round_trip_and_close(self):
        self.push_open(volume=1.0)
        pulled = self.bridge.pull_orders()
        self.assertEqual(len(pulled), 1)  # Gina's; the skipped ones are not sent
        order = pulled[0]
        self.assertEqual(
            {
                k: order[k]
                for k in (
                    "action",
                    "login",
                    "symbol",
                    "side",
                    "volume",
                    "provider_ticket",
                )
            },
            {
                "action": "open",
                "login": "3002",
                "symbol": "XAUUSD",
                "side": "buy",
                "volume": 0.35,
                "provider_ticket": "T1",
            },
        )
        # pulled again until acknowledged
        self.assertEqual(self.bridge.pull_orders(), pulled)
        result = self.bridge.ack_orders(
            [
                {
                    "id": order["id"],
                    "status": "executed",
                    "price": 2350.5,
                    "ticket": "F-1",
                }
            ]
        )
        self.assertEqual(result, {"executed": 1, "rejected": 0, "unchanged": 0})
        # a re-sent acknowledgement changes nothing
        result = self.bridge.ack_orders(
            [
                {
                    "id": order["id"],
                    "status": "executed",
                    "price": 2350.5,
                    "ticket": "F-1",
                }
            ]
        )
        self.assertEqual(result, {"executed": 0, "rejected": 0, "unchanged": 1})
        self.assertEqual(self.bridge.pull_orders(), [])
        # the provider closes: the close follows the open (same volume, only
        # where an order was opened)
        self.sync.push_trades(
            [
                self.trade(
                    "T1",
                    "2026-03-02T10:00:00Z",
                    login="2001",
                    symbol="XAUUSD",
                    volume=1.0,
                    close_time="2026-03-02T11:00:00Z",
                    close_price=2360,
                    profit=35,
                )
            ]
        )
        closes = self.bridge.pull_orders()
        self.assertEqual(len(closes), 1)
        self.assertEqual(
            {
                k: closes[0][k]
                for k in ("action", "login", "volume", "open_order_id", "open_ticket")
            },
            {
                "action": "close",
                "login": "3002",
                "volume": 0.35,
                "open_order_id": order["id"],
                "open_ticket": "F-1",
            },
        )
        self.bridge.ack_orders(
            [{"id": closes[0]["id"], "status": "rejected", "reason": "Market closed"}]
        )
        close = self.env["fx.copy.order"].browse(closes[0]["id"])
        self.assertEqual((close.state, close.reason), ("rejected", "Market closed"))
        # the close re-sent: no second close
        self.sync.push_trades(
            [
                self.trade(
                    "T1",
                    "2026-03-02T10:00:00Z",
                    login="2001",
                    symbol="XAUUSD",
                    volume=1.0,
                    close_time="2026-03-02T11:00:00Z",
                    close_price=2360,
                    profit=35,
                )
            ]
        )
        self.assertEqual(len(self.orders(action="close")), 1)

    def test_rejected_open_cancels_its_close(self):
        self.push_open(volume=1.0)
        self.sync.push_trades(
            [
                self.trade(
                    "T1",
                    "2026-03-02T10:00:00Z",
                    login="2001",
                    symbol="XAUUSD",
                    volume=1.0,
                    close_time="2026-03-02T10:30:00Z",
                )
            ]
        )
        opened, closed = self.bridge.pull_orders()
        self.assertEqual((opened["action"], closed["action"]), ("open", "close"))
        self.bridge.ack_orders(
            [{"id": opened["id"], "status": "rejected", "reason": "No margin"}]
        )
        close = self.env["fx.copy.order"].browse(closed["id"])
        self.assertEqual(
            (close.state, close.reason), ("cancelled", "Opening order rejected")
        )
        self.assertEqual(self.bridge.pull_orders(), [])

    def test_bad_acknowledgements_write_nothing(self):
        self.push_open(volume=1.0)
        self.push_open("T2", symbol="EURUSD", volume=1.0)
        first, second = self.bridge.pull_orders()[:2]
        bad_batches = [
            (
                [
                    {
                        "id": first["id"],
                        "status": "executed",
                        "price": 1.0,
                        "ticket": "A",
                    },
                    {"id": 999999, "status": "executed", "price": 1.0, "ticket": "B"},
                ],
                "[1] id: unknown copy order 999999",
            ),
            (
                [{"id": first["id"], "status": "executed", "price": 0, "ticket": "A"}],
                "[0] price: a positive number is required",
            ),
            (
                [{"id": first["id"], "status": "executed", "price": 1.5}],
                "[0] ticket: the follower's ticket is required",
            ),
            (
                [{"id": first["id"], "status": "rejected"}],
                "[0] reason: why the copy order was rejected is required",
            ),
            (
                [{"id": first["id"], "status": "done"}],
                "[0] status: 'executed' or 'rejected'",
            ),
            (
                [
                    {"id": first["id"], "status": "rejected", "reason": "x"},
                    {"id": first["id"], "status": "rejected", "reason": "x"},
                ],
                "twice in the batch",
            ),
            ([], "a non-empty list"),
            (["x"], "[0]: a record (a dict) is required"),
        ]
        for batch, message in bad_batches:
            with (
                self.subTest(message=message),
                self.assertRaises(ValidationError) as cm,
            ):
                self.bridge.ack_orders(batch)
            self.assertIn("refused, nothing was written", str(cm.exception))
            self.assertIn(message, str(cm.exception))
        states = (
            self.env["fx.copy.order"]
            .browse([first["id"], second["id"]])
            .mapped("state")
        )
        self.assertEqual(states, ["pending", "pending"])
        # an executed order cannot be rejected afterwards
        self.bridge.ack_orders(
            [{"id": first["id"], "status": "executed", "price": 2, "ticket": "A"}]
        )
        with self.assertRaisesRegex(ValidationError, "is executed already"):
            self.bridge.ack_orders(
                [{"id": first["id"], "status": "rejected", "reason": "late"}]
            )
        with self.assertRaisesRegex(ValidationError, "limit: a whole number"):
            self.bridge.pull_orders(0)

    def test_bridge_is_for_the_integration_only(self):
        user = new_test_user(
            self.env,
            login="social_clerk",
            groups="fx_social_trading.group_fx_social_user",
        )
        with self.assertRaisesRegex(AccessError, "FX Integration"):
            self.env["fx.copy.bridge"].with_user(user).pull_orders()

    def test_equity_stop_checked_as_equity_points_arrive(self):
        self.push_open(volume=1.0)
        # Gina's stop: 10,000 x (1 - 20 %) = 8,000; 8,000.00 is not below it
        self.sync.push_equity(
            [{**self.keys("3002"), "date": "2026-03-02", "equity": 8000}]
        )
        self.assertEqual(self.gina_sub.state, "active")
        self.sync.push_equity(
            [{**self.keys("3002"), "date": "2026-03-02", "equity": 7999.99}]
        )
        self.assertEqual(self.gina_sub.state, "stopped")
        self.assertEqual(
            self.gina_sub.stop_reason,
            "Equity stop: equity 7999.99 below 8000.00 (20.0% under the allocation)",
        )
        self.assertEqual(self.gina_sub.history_ids[0].state, "stopped")
        # her pending open order is cancelled, nothing else is queued for her
        order = self.orders(subscription_id=self.gina_sub.id)
        self.assertEqual(
            (order.state, order.reason), ("cancelled", "Subscription stopped")
        )
        self.push_open("T5", symbol="EURUSD", volume=1.0)
        self.assertFalse(
            self.orders(provider_ticket="T5", subscription_id=self.gina_sub.id)
        )

    def test_stop_closes_the_executed_copies(self):
        self.push_open(volume=1.0)
        pulled = self.bridge.pull_orders()
        self.bridge.ack_orders(
            [
                {
                    "id": pulled[0]["id"],
                    "status": "executed",
                    "price": 2300,
                    "ticket": "G1",
                }
            ]
        )
        self.gina_sub.action_stop()
        close = self.bridge.pull_orders()
        self.assertEqual(len(close), 1)
        self.assertEqual((close[0]["action"], close[0]["open_ticket"]), ("close", "G1"))
        # when the provider closes later, no second close
        self.sync.push_trades(
            [
                self.trade(
                    "T1",
                    "2026-03-02T10:00:00Z",
                    login="2001",
                    symbol="XAUUSD",
                    volume=1.0,
                    close_time="2026-03-02T11:00:00Z",
                )
            ]
        )
        self.assertEqual(
            len(self.orders(action="close", subscription_id=self.gina_sub.id)), 1
        )


@freeze_time("2026-03-02 12:00:00")
@tagged("post_install", "-at_install")
class TestSubscriptionRules(SocialCase):
    def test_copy_rules(self):
        Sub = self.env["fx.copy.subscription"]
        with self.assertRaisesRegex(
            ValidationError, "is not an account of Fred Follower"
        ):
            Sub.create(
                {
                    "partner_id": self.fred.id,
                    "strategy_id": self.strategy.id,
                    "account_id": self.acc["3002"].id,
                    "allocation": 1000,
                }
            )
        with self.assertRaisesRegex(ValidationError, "needs a copy account"):
            Sub.create({"partner_id": self.fred.id, "strategy_id": self.strategy.id})
        sub = Sub.create(
            {
                "partner_id": self.fred.id,
                "strategy_id": self.strategy.id,
                "account_id": self.acc["3001"].id,
                "allocation": 400,
            }
        )
        with self.assertRaisesRegex(
            UserError, "400.00 is below the minimum investment 500.00"
        ):
            sub.action_activate()
        self.assertEqual(sub.state, "draft")
        sub.allocation = 500
        sub.action_activate()
        self.assertEqual(
            (sub.state, sub.high_water_mark, str(sub.start_date)),
            ("active", 500, "2026-03-02"),
        )
        # a second live copy of the same strategy by the same trader is refused
        twice = Sub.create(
            {
                "partner_id": self.fred.id,
                "strategy_id": self.strategy.id,
                "account_id": self.acc["3001"].id,
                "allocation": 500,
            }
        )
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            twice.action_activate()
            twice.flush_recordset()

    def test_unpublished_strategy_cannot_be_copied(self):
        self.strategy.action_reset_to_draft()
        sub = self.env["fx.copy.subscription"].create(
            {
                "partner_id": self.fred.id,
                "strategy_id": self.strategy.id,
                "kind": "follow",
            }
        )
        with self.assertRaisesRegex(UserError, "Gold Runner is not published"):
            sub.action_activate()

    def test_compliance_block_refuses_the_copy(self):
        # a licence whose rules forbid copy trading to retail clients, and Fred
        # classified retail under it (the real compliance rules of fx_engagement)
        strict = self.env["fx.compliance.rule.set"].create(
            {"name": "Strict", "code": "STRICT", "copy_trading_retail": False}
        )
        self.fred.write({"fx_rule_set_id": strict.id, "fx_client_category": "retail"})
        sub = self.env["fx.copy.subscription"].create(
            {
                "partner_id": self.fred.id,
                "strategy_id": self.strategy.id,
                "account_id": self.acc["3001"].id,
                "allocation": 1000,
            }
        )
        with self.assertRaisesRegex(UserError, "Fred Follower may not copy a strategy"):
            sub.action_activate()
        self.assertEqual(sub.state, "draft")
        self.assertFalse(sub.fee_ids)
        audit = self.env["fx.compliance.audit"].search(
            [("partner_id", "=", self.fred.id)]
        )
        self.assertEqual(
            audit.mapped("reason"),
            ["blocked by rule Strict v1: no copy trading for retail clients"],
        )

    def test_follow_without_points_addon(self):
        sub = self.env["fx.copy.subscription"].create(
            {
                "partner_id": self.fred.id,
                "strategy_id": self.strategy.id,
                "kind": "follow",
            }
        )
        sub.action_activate()
        self.assertEqual(sub.state, "active")
        self.assertIn(self.fred, self.strategy.message_partner_ids)
        if "fx.points.entry" in self.env:
            return
        # without fx_referrals' points nothing else happens and nothing fails
        self.assertFalse(sub.fee_ids)

    def test_follow_awards_points_with_referrals(self):
        if "fx.points.entry" not in self.env:
            self.skipTest("fx_referrals' points (fx.points.entry) are not installed")
        Entry = self.env["fx.points.entry"]
        before = Entry.search_count([("partner_id", "=", self.gina.id)])
        sub = self.env["fx.copy.subscription"].create(
            {
                "partner_id": self.gina.id,
                "strategy_id": self.strategy.id,
                "kind": "follow",
            }
        )
        sub.action_activate()
        # once per (partner, event, source): activating again awards nothing more
        sub.action_pause()
        sub.action_activate()
        after = Entry.search_count([("partner_id", "=", self.gina.id)])
        self.assertGreaterEqual(after, before)
        self.assertEqual(
            Entry._fx_award_event(self.gina, "strategy_followed", sub), Entry.browse()
        )

    def test_approval_and_suspension(self):
        strategy = self.env["fx.strategy.provider"].create(
            {"name": "Euro Swing", "partner_id": self.provider.id}
        )
        with self.assertRaisesRegex(UserError, "Describe strategy Euro Swing"):
            strategy.action_submit()
        strategy.description = "<p>Swing</p>"
        strategy.action_submit()
        self.assertEqual(strategy.state, "submitted")
        strategy.action_approve()
        self.assertEqual(
            (strategy.state, strategy.approved_by_id), ("published", self.env.user)
        )
        with self.assertRaisesRegex(
            UserError, "Write the reason for suspending strategy Euro Swing"
        ):
            strategy.action_suspend()
        strategy.suspend_reason = "Martingale detected"
        strategy.action_suspend()
        self.assertEqual(strategy.state, "suspended")
        self.assertIn("Martingale detected", strategy.message_ids[0].body)
        with self.assertRaisesRegex(
            ValidationError, "is not an account of the provider"
        ):
            strategy.account_ids = self.acc["3001"]
