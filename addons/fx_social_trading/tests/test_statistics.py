"""Strategy statistics stored from the pushed trades, fundings and equity
points: the fixed history of test_lib (a deposit and a withdrawal in the
middle, a losing streak, a day without trades), listing thresholds,
followers' realised results and the reproduce export."""

from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged

from .common import SocialCase

DAYS = [
    "2026-01-01",
    "2026-01-02",
    "2026-01-03",
    "2026-01-04",
    "2026-01-05",
    "2026-01-06",
    "2026-01-08",
]
EQUITY = [1000, 1100, 1710, 1539, 1385.1, 1000, 1050]


@freeze_time("2026-01-09 12:00:00")
@tagged("post_install", "-at_install")
class TestStatistics(SocialCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sync.push_equity(
            [
                {**cls.keys("2001"), "date": d, "equity": e}
                for d, e in zip(DAYS, EQUITY, strict=True)
            ]
        )
        cls.sync.push_fundings(
            [
                cls.fund("D1", 500, "2026-01-03T09:00:00Z", login="2001"),
                cls.fund(
                    "W1", 385.1, "2026-01-06T15:00:00Z", kind="withdrawal", login="2001"
                ),
                # a bonus is not a deposit: it does not count as a flow
                cls.fund("B1", 50, "2026-01-04T09:00:00Z", kind="bonus", login="2001"),
            ]
        )
        # net results 120, -30, -50, -20, 80 (profit + commission + swap), and
        # an open trade that does not count
        results = [(127, -7, 0), (-20, -7, -3), (-43, -7, 0), (-13, -7, 0), (87, -7, 0)]
        cls.sync.push_trades(
            [
                cls.deal(
                    f"S{i}",
                    f"2026-01-0{i + 2}T08:00:00Z",
                    login="2001",
                    close_time=f"2026-01-0{i + 2}T09:00:00Z",
                    profit=p,
                    commission=c,
                    swap=s,
                )
                for i, (p, c, s) in enumerate(results)
            ]
            + [cls.deal("S9", "2026-01-08T08:00:00Z", login="2001", profit=999)]
        )

    def test_statistics_of_the_fixed_history(self):
        self.strategy._fx_recompute_statistics(date(2026, 1, 8))
        s = self.strategy
        self.assertEqual(s.stat_date, date(2026, 1, 8))
        # 1.1 x 1.1 x 0.9 x 0.9 x 1.0 x 1.05 - 1 (see test_lib)
        self.assertAlmostEqual(s.stat_return_total, 2.9105, places=6)
        self.assertAlmostEqual(s.stat_return_7, 2.9105, places=6)
        self.assertEqual(
            (s.stat_return_30, s.stat_return_90, s.stat_return_365), (0.0, 0.0, 0.0)
        )
        self.assertAlmostEqual(s.stat_max_drawdown, 19.0, places=6)
        self.assertEqual(s.stat_trade_count, 5)
        self.assertAlmostEqual(s.stat_win_rate, 40.0)
        self.assertAlmostEqual(s.stat_profit_factor, 2.0)
        self.assertAlmostEqual(s.stat_average_trade, 20.0)
        self.assertAlmostEqual(s.stat_sharpe, 1.441947, places=5)
        self.assertEqual((s.stat_history_days, s.stat_weeks), (8, 1))
        self.assertAlmostEqual(s.stat_trades_per_week, 4.375)
        self.assertEqual(s.risk_score, 10)
        self.assertAlmostEqual(s.ranking_score, 52.87367, places=4)
        self.assertEqual(s.stat_equity, 1050)
        # a day later the 7-day window starts at Jan 2: -6.445 %
        self.strategy._fx_recompute_statistics(date(2026, 1, 9))
        self.assertAlmostEqual(s.stat_return_7, -6.445, places=6)

    def test_listing_thresholds(self):
        icp = self.env["ir.config_parameter"]
        self.strategy._fx_recompute_statistics(date(2026, 1, 8))
        # defaults: 4 weeks and 10 trades
        self.assertFalse(self.strategy.is_listed)
        settings = self.env["res.config.settings"].create(
            {"fx_social_min_weeks": 1, "fx_social_min_trades": 5}
        )
        settings.execute()
        self.assertEqual(icp.get_param("fx_social_trading.listing_min_trades"), "5")
        self.assertTrue(self.strategy.is_listed)
        self.env["res.config.settings"].create(
            {"fx_social_min_weeks": 1, "fx_social_min_trades": 6}
        ).execute()
        self.assertFalse(self.strategy.is_listed)
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.env["res.config.settings"].create(
                {"fx_social_min_weeks": -1}
            ).execute()
        self.assertEqual(icp.get_param("fx_social_trading.listing_min_weeks"), "1")
        # private strategies are never listed
        icp.set_param("fx_social_trading.listing_min_trades", "1")
        self.strategy.visibility = "private"
        self.strategy._fx_recompute_statistics(date(2026, 1, 8))
        self.assertFalse(self.strategy.is_listed)

    def test_followers_realised_results(self):
        # Fred +10 %; Gina -5 % net of her 5,000 deposit; Hugo +30 % until he
        # stopped (his later loss is not the strategy's)
        self.sync.push_equity(
            [
                {**self.keys("3001"), "date": "2026-01-01", "equity": 1000},
                {**self.keys("3001"), "date": "2026-01-08", "equity": 1100},
                {**self.keys("3002"), "date": "2026-01-01", "equity": 10000},
                {**self.keys("3002"), "date": "2026-01-05", "equity": 14500},
                {**self.keys("3002"), "date": "2026-01-08", "equity": 14500},
                {**self.keys("3003"), "date": "2026-01-01", "equity": 1000},
                {**self.keys("3003"), "date": "2026-01-04", "equity": 1300},
                {**self.keys("3003"), "date": "2026-01-08", "equity": 500},
            ]
        )
        self.sync.push_fundings(
            [self.funding("GD", 5000, "2026-01-05T10:00:00Z", login="3002")]
        )
        subs = (
            self.start_copy(self.fred, "3001")
            | self.start_copy(self.gina, "3002")
            | self.start_copy(self.hugo, "3003")
        )
        subs.write({"start_date": date(2026, 1, 1)})
        subs[2].action_stop()
        subs[2].stop_date = date(2026, 1, 4)
        self.strategy._fx_recompute_statistics(date(2026, 1, 8))
        s = self.strategy
        self.assertEqual(s.followers_measured, 3)
        # (10 - 5 + 30) / 3 = 11.6667; median 10
        self.assertAlmostEqual(s.followers_return_total_avg, 35 / 3, places=6)
        self.assertAlmostEqual(s.followers_return_total_median, 10.0, places=6)
        # younger than 30 days: their whole life
        self.assertAlmostEqual(s.followers_return_30_median, 10.0, places=6)
        # active copies: Fred and Gina; assets under copy 1,000 + 1,000
        self.assertEqual(
            (s.copier_count, s.follower_count, s.assets_under_copy), (2, 2, 2000)
        )

    def test_reproduce_export(self):
        rows = self.strategy._fx_reproduce_rows()
        self.assertEqual(rows[0][:4], ["section", "date", "equity", "net_deposit"])
        equity_rows = [r for r in rows if r[0] == "equity"]
        trade_rows = [r for r in rows if r[0] == "trade"]
        self.assertEqual(len(equity_rows), 7)
        self.assertEqual(
            equity_rows[2][:4], ["equity", "2026-01-03", "1710.00", "500.00"]
        )
        self.assertEqual(
            equity_rows[5][:4], ["equity", "2026-01-06", "1000.00", "-385.10"]
        )
        self.assertEqual(
            [r[-1] for r in trade_rows],
            ["120.00", "-30.00", "-50.00", "-20.00", "80.00"],
        )
        curve = self.strategy._fx_equity_curve()
        self.assertAlmostEqual(curve[-1][1], 1.029105, places=9)
