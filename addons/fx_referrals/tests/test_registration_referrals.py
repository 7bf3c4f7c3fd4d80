"""Registrations pushed over XML-RPC with a referral code set *Referred By*
(docs/METRICS.md#referral-at-registration); fx_engagement only calls the hook."""

import logging
import xmlrpc.client

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import Transport

LOGGER = "odoo.addons.fx_referrals.models.fx_sync"
# levels as numbers: Odoo names its level 25 "INFO" too, so "INFO" means 25


@tagged("post_install", "-at_install")
class TestReferralAtRegistration(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.bridge = new_test_user(
            cls.env,
            login="ref_bridge",
            password="ref_bridge_pw",
            groups="base.group_user,fx_engagement.group_fx_integration",
        )
        Partner = cls.env["res.partner"]
        cls.alice, cls.bob, cls.carol = Partner.create(
            [
                {"name": "Alice", "fx_is_trader": True, "fx_client_ref": "REF-A"},
                {"name": "Bob", "fx_is_trader": True, "fx_client_ref": "REF-B"},
                {"name": "Carol", "fx_is_trader": True, "fx_client_ref": "REF-C"},
            ]
        )
        cls.alice.fx_referral_code = "TSTALICE"
        cls.bob.fx_referral_code = "TSTBOB23"
        cls.carol.fx_referral_code = "TSTCAROL"

    def push_events(self, events):
        proxy = xmlrpc.client.ServerProxy(
            self.xmlrpc_url + "object", transport=Transport(self.cr), allow_none=True
        )
        return proxy.execute_kw(
            self.env.cr.dbname,
            self.bridge.id,
            "ref_bridge_pw",
            "fx.sync",
            "push_events",
            [events],
        )

    @staticmethod
    def registration(client_ref, code=None, at="2026-11-01T08:00:00Z"):
        event = {"type": "registration", "at": at, "client_ref": client_ref}
        if code is not None:
            event["referral_code"] = code
        return event

    def partner(self, client_ref):
        return self.env["res.partner"].search([("fx_client_ref", "=", client_ref)])

    def event(self, client_ref):
        return self.env["fx.client.event"].search(
            [("partner_id.fx_client_ref", "=", client_ref)]
        )

    def test_code_sets_referred_by_unknown_code_is_kept_only(self):
        batch = [
            self.registration("NEW-1", "TSTALICE"),
            self.registration("NEW-2", " tstalice "),  # as typed: trimmed, any case
            self.registration("NEW-3", "NOSUCH99"),
            self.registration("NEW-4"),
        ]
        with self.assertLogs(LOGGER, logging.INFO) as logs:
            result = self.push_events(batch)
        self.assertEqual(result, {"created": 4, "updated": 0, "unchanged": 0})
        self.assertEqual(self.partner("NEW-1").fx_referrer_id, self.alice)
        self.assertEqual(self.partner("NEW-2").fx_referrer_id, self.alice)
        self.assertFalse(self.partner("NEW-3").fx_referrer_id)
        self.assertFalse(self.partner("NEW-4").fx_referrer_id)
        self.assertEqual(self.alice.fx_referral_count, 2)
        self.assertIn("1 unknown referral code(s)", logs.output[0])
        self.assertIn("NOSUCH99", logs.output[0])
        # the code sent is kept on the event, known or not
        self.assertEqual(self.event("NEW-1").referral_code, "TSTALICE")
        self.assertEqual(self.event("NEW-3").referral_code, "NOSUCH99")
        self.assertFalse(self.event("NEW-4").referral_code)
        # re-sent: unchanged; another code later does not replace the referrer
        self.assertEqual(
            self.push_events(batch), {"created": 0, "updated": 0, "unchanged": 4}
        )
        self.assertEqual(
            self.push_events([self.registration("NEW-1", "TSTBOB23")]),
            {"created": 0, "updated": 1, "unchanged": 0},
        )
        self.assertEqual(self.event("NEW-1").referral_code, "TSTBOB23")
        self.assertEqual(self.partner("NEW-1").fx_referrer_id, self.alice)

    def test_refused_referrals_are_skipped_not_the_push(self):
        # Bob was referred by Carol: Carol registering with Bob's code would
        # close a circle; Dave, in the same batch with the same code, is fine
        self.bob.fx_referrer_id = self.carol
        with self.assertLogs(LOGGER, logging.WARNING) as logs:
            result = self.push_events(
                [
                    self.registration("REF-A", "TSTALICE"),  # her own code
                    self.registration("REF-C", "TSTBOB23"),
                    self.registration("NEW-D", "TSTBOB23"),
                ]
            )
        self.assertEqual(result, {"created": 3, "updated": 0, "unchanged": 0})
        self.assertFalse(self.alice.fx_referrer_id)
        self.assertFalse(self.carol.fx_referrer_id)
        self.assertEqual(self.bob.fx_referrer_id, self.carol)
        self.assertEqual(self.partner("NEW-D").fx_referrer_id, self.bob)
        self.assertEqual(len(logs.output), 2)
        self.assertIn("Alice registered with their own referral code", logs.output[0])
        self.assertIn("Referred By of Carol not set to Bob", logs.output[1])
        self.assertIn("Circular referral", logs.output[1])
        # the registrations are recorded all the same
        self.assertEqual(self.alice.fx_stage, "registered")
        self.assertEqual(self.carol.fx_stage, "registered")

    def test_code_of_another_company_is_unknown(self):
        other = self.env["res.company"].create({"name": "Other Referral Broker"})
        self.env["res.partner"].create(
            {
                "name": "Foreign IB",
                "company_id": other.id,
                "fx_referral_code": "TSTFORGN",
            }
        )
        with self.assertLogs(LOGGER, logging.INFO):
            self.push_events([self.registration("NEW-5", "TSTFORGN")])
        self.assertFalse(self.partner("NEW-5").fx_referrer_id)
