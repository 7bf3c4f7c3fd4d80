"""The pure formulas (lib/) against values computed by hand on a small fixed
history: a deposit and a withdrawal in the middle, a losing streak, a day
without trades (and a day without a point), a single-trade strategy."""

import math
import unittest
from datetime import date

from odoo.addons.fx_social_trading.lib import fees, pamm, sizing, stats
from odoo.addons.fx_social_trading.lib.money import round_money, split_exact

D = [date(2026, 1, day) for day in (1, 2, 3, 4, 5, 6, 8)]
# equity at the end of each day; no point on Jan 7
POINTS = list(
    zip(D, [1000.0, 1100.0, 1710.0, 1539.0, 1385.1, 1000.0, 1050.0], strict=True)
)
# a 500 deposit on Jan 3, a 385.10 withdrawal on Jan 6 (a day without trades:
# the equity moved by the withdrawal only)
FLOWS = {D[2]: 500.0, D[5]: -385.1}
# net results (profit + commission + swap) of the closed trades: a winner,
# a losing streak of three, a winner
TRADES = [120.0, -30.0, -50.0, -20.0, 80.0]
# daily returns by hand: 1100/1000 - 1 = +10 %; (1710 - 500)/1100 - 1 = +10 %;
# 1539/1710 - 1 = -10 %; 1385.1/1539 - 1 = -10 %; (1000 + 385.1)/1385.1 - 1 = 0;
# 1050/1000 - 1 = +5 %
RETURNS = [0.10, 0.10, -0.10, -0.10, 0.0, 0.05]


class TestStatistics(unittest.TestCase):
    def test_daily_returns_are_neutral_to_flows(self):
        got = stats.daily_returns(POINTS, FLOWS)
        self.assertEqual([d for d, _r in got], D[1:])
        for (_d, r), expected in zip(got, RETURNS, strict=True):
            self.assertAlmostEqual(r, expected, places=12)

    def test_time_weighted_return(self):
        # 1.1 x 1.1 x 0.9 x 0.9 x 1.0 x 1.05 = 1.029105: +2.9105 %
        self.assertAlmostEqual(stats.twr(POINTS, FLOWS), 2.9105, places=9)
        # 7 days to Jan 8: the base is the Jan 1 point, the same chain
        self.assertAlmostEqual(stats.twr(POINTS, FLOWS, 7), 2.9105, places=9)
        # 7 days to Jan 9: base Jan 2, 1.1 x 0.9 x 0.9 x 1.0 x 1.05 = 0.93555
        self.assertAlmostEqual(
            stats.twr(POINTS, FLOWS, 7, as_of=date(2026, 1, 9)), -6.445, places=9
        )
        # 30 / 90 / 365 days: no point that far back, not enough history
        for days in (30, 90, 365):
            self.assertIsNone(stats.twr(POINTS, FLOWS, days))
        # without the flows the deposit would look like a 55 % gain
        self.assertGreater(stats.twr(POINTS, {}), 5.0)
        self.assertIsNone(stats.twr(POINTS[:1], FLOWS))

    def test_max_drawdown_of_the_growth_index(self):
        # index 1, 1.1, 1.21, 1.089, 0.9801, 0.9801, 1.029105: peak 1.21,
        # trough 0.9801, (1.21 - 0.9801) / 1.21 = 19 %; the raw equity fell
        # from 1710 to 1000 (41.5 %), most of it a withdrawal
        self.assertAlmostEqual(stats.max_drawdown(POINTS, FLOWS), 19.0, places=9)
        self.assertEqual(stats.max_drawdown(POINTS[:2], FLOWS), 0.0)

    def test_trade_statistics(self):
        t = stats.trade_stats(TRADES)
        self.assertEqual((t.count, t.wins), (5, 2))
        self.assertEqual(t.win_rate, 40.0)
        self.assertEqual((t.gross_profit, t.gross_loss), (200.0, 100.0))
        self.assertEqual(t.profit_factor, 2.0)
        self.assertEqual(t.average, 20.0)

    def test_single_trade_strategy(self):
        t = stats.trade_stats([15.0])
        self.assertEqual((t.win_rate, t.profit_factor, t.average), (100.0, None, 15.0))
        loser = stats.trade_stats([-15.0])
        self.assertEqual((loser.win_rate, loser.profit_factor), (0.0, 0.0))
        none = stats.trade_stats([])
        self.assertEqual(
            (none.win_rate, none.profit_factor, none.average), (None, None, None)
        )
        # one trade, a two-point history of 2 days: 1 trade per week
        self.assertEqual(stats.trades_per_week(1, POINTS[:2]), 1.0)

    def test_sharpe(self):
        # mean = 0.05 / 6 = 0.008333...; squared deviations sum to 0.0420833...,
        # sample variance 0.0420833 / 5 = 0.00841667, stdev 0.0917424;
        # 0.0083333 / 0.0917424 x sqrt(252) = 1.441947
        returns = stats.daily_returns(POINTS, FLOWS)
        mean = 0.05 / 6
        var = sum((r - mean) ** 2 for r in RETURNS) / 5
        self.assertAlmostEqual(var, 0.00841666666, places=9)
        self.assertAlmostEqual(stats.sharpe(returns), 1.441947, places=5)
        self.assertAlmostEqual(
            stats.sharpe(returns), mean / math.sqrt(var) * math.sqrt(252), places=12
        )
        self.assertIsNone(stats.sharpe(returns[:1]))
        self.assertIsNone(stats.sharpe([(D[1], 0.01), (D[2], 0.01)]))

    def test_history_and_frequency(self):
        # Jan 1 to Jan 8: 8 days, 1 full week; 5 trades / (8 / 7) = 4.375
        self.assertEqual(stats.history_days(POINTS), 8)
        self.assertEqual(stats.weeks_of_history(POINTS), 1)
        self.assertAlmostEqual(stats.trades_per_week(5, POINTS), 4.375, places=12)

    def test_risk_score(self):
        # the fixed history: stdev 0.0917424 x sqrt(252) x 100 = 145.64 %
        returns = stats.daily_returns(POINTS, FLOWS)
        self.assertAlmostEqual(stats.volatility(returns), 145.6364, places=3)
        self.assertEqual(stats.risk_score(returns), 10)
        # +-0.5 % a day: stdev sqrt(4 x 0.005^2 / 3) = 0.0057735, x sqrt(252)
        # x 100 = 9.165 %: above 2, 4, 6 and 9: risk 4
        calm = [(D[i], r) for i, r in enumerate([0.005, -0.005, 0.005, -0.005])]
        self.assertAlmostEqual(stats.volatility(calm), 9.1652, places=3)
        self.assertEqual(stats.risk_score(calm), 4)
        self.assertEqual(stats.risk_score([]), 0)

    def test_ranking_score(self):
        # no 90-day history: the return since start, 2.9105 %:
        # return part (2.9105 + 20) / 60 = 0.381842, drawdown 1 - 19 / 50 = 0.62,
        # profit factor (2 - 0.5) / 2 = 0.75, win rate 0.40:
        # 100 x (0.4 x 0.381842 + 0.3 x 0.62 + 0.2 x 0.75 + 0.1 x 0.4) = 52.8737
        all_stats = stats.strategy_stats(POINTS, FLOWS, TRADES)
        self.assertAlmostEqual(all_stats.ranking, 52.87367, places=4)
        self.assertEqual(all_stats.trade_count, 5)
        self.assertEqual(all_stats.weeks, 1)
        self.assertIsNone(all_stats.return_30)
        # a single winning trade: no loss counts as the best profit factor
        self.assertAlmostEqual(
            stats.ranking_score(10.0, 0.0, None, 100.0, 1),
            100 * (0.4 * 0.5 + 0.3 + 0.2 + 0.1),
            places=9,
        )
        self.assertEqual(stats.ranking_score(10.0, 0.0, None, 100.0, 0), 0.0)
        # parts are clamped: -50 % return and 80 % drawdown score 0 there
        self.assertAlmostEqual(stats.ranking_score(-50.0, 80.0, 0.2, 0.0, 3), 0.0)

    def test_mean_and_median(self):
        self.assertEqual(stats.median([4.0, None, 1.0, 10.0]), 4.0)
        self.assertEqual(stats.mean([4.0, None, 1.0, 10.0]), 5.0)
        self.assertIsNone(stats.median([None]))


class TestSizing(unittest.TestCase):
    def test_proportional(self):
        # 1 lot x 2,345 / 50,000 = 0.0469, rounded to the 0.01 step: 0.05
        s = sizing.copy_volume(
            "proportional", 1.0, follower_equity=2345, provider_equity=50000
        )
        self.assertEqual((s.volume, s.reason), (0.05, None))
        self.assertAlmostEqual(s.raw, 0.0469, places=12)

    def test_below_minimum_lot_is_skipped_with_reason(self):
        # 0.1 x 2,000 / 50,000 = 0.004: rounds to 0.00, below 0.01
        s = sizing.copy_volume(
            "proportional", 0.1, follower_equity=2000, provider_equity=50000
        )
        self.assertEqual(s.volume, 0.0)
        self.assertEqual(
            s.reason, "volume 0.0040 rounds to 0.00, below the minimum lot 0.01"
        )
        # a minimum lot of 0.1 skips 0.05
        s = sizing.copy_volume("fixed_lot", 1.0, fixed_lot=0.05, min_lot=0.1)
        self.assertEqual(s.volume, 0.0)
        self.assertIn("below the minimum lot 0.10", s.reason)
        s = sizing.copy_volume(
            "proportional", 1.0, follower_equity=10, provider_equity=0
        )
        self.assertEqual(s.reason, "the provider's equity is unknown")

    def test_fixed_ratio_rounds_half_up(self):
        # 0.5 x 0.35 = 0.175: half up to 0.18
        s = sizing.copy_volume("fixed_ratio", 0.5, ratio=0.35)
        self.assertEqual(s.volume, 0.18)
        # a 0.1 step: 0.26 -> 0.3
        s = sizing.copy_volume(
            "fixed_ratio", 0.26, ratio=1.0, lot_step=0.1, min_lot=0.1
        )
        self.assertEqual(s.volume, 0.3)

    def test_fixed_lot_and_cap(self):
        self.assertEqual(
            sizing.copy_volume("fixed_lot", 2.0, fixed_lot=0.3).volume, 0.3
        )
        s = sizing.copy_volume("fixed_lot", 2.0, fixed_lot=0.3, max_lot=0.25)
        self.assertEqual((s.volume, s.capped), (0.25, True))
        # a cap off the step is rounded down to it: 0.255 -> 0.25
        s = sizing.copy_volume("fixed_ratio", 1.0, ratio=1.0, max_lot=0.255)
        self.assertEqual(s.volume, 0.25)
        with self.assertRaises(ValueError):
            sizing.copy_volume("martingale", 1.0)


class TestFees(unittest.TestCase):
    def test_performance_fee_above_high_water_mark_after_drawdown(self):
        # allocation 10,000 (mark 10,000), 20 %:
        # period 1 ends at 11,000: fee 20 % x 1,000 = 200, mark 10,800
        p1 = fees.performance_fee(11000, 10000, 20)
        self.assertEqual((p1.fee, p1.high_water_mark), (200.0, 10800.0))
        # period 2, a drawdown to 10,500: no fee, the mark stays 10,800
        p2 = fees.performance_fee(10500, p1.high_water_mark, 20)
        self.assertEqual((p2.fee, p2.high_water_mark), (0.0, 10800.0))
        # period 3 recovers to 11,300: only the 500 above the mark pays, fee 100
        p3 = fees.performance_fee(11300, p2.high_water_mark, 20)
        self.assertEqual((p3.fee, p3.high_water_mark), (100.0, 11200.0))
        # rounding to the currency: 333.33 x 15 % = 49.9995 -> 50.00
        self.assertEqual(fees.performance_fee(10333.33, 10000, 15).fee, 50.0)

    def test_mark_follows_deposits_and_withdrawals(self):
        self.assertEqual(fees.adjust_mark(10800, 10500, 1000), 11800.0)
        # withdrawing 2,100 of 10,500 (20 %) shrinks the mark by 20 %
        self.assertEqual(fees.adjust_mark(10800, 10500, -2100), 8640.0)
        self.assertEqual(fees.adjust_mark(10800, 0, -1), 0.0)

    def test_management_fee_per_day(self):
        # 10,000 x 2 % / 365 = 0.547945 -> 0.55
        self.assertEqual(fees.management_fee_day(10000, 2), 0.55)
        self.assertEqual(fees.management_fee_day(-5, 2), 0.0)


class TestMoneyAndPamm(unittest.TestCase):
    def test_round_money(self):
        self.assertEqual(round_money(1.005), 1.01)
        self.assertEqual(round_money(-1.005), -1.01)
        self.assertEqual(round_money(2.5, 0), 3.0)

    def test_split_exact(self):
        self.assertEqual(split_exact(1.0, [1, 1, 1]), [0.34, 0.33, 0.33])
        self.assertEqual(split_exact(-1.0, [1, 1, 1]), [-0.34, -0.33, -0.33])
        self.assertEqual(split_exact(100.01, [600, 300, 100]), [60.01, 30.0, 10.0])
        self.assertEqual(split_exact(0.0, [1, 2]), [0.0, 0.0])
        with self.assertRaises(ValueError):
            split_exact(1.0, [0, 0])

    def test_nav_and_units(self):
        self.assertEqual(pamm.nav_per_unit(500, 0), 1.0)
        # 1,250 of equity for 1,000 units: 1.25; 250 buys 200 units
        nav = pamm.nav_per_unit(1250, 1000)
        self.assertEqual(nav, 1.25)
        self.assertEqual(pamm.units_for(250, nav), 200.0)
        # 100 at 1.2: 83.333333 units
        self.assertEqual(pamm.units_for(100, 1.2), 83.333333)
        with self.assertRaises(ValueError):
            pamm.units_for(100, 0)

    def test_allocation_with_per_investor_mark(self):
        # result +100.01 over 600 / 300 / 100 units: 60.006 / 30.003 / 10.001,
        # rounded down 60.00 / 30.00 / 10.00, the cent left to the largest
        # remainder (A). Fee 20 % above each mark:
        # A 600 -> 660.01, mark 600: fee 12.00 (12.002), net 48.01
        # B 300 -> 330.00, mark 320 (an earlier high): fee 2.00, net 28.00
        # C 100 -> 110.00, mark 100: fee 2.00, net 8.00
        lines = pamm.allocate(
            100.01,
            [
                ("A", 600, 600.0, 600.0),
                ("B", 300, 300.0, 320.0),
                ("C", 100, 100.0, 100.0),
            ],
            20,
        )
        got = [
            (a.key, a.share, a.fee, a.net, a.value, a.high_water_mark) for a in lines
        ]
        self.assertEqual(
            got,
            [
                ("A", 60.01, 12.0, 48.01, 648.01, 648.01),
                ("B", 30.0, 2.0, 28.0, 328.0, 328.0),
                ("C", 10.0, 2.0, 8.0, 108.0, 108.0),
            ],
        )
        self.assertEqual(
            round(sum(a.net for a in lines) + sum(a.fee for a in lines), 2), 100.01
        )

    def test_allocation_of_a_loss_charges_no_fee(self):
        lines = pamm.allocate(
            -100.01,
            [
                ("A", 600, 600.0, 600.0),
                ("B", 300, 300.0, 300.0),
                ("C", 100, 100.0, 100.0),
            ],
            20,
        )
        self.assertEqual([a.share for a in lines], [-60.01, -30.0, -10.0])
        self.assertEqual([a.fee for a in lines], [0.0, 0.0, 0.0])
        self.assertEqual([a.high_water_mark for a in lines], [600.0, 300.0, 100.0])
