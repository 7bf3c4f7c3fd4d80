"""Anti-fraud: each rule holds the referral (no points while held); a
manager approves (points awarded) or rejects (stage rejected), both recorded
(docs/REFERRALS.md#anti-fraud)."""

import logging

from odoo.tests import freeze_time

from .common import T0, ReferralCase


@freeze_time(T0)
class TestFraudRules(ReferralCase):
    def staff_referral(self, **vals):
        """A referee Alice brought, set by staff, its facts refreshed."""
        dan = self.env["res.partner"].create(
            {
                "name": "Dan Brown",
                "fx_is_trader": True,
                "fx_referrer_id": self.alice.id,
                **vals,
            }
        )
        dan._fx_recompute_facts()
        return dan, self.referral_of(dan)

    def assertHeld(self, referral, flags):
        self.assertEqual(referral.fraud_state, "held")
        self.assertEqual(referral.fraud_flags, flags)
        self.assertFalse(
            self.Entry.search(
                [("res_model", "=", "fx.referral"), ("res_id", "=", referral.id)]
            )
        )

    def test_clean_staff_referral_is_not_held(self):
        dan, referral = self.staff_referral(
            email="dan@ex.com", phone="+44 20 7946 0002"
        )
        self.assertEqual(referral.channel, "staff")
        self.assertEqual(referral.fraud_state, "none")
        self.assertEqual(
            self.ledger(self.alice), [("earned", 10, 0, "referral_registered")]
        )

    def test_same_email_any_case(self):
        _dan, referral = self.staff_referral(email=" ALICE@example.com")
        self.assertHeld(referral, "same_email")
        self.assertEqual(referral.fraud_reasons, "Same e-mail as the referrer")

    def test_same_phone_any_format(self):
        _dan, referral = self.staff_referral(phone="+44 (20) 7946-0001")
        self.assertHeld(referral, "same_phone")

    def test_same_kyc_identity(self):
        self.sync.push_events(
            [
                {
                    "type": "kyc",
                    "at": "2026-10-01T08:00:00Z",
                    "client_ref": "REF-A",
                    "kyc_status": "approved",
                    "kyc_identity": "doc-hash-1",
                },
            ]
        )
        bob = self.register("C2001", name="Bob Stone")
        self.sync.push_events(
            [
                {
                    "type": "kyc",
                    "at": "2026-11-02T08:00:00Z",
                    "client_ref": "C2001",
                    "kyc_status": "pending",
                    "kyc_identity": "doc-hash-1",
                },
            ]
        )
        referral = self.referral_of(bob)
        self.assertEqual(referral.fraud_state, "held")
        self.assertEqual(referral.fraud_flags, "same_kyc")
        # the registration's points were earned before the flag: they stay
        # until a manager decides; nothing more is earned while held
        self.sync.push_accounts([self.account("2001", client_ref="C2001")])
        self.sync.push_fundings(
            [self.funding("D1", 500, "2026-11-03T09:00:00Z", login="2001")]
        )
        self.assertEqual(referral.stage, "funded")
        registered = [
            ("earned", 20, 0, "kyc_completed"),
            ("earned", 10, 0, "referral_registered"),
        ]
        self.assertEqual(self.ledger(self.alice), registered)
        referral.with_user(self.manager).action_fx_reject("Same person")
        self.assertEqual(
            (referral.stage, referral.fraud_state), ("rejected", "rejected")
        )
        self.assertEqual(referral.fraud_review_note, "Same person")
        self.assertEqual(
            self.ledger(self.alice),
            [*registered, ("reversed", -10, 0, "referral_registered")],
        )

    def test_same_payment_method(self):
        self.sync.push_accounts([self.account("1001", client_ref="REF-A")])
        self.sync.push_fundings(
            [
                self.funding(
                    "DA",
                    100,
                    "2026-10-03T09:00:00Z",
                    login="1001",
                    method_fingerprint="card-77",
                )
            ]
        )
        bob = self.register("C2001", name="Bob Stone")
        self.sync.push_accounts([self.account("2001", client_ref="C2001")])
        self.sync.push_fundings(
            [
                self.funding(
                    "DB",
                    150,
                    "2026-11-03T09:00:00Z",
                    login="2001",
                    method_fingerprint="card-77",
                )
            ]
        )
        referral = self.referral_of(bob)
        self.assertEqual(
            (referral.stage, referral.fraud_state, referral.fraud_flags),
            ("funded", "held", "same_payment"),
        )
        # earned before the deposit showed the shared card
        self.assertEqual(
            self.ledger(self.alice), [("earned", 10, 0, "referral_registered")]
        )
        # approved: the points of the stages reached are awarded, once
        referral.with_user(self.manager).action_fx_approve()
        self.assertEqual(referral.fraud_state, "approved")
        self.assertEqual(referral.fraud_reviewer_id, self.manager)
        self.assertEqual(
            self.ledger(self.alice),
            [
                ("earned", 10, 0, "referral_registered"),
                ("earned", 50, 0, "referral_funded"),
            ],
        )
        # approved referrals are not checked again
        self.sync.push_fundings(
            [
                self.funding(
                    "DB2",
                    10,
                    "2026-11-04T09:00:00Z",
                    login="2001",
                    method_fingerprint="card-77",
                )
            ]
        )
        self.assertEqual(referral.fraud_state, "approved")

    def test_same_device_and_ip(self):
        self.sync.push_events(
            [
                {
                    "type": "login",
                    "at": "2026-10-01T08:00:00Z",
                    "client_ref": "REF-A",
                    "ip": "203.0.113.7",
                    "device_id": "dev-A",
                }
            ]
        )
        bob = self.register("C2001", name="Bob", ip="203.0.113.7")
        carl = self.register("C2002", name="Carl", device_id="dev-A", ip="198.51.100.1")
        self.assertEqual(self.referral_of(bob).fraud_flags, "same_ip")
        self.assertEqual(self.referral_of(carl).fraud_flags, "same_device")
        self.assertEqual(self.referral_of(carl).fraud_state, "held")

    def test_burst_from_one_device(self):
        self.register("C2001", name="Bob", device_id="dev-X", at="2026-11-01T08:00:00Z")
        self.register(
            "C2002", name="Carl", device_id="dev-X", at="2026-11-01T09:00:00Z"
        )
        second = self.referral_of(self.partner("C2002"))
        self.assertEqual(second.fraud_state, "none")  # 2 of the 3 allowed
        # the third within 24 hours: held (the earlier ones were checked already)
        self.register(
            "C2003", name="Dina", device_id="dev-X", at="2026-11-02T07:00:00Z"
        )
        third = self.referral_of(self.partner("C2003"))
        self.assertEqual((third.fraud_state, third.fraud_flags), ("held", "burst"))
        # a fourth a day and more later is not part of the burst
        self.register("C2004", name="Eve", device_id="dev-X", at="2026-11-04T07:00:00Z")
        self.assertEqual(self.referral_of(self.partner("C2004")).fraud_state, "none")

    def test_self_and_circular_registrations_are_held_not_dropped(self):
        logger = "odoo.addons.fx_referrals.models.fx_sync"
        with self.assertLogs(logger, logging.WARNING):
            self.register("REF-A", code="ALICE234")
        own = self.referral_of(self.alice)
        self.assertEqual(
            (own.referrer_id, own.fraud_state, own.fraud_flags),
            (self.alice, "held", "self"),
        )
        self.assertFalse(self.alice.fx_referrer_id)
        own.with_user(self.manager).action_fx_reject("Own code")

    def test_circular_chain_is_held(self):
        bob = self.register("C2001", name="Bob")
        bob.fx_referral_code = "BOBCODE2"
        carl = self.register("C2002", code="BOBCODE2", name="Carl")
        self.assertEqual(carl.fx_referrer_id, bob)
        # Carl's code used by Alice: Alice -> Bob -> Carl -> Alice
        carl.fx_referral_code = "CARLCOD3"
        logger = "odoo.addons.fx_referrals.models.fx_sync"
        self.env["fx.referral"].search([("referee_id", "=", self.alice.id)]).unlink()
        with self.assertLogs(logger, logging.WARNING):
            self.register("REF-A", code="CARLCOD3", at="2026-11-05T08:00:00Z")
        circular = self.referral_of(self.alice)
        self.assertEqual(
            (circular.referrer_id, circular.fraud_state, circular.fraud_flags),
            (carl, "held", "circular"),
        )
