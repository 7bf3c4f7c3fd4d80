"""The pure rules of lib/programme.py (no database)."""

from datetime import datetime

from odoo.tests import BaseCase

from ..lib.programme import (
    commission,
    competition_ranks,
    level_for,
    level_progress,
    max_drawdown,
    qualifies,
    reached_stage,
    round_money,
    trading_return,
    vest_date,
)


class TestProgrammeLib(BaseCase):
    def test_reached_stage_is_the_furthest_dated(self):
        d = datetime(2026, 1, 1)
        self.assertEqual(reached_stage({}), "clicked")
        self.assertEqual(reached_stage({"registered": d, "funded": d}), "funded")
        self.assertEqual(
            reached_stage({"registered": d, "qualified": d, "rewarded": None}),
            "qualified",
        )

    def test_qualifies_on_both_thresholds(self):
        self.assertTrue(qualifies(100, 1.0, 100, 1.0))
        self.assertFalse(qualifies(99.99, 5, 100, 1))
        self.assertFalse(qualifies(500, 0.99, 100, 1))

    def test_vest_date(self):
        self.assertEqual(
            vest_date(datetime(2026, 1, 31, 10), 30), datetime(2026, 3, 2, 10)
        )

    def test_ties_share_a_rank_and_the_next_skips(self):
        self.assertEqual(
            competition_ranks([50, 50, 40, 30, 30, 30, 10]), [1, 1, 3, 4, 4, 4, 7]
        )
        self.assertEqual(competition_ranks([]), [])

    def test_levels_and_progress(self):
        levels = [("bronze", 0), ("silver", 250), ("gold", 1000)]
        self.assertEqual(level_for(249, levels), "bronze")
        self.assertEqual(level_for(250, levels), "silver")
        self.assertIsNone(level_for(-1, levels))
        self.assertEqual(level_progress(400, 250, 1000), 20.0)
        self.assertEqual(level_progress(1500, 1000, None), 100.0)
        self.assertEqual(level_progress(100, 250, 1000), 0.0)

    def test_commission_override_and_split(self):
        # override: 2.5 lots at 5 per lot; 30 % of 12.40 revenue
        self.assertEqual(commission("per_lot", 2.5, 0, 5), 12.5)
        self.assertAlmostEqual(commission("revenue_share", 2.5, 12.40, 30), 3.72)
        # split: pool 10 per lot, tier gets 70 % of it; pool 30 % of revenue, tier 30 %
        self.assertEqual(commission("per_lot", 2, 0, 70, "split", 10), 14.0)
        self.assertAlmostEqual(
            commission("revenue_share", 1, 100, 30, "split", 30), 9.0
        )

    def test_round_money_half_away_from_zero(self):
        self.assertEqual(round_money(0.125, 2), 0.13)
        self.assertEqual(round_money(-0.125, 2), -0.13)
        self.assertEqual(round_money(2.675, 2), 2.68)  # not the float's 2.67
        self.assertEqual(round_money(7.5, 0), 8.0)

    def test_return_and_drawdown(self):
        # 10,000 -> 11,500 with 500 deposited: (11,500 - 10,000 - 500) / 10,000
        self.assertEqual(trading_return(10000, 11500, 500), 10.0)
        self.assertEqual(trading_return(0, 100, 0), 0.0)
        # peak 12,000 then 9,000: 25 %; the later peak 13,000 -> 12,350 is 5 %
        self.assertEqual(max_drawdown([10000, 12000, 9000, 13000, 12350]), 25.0)
        self.assertEqual(max_drawdown([100, 110, 120]), 0.0)
