from odoo.tests import freeze_time, tagged

from odoo.addons.fx_engagement.tests.common import SyncCase


@tagged("post_install", "-at_install")
class TestAddedFact(SyncCase):
    def test_facts_declared_by_another_addon_are_computed_and_written(self):
        with freeze_time("2026-11-20 12:00:00"):
            self.sync.push_accounts([self.account("3001"), self.account("3002")])
            self.sync.push_fundings(
                [
                    self.funding(
                        "B1", 50, "2026-11-20T09:00:00Z", kind="bonus", login="3001"
                    ),
                    self.funding(
                        "B2", 25, "2026-11-20T10:00:00Z", kind="bonus", login="3001"
                    ),
                    self.funding("D1", 500, "2026-11-20T10:00:00Z", login="3001"),
                ]
            )
            self.sync.push_equity(
                [
                    {**self.keys("3001"), "date": "2026-11-18", "equity": 480.5},
                    {**self.keys("3001"), "date": "2026-11-19", "equity": 612.25},
                    {**self.keys("3001"), "date": "2026-11-20", "equity": 575},
                ]
            )
            # equity pushes refresh nothing: the daily job (or any push) does
            self.env["res.partner"]._fx_recompute_all()
        one, two = self.partner("C3001"), self.partner("C3002")
        self.assertRecordValues(
            one | two,
            [
                {
                    "x_fx_bonus_count": 2,
                    "x_fx_peak_equity": 612.25,
                    "fx_total_bonus": 75,
                    "fx_total_deposits": 500,
                },
                {
                    "x_fx_bonus_count": 0,
                    "x_fx_peak_equity": 0,
                    "fx_total_bonus": 0,
                    "fx_total_deposits": 0,
                },
            ],
        )
        # the registry lists them with the core facts
        in_sql, _derived = self.env["res.partner"]._fx_facts()
        self.assertEqual(in_sql["x_fx_peak_equity"].source, "peak")
        self.assertIn("fx_total_deposits", in_sql)
