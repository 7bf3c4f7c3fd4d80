"""Fees of a copy: the monthly subscription fee, the daily management fee,
the performance fee above the high-water mark after a drawdown and on
unsubscribe, and the bridge pulling and acknowledging the lines."""

from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged

from .common import SocialCase


@tagged("post_install", "-at_install")
class TestFees(SocialCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2026-03-02 12:00:00"):
            cls.sub = cls.start_copy(cls.gina, "3002", allocation=10000)
        cls.Fee = cls.env["fx.copy.fee"]
        cls.bridge = cls.env["fx.copy.bridge"].with_user(cls.integration)

    def equity(self, day, value):
        self.sync.push_equity([{**self.keys("3002"), "date": day, "equity": value}])

    def fees(self, kind):
        return self.sub.fee_ids.filtered(lambda f: f.fee_type == kind).sorted("date")

    def test_subscription_fee_monthly(self):
        # charged at activation for March, then once for April
        fee = self.fees("subscription")
        self.assertEqual(
            (fee.amount, fee.period_start, fee.period_end),
            (30.0, date(2026, 3, 1), date(2026, 3, 31)),
        )
        self.Fee._fx_charge_subscription_fees(date(2026, 3, 15))
        self.assertEqual(len(self.fees("subscription")), 1)
        self.Fee._fx_charge_subscription_fees(date(2026, 4, 1))
        self.Fee._fx_charge_subscription_fees(date(2026, 4, 1))
        self.assertEqual(
            self.fees("subscription").mapped("period_start"),
            [date(2026, 3, 1), date(2026, 4, 1)],
        )

    def test_management_fee_daily(self):
        with freeze_time("2026-03-03 12:00:00"):
            self.equity("2026-03-02", 10000)
            # 10,000 x 2 % / 365 = 0.547945 -> 0.55; a re-run adds nothing
            self.Fee._fx_accrue_management_fees(date(2026, 3, 2))
            self.Fee._fx_accrue_management_fees(date(2026, 3, 2))
            # the next day without a point: the last equity (10,000) again
            self.Fee._fx_accrue_management_fees(date(2026, 3, 3))
        fees = self.fees("management")
        self.assertEqual(fees.mapped("amount"), [0.55, 0.55])
        self.assertEqual(fees.mapped("base"), [10000, 10000])
        # a day before the copy started: nothing
        self.Fee._fx_accrue_management_fees(date(2026, 3, 1))
        self.assertEqual(len(self.fees("management")), 2)

    def test_performance_fee_high_water_mark_after_drawdown(self):
        with freeze_time("2026-06-20 12:00:00"):
            self.equity("2026-04-01", 11000)
            self.equity("2026-05-01", 10500)
            self.equity("2026-06-01", 11300)
        # period 1 (Mar 2 - Apr 1): 11,000 above 10,000: 20 % x 1,000 = 200
        self.Fee._fx_settle_performance_fees(date(2026, 3, 31))  # not over yet
        self.assertFalse(self.fees("performance"))
        self.Fee._fx_settle_performance_fees(date(2026, 4, 1))
        self.assertEqual(self.sub.high_water_mark, 10800)
        self.assertEqual(self.sub.fee_period_start, date(2026, 4, 2))
        # period 2 (Apr 2 - May 1): a drawdown to 10,500, no fee, mark stays
        self.Fee._fx_settle_performance_fees(date(2026, 5, 1))
        self.assertEqual(self.sub.high_water_mark, 10800)
        # period 3 (May 2 - Jun 1): 11,300, only the 500 above 10,800: fee 100
        self.Fee._fx_settle_performance_fees(date(2026, 6, 1))
        fees = self.fees("performance")
        self.assertEqual(fees.mapped("amount"), [200.0, 100.0])
        self.assertEqual(fees.mapped("base"), [1000.0, 500.0])
        self.assertEqual(fees.mapped("high_water_mark"), [10800.0, 11200.0])
        self.assertEqual(self.sub.high_water_mark, 11200)
        # on unsubscribe (Jun 20), after withdrawing 2,240 of 11,200 (20 %) on
        # Jun 10: the mark shrinks to 8,960; equity 9,000: fee 20 % x 40 = 8
        with freeze_time("2026-06-20 12:00:00"):
            self.equity("2026-06-09", 11200)
            self.sync.push_fundings(
                [
                    self.funding(
                        "GW",
                        2240,
                        "2026-06-10T10:00:00Z",
                        kind="withdrawal",
                        login="3002",
                    )
                ]
            )
            self.equity("2026-06-20", 9000)
            self.sub.action_stop()
        last = self.fees("performance")[-1]
        self.assertEqual(
            (last.amount, last.base, last.period_end), (8.0, 40.0, date(2026, 6, 20))
        )
        self.assertEqual(self.sub.high_water_mark, 8992)
        self.assertEqual(self.sub.state, "stopped")

    def test_bridge_pulls_and_acknowledges_fees(self):
        self.Fee._fx_charge_subscription_fees(date(2026, 4, 1), self.sub)
        # this test's lines (the demo data may hold others)
        pulled = [f for f in self.bridge.pull_fees() if f["login"] == "3002"]
        self.assertEqual(
            [
                (f["type"], f["login"], f["amount"], f["currency"], f["period_start"])
                for f in pulled
            ],
            [
                ("subscription", "3002", 30.0, "USD", "2026-03-01"),
                ("subscription", "3002", 30.0, "USD", "2026-04-01"),
            ],
        )
        with self.assertRaisesRegex(
            ValidationError, r"\[1\] reason: why the fee line was rejected"
        ):
            self.bridge.ack_fees(
                [
                    {"id": pulled[0]["id"], "status": "charged"},
                    {"id": pulled[1]["id"], "status": "rejected"},
                ]
            )
        self.assertEqual(
            self.fees("subscription").mapped("state"), ["pending", "pending"]
        )
        result = self.bridge.ack_fees(
            [
                {"id": pulled[0]["id"], "status": "charged"},
                {
                    "id": pulled[1]["id"],
                    "status": "rejected",
                    "reason": "Insufficient funds",
                },
            ]
        )
        self.assertEqual(result, {"charged": 1, "rejected": 1, "unchanged": 0})
        self.assertEqual(
            self.fees("subscription").mapped("state"), ["charged", "rejected"]
        )
        self.assertEqual(
            [f for f in self.bridge.pull_fees() if f["login"] == "3002"], []
        )
        self.assertEqual(
            self.bridge.ack_fees([{"id": pulled[0]["id"], "status": "charged"}]),
            {"charged": 0, "rejected": 0, "unchanged": 1},
        )
