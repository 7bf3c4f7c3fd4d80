"""A PAMM pool over two cut-offs: deposits at NAV, the result split pro rata
with the largest remainder, the manager's fee above each investor's mark
(fees redeem units), then a deposit and a withdrawal at the new NAV."""

from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import SocialCase


@tagged("post_install", "-at_install")
class TestPamm(SocialCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sync.push_accounts(
            [cls.account("4001", name="Pool Account", email="pool@example.com")]
        )
        account = cls.env["fx.trading.account"].search([("login", "=", "4001")])
        cls.pool = cls.env["fx.pamm.pool"].create(
            {
                "name": "Balanced Pool",
                "manager_id": cls.provider.id,
                "account_id": account.id,
                "performance_fee_pct": 20,
            }
        )
        Investor = cls.env["fx.pamm.investor"]
        cls.a, cls.b, cls.c = (
            Investor.create({"pool_id": cls.pool.id, "partner_id": p.id})
            for p in (cls.fred, cls.gina, cls.hugo)
        )

    def move(self, investor, kind, amount):
        return self.env["fx.pamm.movement"].create(
            {
                "pool_id": self.pool.id,
                "investor_id": investor.id,
                "kind": kind,
                "amount": amount,
            }
        )

    def test_two_cutoffs(self):
        for inv, amount in ((self.a, 600), (self.b, 300), (self.c, 100)):
            self.move(inv, "deposit", amount)
        # cut-off 1: the deposits at the initial NAV 1.0
        self.pool.action_cutoff(date(2026, 1, 31), equity=0.0)
        self.assertEqual([i.units for i in (self.a, self.b, self.c)], [600, 300, 100])
        self.assertEqual((self.pool.nav, self.pool.last_equity), (1.0, 1000.0))
        # cut-off 2: equity 1,100.01, result +100.01: shares 60.01 / 30.00 /
        # 10.00 (the cent to the largest remainder); fees 20 % above the marks
        # (600 / 300 / 100): 12.00 (12.002) / 6.00 / 2.00
        deposit = self.move(self.a, "deposit", 110)
        withdrawal = self.move(self.b, "withdrawal", 110)
        self.pool.action_cutoff(date(2026, 2, 28), equity=1100.01)
        lines = self.pool.allocation_ids.sorted("id")
        self.assertEqual(lines.mapped("share"), [60.01, 30.0, 10.0])
        self.assertEqual(lines.mapped("fee"), [12.0, 6.0, 2.0])
        self.assertEqual(lines.mapped("net"), [48.01, 24.0, 8.0])
        self.assertEqual(
            round(sum(lines.mapped("net")) + sum(lines.mapped("fee")), 2), 100.01
        )
        # NAV 1,100.01 / 1,000 = 1.10001; fee units 12 / 1.10001 = 10.908992,
        # 6 / 1.10001 = 5.454496, 2 / 1.10001 = 1.818165
        self.assertEqual(self.pool.nav, 1.10001)
        self.assertEqual(self.c.units, 98.181835)
        # then at that NAV: A deposits 110 (99.999091 units), B withdraws 110:
        # B's 294.545504 units are worth 324.00, her mark 324 shrinks by
        # 110 / 324: 214.00
        self.assertEqual(self.a.units, 689.090099)
        self.assertEqual(self.b.units, 194.546413)
        self.assertEqual(
            (deposit.state, deposit.units, deposit.nav), ("done", 99.999091, 1.10001)
        )
        self.assertEqual((withdrawal.state, withdrawal.units), ("done", 99.999091))
        self.assertEqual(
            [self.a.high_water_mark, self.b.high_water_mark, self.c.high_water_mark],
            [758.01, 214.0, 108.0],
        )
        # pool equity after fees and movements: 1,100.01 - 20 + 110 - 110
        self.assertEqual(self.pool.last_equity, 1080.01)
        with self.assertRaisesRegex(UserError, "was cut off on 2026-02-28 already"):
            self.pool.action_cutoff(date(2026, 2, 28), equity=1)

    def test_withdrawal_above_value_is_refused(self):
        self.move(self.a, "deposit", 100)
        self.pool.action_cutoff(date(2026, 1, 31), equity=0.0)
        too_much = self.move(self.a, "withdrawal", 150)
        self.pool.action_cutoff(date(2026, 2, 28), equity=100.0)
        self.assertEqual(too_much.state, "refused")
        self.assertEqual(
            too_much.reason, "Withdrawal 150.00 above the investor's value 100.00"
        )
        self.assertEqual(self.a.units, 100)

    def test_cutoff_needs_an_equity_point(self):
        with self.assertRaisesRegex(
            UserError, "no equity point of its account on 2026-01-31"
        ):
            self.pool.action_cutoff(date(2026, 1, 31))
