"""IB commissions on a worked example (docs/REFERRALS.md#ib-commissions):
three tiers, per-lot override and revenue-share split, rounding to the cent,
an identical recompute, statements and payouts."""

import xmlrpc.client
from datetime import date

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, freeze_time, new_test_user, tagged
from odoo.tests.common import Transport

from .common import T0


@tagged("post_install", "-at_install")
@freeze_time(T0)
class TestIbCommissions(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        env = cls.env
        env["fx.ib.rule"].search([]).unlink()
        cls.forex = env["fx.ib.rule"].create(
            {
                "name": "Forex",
                "asset_class": "forex",
                "basis": "per_lot",
                "mode": "override",
                "tier_ids": [
                    (0, 0, {"tier": 1, "rate": 5}),
                    (0, 0, {"tier": 2, "rate": 2}),
                    (0, 0, {"tier": 3, "rate": 0.333}),
                ],
            }
        )
        cls.rest = env["fx.ib.rule"].create(
            {
                "name": "Rest",
                "basis": "revenue_share",
                "mode": "split",
                "pool_rate": 30,
                "sequence": 20,
                "tier_ids": [
                    (0, 0, {"tier": 1, "rate": 50}),
                    (0, 0, {"tier": 2, "rate": 30}),
                    (0, 0, {"tier": 3, "rate": 20}),
                ],
            }
        )
        Partner = env["res.partner"]
        cls.ib4 = Partner.create(
            {"name": "IB Four", "fx_is_trader": True, "fx_is_ib": True}
        )
        cls.ib3 = Partner.create(
            {
                "name": "IB Three",
                "fx_is_trader": True,
                "fx_is_ib": True,
                "fx_referrer_id": cls.ib4.id,
            }
        )
        cls.ib2 = Partner.create(
            {
                "name": "IB Two",
                "fx_is_trader": True,
                "fx_is_ib": True,
                "fx_referrer_id": cls.ib3.id,
            }
        )
        cls.ib1 = Partner.create(
            {
                "name": "IB One",
                "fx_is_trader": True,
                "fx_is_ib": True,
                "fx_referrer_id": cls.ib2.id,
            }
        )
        cls.trader = Partner.create(
            {
                "name": "Tom",
                "fx_is_trader": True,
                "fx_client_ref": "IB-T",
                "fx_referrer_id": cls.ib1.id,
            }
        )
        bridge = new_test_user(
            env,
            login="ib_bridge",
            password="ib_bridge_pw",
            groups="base.group_user,fx_engagement.group_fx_integration",
        )
        cls.bridge = bridge
        sync = env["fx.sync"].with_user(bridge)
        account = {
            "platform": "mt5",
            "server": "Live01",
            "client_ref": "IB-T",
            "currency": "USD",
            "opened_at": "2026-01-01T00:00:00Z",
        }
        sync.push_accounts(
            [
                {**account, "login": "9001", "type": "live"},
                {**account, "login": "9002", "type": "demo"},
            ]
        )

        def trade(ticket, symbol, volume, close, login="9001", **kw):
            return {
                "platform": "mt5",
                "server": "Live01",
                "login": login,
                "ticket": ticket,
                "symbol": symbol,
                "side": "buy",
                "volume": volume,
                "open_time": "2026-10-30T09:00:00Z",
                "close_time": close,
                "open_price": 1.1,
                "close_price": 1.2,
                "commission": -7,
                **kw,
            }

        sync.push_trades(
            [
                trade("1", "EURUSD", 1.37, "2026-11-02T10:00:00Z"),
                trade("2", "XAUUSD", 0.5, "2026-11-03T10:00:00Z", broker_revenue=12.35),
                trade("3", "GBPUSD", 2, "2026-11-09T23:59:59Z"),
                trade("4", "EURUSD", 9, "2026-10-31T23:59:59Z"),  # before the period
                {**trade("5", "EURUSD", 9, None)},  # still open
                trade("6", "EURUSD", 9, "2026-11-04T10:00:00Z", login="9002"),  # demo
            ]
        )
        cls.Statement = env["fx.ib.statement"]
        cls.period = (date(2026, 11, 1), date(2026, 11, 30))

    def lines(self):
        return sorted(
            (
                line.ib_id.name,
                line.trade_id.ticket,
                line.rule_id.name,
                line.tier,
                line.amount,
            )
            for line in self.env["fx.ib.commission"].search([])
        )

    def test_worked_example_and_identical_recompute(self):
        result = self.Statement._fx_compute_period(*self.period)
        self.assertEqual(result, {"lines": 9, "statements": 3, "total": 28.42})
        expected = [
            ("IB One", "1", "Forex", 1, 6.85),  # 1.37 lots x 5.00
            ("IB One", "2", "Rest", 1, 1.85),  # 12.35 x 30 % x 50 % = 1.8525
            ("IB One", "3", "Forex", 1, 10.0),  # 2 lots x 5.00
            ("IB Three", "1", "Forex", 3, 0.46),  # 1.37 x 0.333 = 0.45621
            ("IB Three", "2", "Rest", 3, 0.74),  # 12.35 x 30 % x 20 % = 0.741
            ("IB Three", "3", "Forex", 3, 0.67),  # 2 x 0.333 = 0.666
            ("IB Two", "1", "Forex", 2, 2.74),  # 1.37 x 2.00
            ("IB Two", "2", "Rest", 2, 1.11),  # 12.35 x 30 % x 30 % = 1.1115
            ("IB Two", "3", "Forex", 2, 4.0),  # 2 x 2.00
        ]
        self.assertEqual(self.lines(), expected)
        statements = {
            s.ib_id.name: (s.total, s.line_count, s.state)
            for s in self.Statement.search([])
        }
        self.assertEqual(
            statements,
            {
                "IB One": (18.7, 3, "draft"),
                "IB Two": (7.85, 3, "draft"),
                "IB Three": (1.87, 3, "draft"),
            },
        )
        # recomputed: identical lines
        self.Statement._fx_compute_period(*self.period)
        self.assertEqual(self.lines(), expected)
        # a confirmed statement is kept as it is; the drafts are rebuilt
        one = self.Statement.search([("ib_id", "=", self.ib1.id)])
        one.action_fx_confirm()
        self.forex.tier_ids.filtered(lambda t: t.tier == 2).rate = 3
        result = self.Statement._fx_compute_period(*self.period)
        self.assertEqual((result["lines"], result["statements"]), (6, 2))
        self.assertEqual(one.exists().total, 18.7)
        two = self.Statement.search([("ib_id", "=", self.ib2.id)])
        self.assertEqual(two.total, 4.11 + 1.11 + 6.0)

    def test_non_ib_in_the_chain_earns_nothing(self):
        self.ib2.fx_is_ib = False
        self.Statement._fx_compute_period(*self.period)
        self.assertEqual({line[0] for line in self.lines()}, {"IB One", "IB Three"})
        with self.assertRaises(ValidationError):
            self.Statement._fx_compute_period(date(2026, 11, 30), date(2026, 11, 1))

    def test_split_shares_over_100_percent_refused(self):
        with self.assertRaises(ValidationError):
            self.rest.tier_ids.filtered(lambda t: t.tier == 1).rate = 60

    def test_payout_pull_and_ack_and_portal_access(self):
        self.Statement._fx_compute_period(*self.period)
        one = self.Statement.search([("ib_id", "=", self.ib1.id)])
        two = self.Statement.search([("ib_id", "=", self.ib2.id)])
        (one | two).action_fx_confirm()
        proxy = xmlrpc.client.ServerProxy(
            self.xmlrpc_url + "object", transport=Transport(self.cr), allow_none=True
        )

        def call(login, password, model, method, *args):
            uid = self.env["res.users"].search([("login", "=", login)]).id
            return proxy.execute_kw(
                self.env.cr.dbname, uid, password, model, method, list(args)
            )

        pulled = call(
            "ib_bridge", "ib_bridge_pw", "fx.referral.api", "pull_ib_payouts", 10
        )
        self.assertEqual(
            [(p["id"], p["amount"], p["lines"]) for p in pulled],
            sorted([(one.id, 18.7, 3), (two.id, 7.85, 3)]),
        )
        call(
            "ib_bridge",
            "ib_bridge_pw",
            "fx.referral.api",
            "ack_ib_payouts",
            [{"id": one.id, "status": "paid", "ref": "PAY-1"}],
        )
        one.invalidate_recordset()
        self.assertEqual((one.state, one.payout_ref), ("paid", "PAY-1"))
        # the IB reads their own statements and lines, not another IB's
        new_test_user(
            self.env,
            login="ib_one",
            password="ib_one_pw",
            groups="base.group_portal",
            partner_id=self.ib1.id,
        )
        mine = call(
            "ib_one", "ib_one_pw", "fx.ib.statement", "search_read", [], ["total"]
        )
        self.assertEqual(mine, [{"id": one.id, "total": 18.7}])
        lines = call("ib_one", "ib_one_pw", "fx.ib.commission", "search_count", [])
        self.assertEqual(lines, 3)
        with self.assertRaises(xmlrpc.client.Fault) as denied:
            call("ib_one", "ib_one_pw", "fx.ib.statement", "read", [two.id], ["total"])
        self.assertIn("doesn't have 'read' access", denied.exception.faultString)

    def test_compute_wizard_for_managers_only(self):
        manager = new_test_user(
            self.env,
            login="ib_manager",
            groups="base.group_user,fx_referrals.group_fx_referral_manager",
        )
        user = new_test_user(
            self.env,
            login="ib_user",
            groups="base.group_user,fx_referrals.group_fx_referral_user",
        )
        dates = {"date_from": "2026-11-01", "date_to": "2026-11-30"}
        with self.assertRaises(AccessError):
            self.env["fx.ib.compute"].with_user(user).create(dates)
        wizard = self.env["fx.ib.compute"].with_user(manager).create(dates)
        action = wizard.action_compute()
        self.assertEqual(
            sorted(self.Statement.search(action["domain"]).mapped("total")),
            [1.87, 7.85, 18.7],
        )
