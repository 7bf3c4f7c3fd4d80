"""Rewards: a trader's request, a manager's approval (compliance first, the
points spent), the platform bridge's pull and acknowledgement over XML-RPC
(docs/REFERRALS.md#rewards)."""

import xmlrpc.client

from odoo.exceptions import UserError
from odoo.tests import HttpCase, freeze_time, new_test_user, tagged
from odoo.tests.common import Transport

from .common import T0


@tagged("post_install", "-at_install")
@freeze_time(T0)
class TestRewardsBridge(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.programme = cls.env.ref("fx_referrals.fx_referral_programme_default")
        cls.env["fx.referral.level"].search([]).unlink()
        cls.bridge = new_test_user(
            cls.env,
            login="rw_bridge",
            password="rw_bridge_pw",
            groups="base.group_user,fx_engagement.group_fx_integration",
        )
        cls.manager = new_test_user(
            cls.env,
            login="rw_manager",
            groups="base.group_user,fx_referrals.group_fx_referral_manager",
        )
        Partner = cls.env["res.partner"]
        cls.alice, cls.carl = Partner.create(
            [
                {"name": "Alice", "fx_is_trader": True, "fx_client_ref": "RW-A"},
                {
                    "name": "Carl",
                    "fx_is_trader": True,
                    "fx_client_ref": "RW-C",
                    # a retail client under ESMA: no incentives (compliance)
                    "fx_rule_set_id": cls.env.ref("fx_engagement.rule_set_esma").id,
                    "fx_client_category": "retail",
                },
            ]
        )
        cls.portal = new_test_user(
            cls.env,
            login="rw_alice",
            password="rw_alice_pw",
            groups="base.group_portal",
            partner_id=cls.alice.id,
        )
        for partner in (cls.alice, cls.carl):
            cls.env["fx.points.entry"].with_user(cls.manager).create(
                {
                    "partner_id": partner.id,
                    "programme_id": cls.programme.id,
                    "points": 600,
                    "reason": "Seed",
                }
            )
        cls.reward = cls.env["fx.reward"].create(
            {
                "name": "USD 50 credit",
                "programme_id": cls.programme.id,
                "points_cost": 500,
                "amount": 50,
                "kind": "bonus_credit",
            }
        )
        cls.Redemption = cls.env["fx.reward.redemption"]

    def rpc(self, login, password, method, *args):
        proxy = xmlrpc.client.ServerProxy(
            self.xmlrpc_url + "object", transport=Transport(self.cr), allow_none=True
        )
        uid = self.env["res.users"].search([("login", "=", login)]).id
        return proxy.execute_kw(
            self.env.cr.dbname, uid, password, "fx.referral.api", method, list(args)
        )

    def test_request_approve_pull_ack(self):
        request = self.Redemption._fx_request(self.alice, self.reward)
        self.assertEqual(
            (request.state, request.points, request.amount), ("requested", 500, 50)
        )
        with self.assertRaises(UserError):  # 600 spendable
            self.Redemption._fx_request(
                self.alice, self.reward.copy({"points_cost": 601})
            )
        with self.assertRaises(UserError):  # the integration is no referral manager
            request.with_user(self.bridge).action_fx_approve()
        request.with_user(self.manager).action_fx_approve()
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.approver_id, self.manager)
        self.assertEqual(
            (
                request.entry_id.kind,
                request.entry_id.points,
                request.entry_id.vested_points,
            ),
            ("spent", -500, -500),
        )
        self.assertEqual(
            (self.alice.fx_points_balance, self.alice.fx_points_vested), (100, 100)
        )
        # a second approval cannot spend what is gone
        second = self.Redemption.create(
            {"partner_id": self.alice.id, "reward_id": self.reward.id, "points": 500}
        )
        with self.assertRaises(UserError):
            second.with_user(self.manager).action_fx_approve()
        self.assertEqual(second.state, "requested")

        pulled = self.rpc("rw_bridge", "rw_bridge_pw", "pull_bonus_requests", 10)
        self.assertEqual(
            pulled,
            [
                {
                    "id": request.id,
                    "client_ref": "RW-A",
                    "kind": "bonus_credit",
                    "amount": 50.0,
                    "currency": "USD",
                    "points": 500,
                    "reward": "USD 50 credit",
                }
            ],
        )
        with self.assertRaises(xmlrpc.client.Fault) as refused:
            self.rpc("rw_alice", "rw_alice_pw", "pull_bonus_requests", 10)
        self.assertIn("FX Integration", refused.exception.faultString)
        with self.assertRaises(xmlrpc.client.Fault) as bad:
            self.rpc(
                "rw_bridge",
                "rw_bridge_pw",
                "ack_bonus_requests",
                [
                    {"id": request.id, "status": "executed", "ref": "B-1"},
                    {"id": request.id + 999, "status": "done"},
                ],
            )
        self.assertIn("nothing was written", bad.exception.faultString)
        self.assertIn("record 1, field 'status'", bad.exception.faultString)
        self.assertEqual(request.state, "approved")
        result = self.rpc(
            "rw_bridge",
            "rw_bridge_pw",
            "ack_bonus_requests",
            [{"id": request.id, "status": "executed", "ref": "B-1"}],
        )
        self.assertEqual(result, {"acknowledged": 1})
        request.invalidate_recordset()
        self.assertEqual((request.state, request.bridge_ref), ("executed", "B-1"))
        self.assertEqual(
            self.rpc("rw_bridge", "rw_bridge_pw", "pull_bonus_requests", 10), []
        )
        with self.assertRaises(xmlrpc.client.Fault):  # acknowledged once
            self.rpc(
                "rw_bridge",
                "rw_bridge_pw",
                "ack_bonus_requests",
                [{"id": request.id, "status": "executed"}],
            )

    def test_platform_rejection_gives_the_points_back(self):
        request = self.Redemption._fx_request(self.alice, self.reward)
        request.with_user(self.manager).action_fx_approve()
        self.rpc(
            "rw_bridge",
            "rw_bridge_pw",
            "ack_bonus_requests",
            [{"id": request.id, "status": "rejected", "message": "Account closed"}],
        )
        request.invalidate_recordset()
        self.assertEqual((request.state, request.reason), ("failed", "Account closed"))
        back = self.env["fx.points.entry"].search(
            [("partner_id", "=", self.alice.id), ("kind", "=", "reversed")]
        )
        self.assertEqual(
            (back.points, back.vested_points, back.origin_entry_id),
            (500, 500, request.entry_id),
        )
        self.alice.invalidate_recordset()
        self.assertEqual(self.alice.fx_points_vested, 600)

    def test_compliance_blocks_and_records(self):
        request = self.Redemption._fx_request(self.carl, self.reward)
        request.with_user(self.manager).action_fx_approve()
        self.assertEqual(
            (request.state, request.reason),
            ("blocked", "Blocked by the incentive rules"),
        )
        self.assertFalse(request.entry_id)
        self.assertEqual(self.carl.fx_points_vested, 600)
        self.assertEqual(
            self.rpc("rw_bridge", "rw_bridge_pw", "pull_bonus_requests", 10), []
        )

    def test_refuse_needs_a_reason(self):
        request = self.Redemption._fx_request(self.alice, self.reward)
        with self.assertRaises(UserError):
            request.with_user(self.manager).action_fx_refuse(" ")
        request.with_user(self.manager).action_fx_refuse("Duplicate")
        self.assertEqual((request.state, request.reason), ("refused", "Duplicate"))
