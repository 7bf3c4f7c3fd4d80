"""The referral pipeline moved from the referee's trading facts, pushed
through the sync API (docs/REFERRALS.md#stages), with the points of each
stage, vesting and reversal."""

from datetime import datetime

from odoo.exceptions import UserError
from odoo.tests import freeze_time

from .common import T0, ReferralCase


@freeze_time(T0)
class TestStagesFromFacts(ReferralCase):
    def bring_to_qualified(self, ref="C2001", login="2001", deposit=150):
        bob = self.register(
            ref, at="2026-11-01T08:00:00Z", name="Bob Stone", email=f"{ref}@ex.com"
        )
        self.sync.push_events(
            [
                {
                    "type": "kyc",
                    "at": "2026-11-02T10:00:00Z",
                    "client_ref": ref,
                    "kyc_status": "approved",
                }
            ]
        )
        self.sync.push_accounts([self.account(login, client_ref=ref)])
        self.sync.push_fundings(
            [self.funding(f"D{login}", deposit, "2026-11-03T09:00:00Z", login=login)]
        )
        self.sync.push_trades(
            [self.trade(f"T{login}a", "2026-11-04T09:00:00Z", login=login, volume=0.5)]
        )
        return bob

    def test_full_pipeline_with_points_and_vesting(self):
        bob = self.register(
            "C2001", at="2026-11-01T08:00:00Z", name="Bob Stone", email="b@ex.com"
        )
        referral = self.referral_of(bob)
        self.assertEqual(referral.referrer_id, self.alice)
        self.assertEqual(referral.referee_name, "Bob")
        self.assertEqual(referral.channel, "code")
        self.assertEqual(referral.stage, "registered")
        self.assertEqual(referral.date_registered, datetime(2026, 11, 1, 8, 0))
        self.assertEqual(
            self.ledger(self.alice), [("earned", 10, 0, "referral_registered")]
        )
        entry = self.Entry.search([("partner_id", "=", self.alice.id)])
        self.assertEqual(entry.vest_date, datetime(2026, 12, 10, 12, 0))
        self.assertEqual(entry.res_model, "fx.referral")
        self.assertEqual(entry.res_id, referral.id)

        self.sync.push_events(
            [
                {
                    "type": "kyc",
                    "at": "2026-11-02T10:00:00Z",
                    "client_ref": "C2001",
                    "kyc_status": "approved",
                }
            ]
        )
        self.assertEqual(referral.stage, "kyc_approved")
        self.assertEqual(referral.date_kyc_approved, datetime(2026, 11, 2, 10, 0))
        # no rule for a referral's KYC; the referee earns the KYC points
        self.assertEqual(len(self.ledger(self.alice)), 1)
        self.assertEqual(self.ledger(bob), [("earned", 20, 0, "kyc_completed")])

        self.sync.push_accounts([self.account("2001", client_ref="C2001")])
        self.sync.push_fundings(
            [self.funding("D1", 150, "2026-11-03T09:00:00Z", login="2001")]
        )
        self.assertEqual(referral.stage, "funded")
        self.assertEqual(referral.date_funded, datetime(2026, 11, 3, 9, 0))
        self.assertEqual(referral.ftd_amount, 150)

        self.sync.push_trades(
            [self.trade("T1", "2026-11-04T09:00:00Z", login="2001", volume=0.5)]
        )
        self.assertEqual(referral.stage, "first_trade")
        self.assertEqual(referral.date_first_trade, datetime(2026, 11, 4, 9, 0))
        self.assertEqual(referral.lots, 0.5)
        self.assertFalse(referral.date_qualified)  # 0.5 of the 1 lot needed

        self.sync.push_trades(
            [self.trade("T2", "2026-11-05T09:00:00Z", login="2001", volume=0.6)]
        )
        self.assertEqual(referral.stage, "qualified")
        self.assertEqual(referral.date_qualified, datetime(2026, 11, 10, 12, 0))
        self.assertEqual(referral.lots, 1.1)
        self.assertEqual(
            self.ledger(self.alice),
            [
                ("earned", 10, 0, "referral_registered"),
                ("earned", 50, 0, "referral_funded"),
                ("earned", 200, 0, "referral_qualified"),
            ],
        )
        self.assertEqual(
            (self.alice.fx_points_balance, self.alice.fx_points_vested), (260, 0)
        )
        self.assertEqual(referral.points, 260)
        # pushed again: nothing earned twice
        self.sync.push_trades(
            [self.trade("T2", "2026-11-05T09:00:00Z", login="2001", volume=0.7)]
        )
        self.assertEqual(len(self.ledger(self.alice)), 3)

        # the day before the hold ends: nothing vests
        with freeze_time("2026-12-10 11:59:59"):
            self.env["fx.referral"]._cron_fx_referrals()
        self.assertEqual(referral.stage, "qualified")
        self.assertEqual(self.alice.fx_points_vested, 0)
        with freeze_time("2026-12-10 12:00:00"):
            self.env["fx.referral"]._cron_fx_referrals()
        self.assertEqual(referral.stage, "rewarded")
        self.assertEqual(referral.date_rewarded, datetime(2026, 12, 10, 12, 0))
        self.assertEqual(
            self.ledger(self.alice)[3:],
            [
                ("vested", 0, 10, "referral_registered"),
                ("vested", 0, 50, "referral_funded"),
                ("vested", 0, 200, "referral_qualified"),
            ],
        )
        self.alice.invalidate_recordset()
        self.assertEqual(
            (self.alice.fx_points_balance, self.alice.fx_points_vested), (260, 260)
        )

    def test_withdrawal_within_hold_rejects_and_reverses(self):
        bob = self.bring_to_qualified(deposit=200)
        self.sync.push_trades(
            [self.trade("T2001b", "2026-11-05T09:00:00Z", login="2001", volume=0.5)]
        )
        referral = self.referral_of(bob)
        self.assertEqual(referral.stage, "qualified")
        # 150 of the 200 withdrawn: 50 left, under the 100 minimum
        self.sync.push_fundings(
            [
                self.funding(
                    "W1", 150, "2026-11-09T09:00:00Z", kind="withdrawal", login="2001"
                )
            ]
        )
        self.assertEqual(referral.stage, "rejected")
        self.assertEqual(
            referral.reject_reason,
            "Qualifying deposit withdrawn within the hold period",
        )
        self.assertEqual(
            self.ledger(self.alice)[3:],
            [
                ("reversed", -10, 0, "referral_registered"),
                ("reversed", -50, 0, "referral_funded"),
                ("reversed", -200, 0, "referral_qualified"),
            ],
        )
        self.assertEqual(self.alice.fx_points_balance, 0)
        # the vesting cron leaves reversed points alone
        with freeze_time("2026-12-11 12:00:00"):
            self.env["fx.referral"]._cron_fx_referrals()
        self.assertEqual(len(self.ledger(self.alice)), 6)

    def test_withdrawal_after_hold_keeps_points(self):
        bob = self.bring_to_qualified(deposit=200)
        self.sync.push_trades(
            [self.trade("T2001b", "2026-11-05T09:00:00Z", login="2001", volume=0.5)]
        )
        with freeze_time("2026-12-10 12:00:00"):
            self.env["fx.referral"]._cron_fx_referrals()
            # the hold ended 2026-12-03 09:00 (30 days after the first deposit)
            self.sync.push_fundings(
                [
                    self.funding(
                        "W1",
                        200,
                        "2026-12-05T09:00:00Z",
                        kind="withdrawal",
                        login="2001",
                    )
                ]
            )
        referral = self.referral_of(bob)
        self.assertEqual(referral.stage, "rewarded")
        self.assertEqual(self.alice.fx_points_vested, 260)

    def test_manager_rejection_reverses_vested_points(self):
        bob = self.bring_to_qualified()
        self.sync.push_trades(
            [self.trade("T2001b", "2026-11-05T09:00:00Z", login="2001", volume=0.5)]
        )
        referral = self.referral_of(bob)
        with freeze_time("2026-12-10 12:00:00"):
            self.env["fx.referral"]._cron_fx_referrals()
        self.assertEqual(self.alice.fx_points_vested, 260)
        with self.assertRaises(UserError):  # a plain referral user may not
            referral.with_user(self.integration).action_fx_reject("fraud")
        with self.assertRaises(UserError):  # a reason is needed
            referral.with_user(self.manager).action_fx_reject("  ")
        referral.with_user(self.manager).action_fx_reject("Same household")
        self.assertEqual(referral.stage, "rejected")
        self.assertEqual(referral.reject_reason, "Same household")
        self.assertEqual(referral.fraud_reviewer_id, self.manager)
        self.assertEqual(
            self.ledger(self.alice)[6:],
            [
                ("reversed", -10, -10, "referral_registered"),
                ("reversed", -50, -50, "referral_funded"),
                ("reversed", -200, -200, "referral_qualified"),
            ],
        )
        self.alice.invalidate_recordset()
        self.assertEqual(
            (self.alice.fx_points_balance, self.alice.fx_points_vested), (0, 0)
        )
        # a rejected referral no longer moves
        self.sync.push_trades(
            [self.trade("T2001c", "2026-11-06T09:00:00Z", login="2001", volume=3)]
        )
        self.assertEqual(referral.stage, "rejected")

    def test_cap_holds_the_referral_over_it(self):
        self.programme.cap_count = 1
        bob = self.bring_to_qualified("C2001", "2001")
        self.sync.push_trades(
            [self.trade("T2001b", "2026-11-05T09:00:00Z", login="2001", volume=0.5)]
        )
        carl = self.bring_to_qualified("C2002", "2002")
        self.sync.push_trades(
            [self.trade("T2002b", "2026-11-05T09:00:00Z", login="2002", volume=0.5)]
        )
        first, second = self.referral_of(bob), self.referral_of(carl)
        self.assertEqual((first.fraud_state, first.fraud_flags), ("none", False))
        self.assertEqual((second.stage, second.fraud_state), ("qualified", "held"))
        self.assertEqual(second.fraud_flags, "cap")
        qualified = self.Entry.search(
            [
                ("event_code", "=", "referral_qualified"),
                ("partner_id", "=", self.alice.id),
            ]
        )
        self.assertEqual(qualified.res_id, first.id)
        second.with_user(self.manager).action_fx_approve()
        self.assertEqual(second.fraud_state, "approved")
        self.assertEqual(second.fraud_reviewer_id, self.manager)
        qualified = self.Entry.search(
            [
                ("event_code", "=", "referral_qualified"),
                ("partner_id", "=", self.alice.id),
            ]
        )
        self.assertEqual(
            sorted(qualified.mapped("res_id")), sorted([first.id, second.id])
        )
        self.assertEqual(self.alice.fx_points_balance, 520)
