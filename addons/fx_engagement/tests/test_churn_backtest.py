"""The churn backtest and the weight tuning on a constructed history
(docs/METRICS.md#churn-backtest); today is 2026-06-30, horizon 30 days, so the
scoring days are 05-31, 05-24, 05-17 ... (every 7 days)."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, freeze_time, new_test_user

from ..lib.kpi import classification, quintile_score, rfm_segment, tune_weights

# (name, day, stage, risk, idle days, points (recency, volume, deposits,
# withdrawals), churned at)
HISTORY = [
    ("P1", "2026-05-31", "dormant", 80, 40, (40, 25, 15, 0), "2026-06-10 09:00"),
    ("P2", "2026-05-31", "active", 70, 5, (40, 10, 0, 20), "2026-06-20 09:00"),
    ("P3", "2026-05-31", "active", 60, 10, (0, 25, 15, 20), None),
    ("P4", "2026-05-31", "dormant", 20, 35, (20, 0, 0, 0), "2026-06-15 09:00"),
    ("P5", "2026-05-31", "active", 10, 25, (0, 10, 0, 0), None),
    ("P6", "2026-05-31", "active", 5, 2, (0, 0, 5, 0), None),
    # churned on the last day of the horizon (before 07-01 00:00): counts
    ("P7", "2026-05-31", "dormant", 30, 20, (30, 0, 0, 0), "2026-06-30 10:00"),
    # already churned that day: not scored
    ("P8", "2026-05-31", "churned", 90, 90, (40, 25, 15, 10), "2026-05-01 09:00"),
    # churned the same day as the snapshot: before the horizon, not a churn
    ("P9", "2026-05-31", "dormant", 90, 60, (40, 25, 5, 20), "2026-05-31 18:00"),
    # a second scoring day for P1 (05-24: horizon 05-25 .. 06-23, churned 06-10)
    ("P1", "2026-05-24", "dormant", 50, 33, (30, 20, 0, 0), None),
    # not a scoring day (05-30): ignored
    ("P3", "2026-05-30", "active", 99, 99, (40, 25, 15, 19), None),
]


@freeze_time("2026-06-30 12:00:00")
class TestChurnBacktest(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="bt_manager",
            groups="base.group_user,fx_engagement.group_fx_manager",
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="bt_sales",
            groups="base.group_user,fx_engagement.group_fx_user",
        )
        cls.env["fx.kpi.snapshot"].search([]).unlink()
        names = sorted({row[0] for row in HISTORY})
        cls.traders = {
            name: cls.env["res.partner"].create({"name": name, "fx_is_trader": True})
            for name in names
        }
        churns = {row[0]: row[6] for row in HISTORY if row[6]}
        cls.env["fx.trader.stage.history"].create(
            [
                {
                    "partner_id": cls.traders[name].id,
                    "stage_from": "dormant",
                    "stage_to": "churned",
                    "date": date,
                }
                for name, date in churns.items()
            ]
        )
        cls.env["fx.kpi.snapshot"].create(
            [
                {
                    "partner_id": cls.traders[name].id,
                    "date": day,
                    "stage": stage,
                    "churn_risk": risk,
                    "idle_days": idle,
                    "pts_recency": pts[0],
                    "pts_volume": pts[1],
                    "pts_deposits": pts[2],
                    "pts_withdrawals": pts[3],
                    "traders": 1,
                }
                for name, day, stage, risk, idle, pts, _churn in HISTORY
            ]
        )

    def wizard(self, **values):
        return (
            self.env["fx.churn.backtest"]
            .with_user(self.manager)
            .create(
                {"threshold": 60, "horizon_days": 30, "inactivity_days": 30, **values}
            )
        )

    def test_backtest_against_the_inactivity_rule(self):
        wizard = self.wizard()
        wizard.action_run()
        # scored rows: P1-P7 and P9 on 05-31, P1 on 05-24 = 9; churned in the
        # horizon: P1 (twice), P2, P4, P7 = 5; base rate 5 / 9 = 55.6 %
        self.assertEqual((wizard.cohorts, wizard.traders, wizard.churned), (2, 9, 5))
        self.assertAlmostEqual(wizard.base_rate, 500 / 9, places=1)  # 55.6
        # risk >= 60: P1, P2, P3, P9 on 05-31; churned: P1, P2
        self.assertEqual((wizard.score_predicted, wizard.score_true_positives), (4, 2))
        self.assertAlmostEqual(wizard.score_precision, 50.0)
        self.assertAlmostEqual(wizard.score_recall, 40.0)
        self.assertAlmostEqual(wizard.score_lift, 0.9)
        self.assertAlmostEqual(wizard.score_f1, 2 * 50 * 40 / 90, places=1)  # 44.4
        # idle >= 30 days: P1 (40), P4 (35), P9 (60), P1 on 05-24 (33); churned: 3
        self.assertEqual((wizard.rule_predicted, wizard.rule_true_positives), (4, 3))
        self.assertAlmostEqual(wizard.rule_precision, 75.0)
        self.assertAlmostEqual(wizard.rule_recall, 60.0)
        self.assertAlmostEqual(wizard.rule_lift, 1.35)
        self.assertAlmostEqual(wizard.rule_f1, 2 * 75 * 60 / 135, places=1)  # 66.7

    def test_one_scoring_day(self):
        # look back 30 days: 05-31 only; 8 scored, 4 churned (P1, P2, P4, P7)
        wizard = self.wizard(period_days=30)
        wizard.action_run()
        self.assertEqual((wizard.cohorts, wizard.traders, wizard.churned), (1, 8, 4))
        self.assertEqual((wizard.score_predicted, wizard.score_true_positives), (4, 2))
        self.assertAlmostEqual(wizard.score_lift, 1.0)

    def test_tuning_shows_weights_and_applies_on_confirmation(self):
        wizard = self.wizard()
        wizard.action_tune()
        # recency x 2 flags every churned row but P4 (2 x 20 = 40), and P9:
        # 4 of 5 flagged rows churned, 4 of 5 churned rows flagged: F1 80 %.
        # With recency x 2, P3 (0, 25, 15, 20) must stay below 60: all 1 gives
        # 60; halving volume (12), deposits (8) or withdrawals (10) does, the
        # same distance from all 1: the first in grid order (volume) wins.
        self.assertTrue(wizard.tuned)
        self.assertEqual(wizard.weight_recency, 2.0)
        self.assertAlmostEqual(wizard.tuned_f1, 80.0)
        self.assertAlmostEqual(wizard.tuned_precision, 80.0)
        self.assertAlmostEqual(wizard.tuned_recall, 80.0)
        weights = (
            wizard.weight_falling_volume,
            wizard.weight_falling_deposits,
            wizard.weight_withdrawals,
        )
        self.assertEqual(weights, (0.5, 1.0, 1.0))
        # nothing applied until confirmed
        param = self.env["ir.config_parameter"].sudo()
        self.assertFalse(param.get_param("fx_engagement.churn_weights"))
        wizard.action_apply_weights()
        self.assertEqual(
            self.env["res.partner"]._fx_churn_weights(),
            {
                "recency": 2.0,
                "falling_volume": 0.5,
                "falling_deposits": 1.0,
                "withdrawals": 1.0,
            },
        )
        wizard.action_reset_weights()
        self.assertIsNone(self.env["res.partner"]._fx_churn_weights())

    def test_managers_only(self):
        with self.assertRaises(AccessError):
            self.env["fx.churn.backtest"].with_user(self.salesperson).create({})
        wizard = self.wizard()
        with self.assertRaisesRegex(UserError, "Tune the weights"):
            wizard.action_apply_weights()

    def test_bad_values_refused(self):
        Wizard = self.env["fx.churn.backtest"].with_user(self.manager)
        count = Wizard.search_count([])
        for values, field in (
            ({"threshold": 0}, "Risk Threshold"),
            ({"threshold": 101}, "Risk Threshold"),
            ({"horizon_days": 0}, "Churned Within"),
            ({"step_days": 0}, "Every"),
            ({"period_days": -5}, "Look Back"),
        ):
            with self.subTest(values=values):
                with self.assertRaises(ValidationError) as caught:
                    self.wizard(**values)
                self.assertIn(field, str(caught.exception))
        self.assertEqual(Wizard.search_count([]), count)

    def test_settings_refuse_out_of_range(self):
        with self.assertRaisesRegex(ValidationError, "Churn Alert Threshold"):
            self.env["res.config.settings"].create(
                {"fx_churn_alert_threshold": 101}
            ).execute()
        param = self.env["ir.config_parameter"].sudo()
        self.assertFalse(param.get_param("fx_engagement.churn_alert_threshold"))
        self.env["res.config.settings"].create(
            {"fx_churn_alert_threshold": 45, "fx_conversion_days": 3}
        ).execute()
        self.assertEqual(param.get_param("fx_engagement.churn_alert_threshold"), "45")
        self.assertEqual(
            self.env["res.partner"]._fx_kpi_settings()["conversion_days"], 3
        )

    def test_empty_history(self):
        self.env["fx.kpi.snapshot"].search([]).unlink()
        wizard = self.wizard()
        wizard.action_run()
        self.assertEqual((wizard.traders, wizard.score_precision), (0, 0.0))
        with self.assertRaisesRegex(UserError, "No snapshot"):
            wizard.action_tune()


class TestKpiLib(TransactionCase):
    """The pure functions (no database needed; run with the others)."""

    def test_quintile_score(self):
        self.assertEqual(
            [quintile_score(r, 10) for r in range(1, 11)],
            [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
        )
        self.assertEqual(
            [quintile_score(r, 7) for r in range(1, 8)], [1, 1, 2, 3, 3, 4, 5]
        )
        self.assertEqual(quintile_score(1, 1), 1)
        with self.assertRaises(ValueError):
            quintile_score(0, 5)

    def test_rfm_segments(self):
        self.assertEqual(rfm_segment(5, 5, 5), "champion")
        self.assertEqual(rfm_segment(1, 1, 1), "hibernating")
        self.assertEqual(rfm_segment(1, 5, 1), "at_risk")
        self.assertEqual(rfm_segment(2, 1, 4), "at_risk")
        self.assertEqual(rfm_segment(3, 3, 1), "loyal")
        self.assertEqual(rfm_segment(5, 1, 1), "promising")
        self.assertEqual(rfm_segment(3, 2, 2), "needs_attention")
        self.assertEqual(rfm_segment(2, 3, 3), "needs_attention")

    def test_classification_zero_division(self):
        result = classification(0, 0, 0, 0)
        self.assertEqual((result.precision, result.recall, result.lift), (0, 0, 0))

    def test_tune_prefers_current_weights_on_ties(self):
        # one churned trader with recency points only: every combination keeping
        # recency >= 1 reaches F1 100; all weights 1 is chosen
        weights, result = tune_weights([((60, 0, 0, 0), True, 1)], 60)
        self.assertEqual(set(weights.values()), {1.0})
        self.assertEqual(result.f1, 100.0)
