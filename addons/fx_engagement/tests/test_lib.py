"""Pure computations: no database."""

import unittest
from datetime import datetime, timedelta

from odoo.addons.fx_engagement.lib.campaign_results import (
    confidence_of,
    needed_sample_means,
    needed_sample_rates,
)
from odoo.addons.fx_engagement.lib.churn import churn_risk
from odoo.addons.fx_engagement.lib.demo_book import (
    DemoTrader,
    generate,
    stage_changes,
    sync_batches,
)
from odoo.addons.fx_engagement.lib.lifecycle import compute_stage
from odoo.addons.fx_engagement.lib.stats import (
    DecisionStatus,
    Variant,
    decide_winner,
    two_proportion_z_test,
    welch_z_test,
)
from odoo.addons.fx_engagement.lib.validation import (
    BatchError,
    Field,
    validate_batch,
)

NOW = datetime(2026, 11, 23, 12, 0, 0)


def days_ago(n):
    return NOW - timedelta(days=n)


class TestComputeStage(unittest.TestCase):
    def stage(self, **kw):
        facts = {
            "registered": False,
            "kyc_status": None,
            "ftd_date": None,
            "last_trade": None,
            "last_deposit": None,
        }
        facts.update(kw)
        return compute_stage(NOW, **facts)

    def test_before_funding(self):
        self.assertEqual(self.stage(), "lead")
        self.assertEqual(self.stage(registered=True), "registered")
        self.assertEqual(self.stage(registered=True, kyc_status="none"), "registered")
        self.assertEqual(
            self.stage(registered=True, kyc_status="pending"), "kyc_pending"
        )
        self.assertEqual(
            self.stage(registered=True, kyc_status="rejected"), "kyc_pending"
        )
        self.assertEqual(
            self.stage(registered=True, kyc_status="approved"), "kyc_approved"
        )

    def test_funded_active_dormant_churned(self):
        ftd = days_ago(10)
        base = {"registered": True, "kyc_status": "approved", "ftd_date": ftd}
        self.assertEqual(self.stage(**base, last_deposit=ftd), "funded")
        self.assertEqual(
            self.stage(**base, last_deposit=ftd, last_trade=days_ago(1)), "active"
        )
        # dormant: the last trade is 22 days old (> 21), the last deposit recent
        ftd = days_ago(100)
        base["ftd_date"] = ftd
        self.assertEqual(
            self.stage(**base, last_deposit=days_ago(5), last_trade=days_ago(22)),
            "dormant",
        )
        # exactly 21 days is still active
        self.assertEqual(
            self.stage(**base, last_deposit=ftd, last_trade=days_ago(21)), "active"
        )
        # churned: neither trade nor deposit for more than 60 days
        self.assertEqual(
            self.stage(**base, last_deposit=days_ago(61), last_trade=days_ago(70)),
            "churned",
        )
        self.assertEqual(
            self.stage(**base, last_deposit=days_ago(60), last_trade=days_ago(70)),
            "dormant",
        )

    def test_funded_never_traded(self):
        base = {"registered": True, "kyc_status": "approved"}
        self.assertEqual(
            self.stage(**base, ftd_date=days_ago(21), last_deposit=days_ago(21)),
            "funded",
        )
        self.assertEqual(
            self.stage(**base, ftd_date=days_ago(22), last_deposit=days_ago(22)),
            "dormant",
        )
        self.assertEqual(
            self.stage(**base, ftd_date=days_ago(61), last_deposit=days_ago(61)),
            "churned",
        )

    def test_settings(self):
        facts = {
            "registered": True,
            "kyc_status": "approved",
            "ftd_date": days_ago(50),
            "last_deposit": days_ago(50),
            "last_trade": days_ago(8),
        }
        self.assertEqual(compute_stage(NOW, **facts), "active")
        self.assertEqual(compute_stage(NOW, dormant_days=7, **facts), "dormant")
        self.assertEqual(
            compute_stage(NOW, dormant_days=3, churn_days=7, **facts), "churned"
        )


SCHEMA = {
    "name": Field("str", required=True, max_len=5),
    "qty": Field("float", required=True, min_value=0, strict_min=True),
    "n": Field("int"),
    "side": Field("enum", choices=("buy", "sell"), lower=True),
    "at": Field("datetime"),
    "day": Field("date"),
}


class TestValidateBatch(unittest.TestCase):
    def check(self, records, **kw):
        return validate_batch(records, SCHEMA, NOW, max_records=3, **kw)

    def errors(self, records, **kw):
        with self.assertRaises(BatchError) as ctx:
            self.check(records, **kw)
        return ctx.exception.errors

    def test_normalises(self):
        [row] = self.check(
            [
                {
                    "name": " ab ",
                    "qty": 2,
                    "n": 3.0,
                    "side": "BUY",
                    "at": "2026-11-20T10:00:00+02:00",
                    "day": "2026-11-20",
                }
            ]
        )
        self.assertEqual(row["name"], "ab")
        self.assertEqual(row["qty"], 2.0)
        self.assertEqual(row["n"], 3)
        self.assertEqual(row["side"], "buy")
        self.assertEqual(row["at"], datetime(2026, 11, 20, 8, 0, 0))
        self.assertEqual(str(row["day"]), "2026-11-20")

    def test_each_error_names_index_field_reason(self):
        errors = self.errors(
            [
                {"name": "ok", "qty": 1},
                {"qty": -1, "n": 1.5},
                {
                    "name": "toolong",
                    "qty": "1",
                    "side": "hold",
                    "at": "2030-01-01T00:00Z",
                },
            ]
        )
        self.assertEqual(
            errors,
            [
                (1, "name", "missing"),
                (1, "qty", "must be greater than 0, got -1"),
                (1, "n", "expected a whole number, got 1.5"),
                (2, "name", "longer than 5 characters"),
                (2, "qty", "expected a number, got str"),
                (2, "side", "'hold' is not one of 'buy', 'sell'"),
                (2, "at", "date in the future: '2030-01-01T00:00Z'"),
            ],
        )

    def test_batch_shape(self):
        self.assertEqual(
            self.errors([{"name": "a", "qty": 1}] * 4),
            [
                (
                    None,
                    "records",
                    "4 records in one call, the limit is 3: split the batch",
                )
            ],
        )
        self.assertEqual(
            self.errors("nope"), [(None, "records", "expected a list of records")]
        )
        self.assertEqual(
            self.errors([{"name": "a", "qty": 1, "colour": "red"}]),
            [(0, "colour", "unknown key")],
        )
        self.assertEqual(
            self.errors([{"name": "a", "qty": float("nan")}]),
            [(0, "qty", "expected a finite number")],
        )
        self.assertEqual(
            self.errors([{"name": "a", "qty": 1, "day": "23/11/2026"}]),
            [(0, "day", "not an ISO 8601 date: '23/11/2026'")],
        )

    def test_duplicate_keys_in_batch(self):
        errors = self.errors(
            [{"name": "a", "qty": 1}, {"name": "b", "qty": 1}, {"name": "a", "qty": 2}],
            key=lambda r: r["name"],
        )
        self.assertEqual(errors, [(2, "*", "same key as record 0 in this batch")])


class TestChurnRisk(unittest.TestCase):
    def risk(self, **kw):
        facts = {
            "funded": True,
            "last_trade": days_ago(1),
            "last_deposit": days_ago(40),
            "trades_90d": 45,  # usual gap 2 days
            "volume_30d": 10.0,
            "volume_90d": 30.0,
            "deposits_30d": 0.0,
            "deposits_90d": 0.0,
            "withdrawals_90d": 0.0,
        }
        facts.update(kw)
        return churn_risk(NOW, **facts)

    def test_not_funded_scores_zero(self):
        self.assertEqual(self.risk(funded=False, last_trade=None), (0, []))

    def test_churned_scores_100(self):
        score, factors = self.risk(last_trade=days_ago(100), churned_days=60)
        self.assertEqual(score, 100)
        self.assertEqual(
            [(f.code, f.points, f.detail) for f in factors],
            [("churned", 100, "churned: no trade or deposit for more than 60 days")],
        )

    def test_steady_trader_scores_zero(self):
        self.assertEqual(self.risk(), (0, []))

    def test_recency_against_own_rhythm(self):
        # 5 days idle with a 2-day rhythm: ratio 2.5 -> 40 * 1.5 / 3 = 20 points
        score, factors = self.risk(last_trade=days_ago(5))
        self.assertEqual(score, 20)
        self.assertEqual(factors[0].code, "recency")
        self.assertEqual(
            factors[0].detail, "5 days since the last activity; usual gap 2.0 days"
        )
        # 8 days or more (4x) is the full 40
        self.assertEqual(self.risk(last_trade=days_ago(8))[0], 40)
        self.assertEqual(self.risk(last_trade=days_ago(30))[0], 40)

    def test_falling_volume_deposits_and_withdrawals(self):
        score, factors = self.risk(
            volume_30d=2.5,  # 60 days before: 27.5 -> 13.75 a month; down 82%
            deposits_30d=100.0,
            deposits_90d=1100.0,  # 500 a month before; down 80%
            withdrawals_90d=550.0,  # half of deposits
        )
        self.assertEqual(
            [(f.code, f.points) for f in factors],
            [("falling_volume", 20), ("falling_deposits", 12), ("withdrawals", 10)],
        )
        self.assertEqual(score, 42)
        self.assertEqual(
            factors[0].detail,
            "lots down 82% in the last 30 days (2.50 vs 13.75 a month before)",
        )

    def test_capped_at_100(self):
        score, _factors = self.risk(
            last_trade=days_ago(60),
            volume_30d=0.0,
            deposits_30d=0.0,
            deposits_90d=900.0,
            withdrawals_90d=5000.0,
        )
        self.assertEqual(score, 100)


class TestStats(unittest.TestCase):
    def test_two_proportion_z_test_by_hand(self):
        # A: 100/1000 = 10%, B: 130/1000 = 13%; pooled 11.5%
        # se = sqrt(.115 * .885 * (2/1000)) = 0.014267; z = .03 / se = 2.1028
        z, p = two_proportion_z_test(100, 1000, 130, 1000)
        self.assertAlmostEqual(z, 2.1028, places=3)
        self.assertAlmostEqual(p, 0.03548, places=4)
        z, p = two_proportion_z_test(130, 1000, 100, 1000)
        self.assertAlmostEqual(z, -2.1028, places=3)
        self.assertEqual(two_proportion_z_test(0, 50, 0, 50), (0.0, 1.0))
        with self.assertRaises(ValueError):
            two_proportion_z_test(5, 0, 1, 10)

    def test_clear_winner(self):
        decision = decide_winner(
            [Variant("A", 1000, 100), Variant("B", 1000, 130)], min_sample=100
        )
        self.assertEqual(decision.winner, "B")
        self.assertAlmostEqual(decision.p_value, 0.03548, places=4)
        self.assertEqual(decision.reason, "significant at 95%")
        self.assertEqual(decision.status, DecisionStatus.WINNER)
        self.assertEqual(decision.status, "winner")
        self.assertTrue(decision.decided)
        # at 99% the same data is not enough
        decision = decide_winner(
            [Variant("A", 1000, 100), Variant("B", 1000, 130)], confidence=0.99
        )
        self.assertIsNone(decision.winner)
        self.assertEqual(decision.reason, "no significant difference")
        self.assertEqual(decision.status, DecisionStatus.NOT_SIGNIFICANT)
        self.assertTrue(decision.decided)

    def test_tie_and_small_samples_stay_undecided(self):
        tie = decide_winner([Variant("A", 500, 50), Variant("B", 500, 52)])
        self.assertIsNone(tie.winner)
        self.assertEqual(tie.reason, "no significant difference")
        self.assertEqual(tie.status, "not_significant")
        small = decide_winner([Variant("A", 40, 0), Variant("B", 500, 400)])
        self.assertIsNone(small.winner)
        self.assertEqual(small.reason, "not enough participants yet (40 < 100)")
        self.assertEqual(small.status, DecisionStatus.NOT_ENOUGH_DATA)
        self.assertFalse(small.decided)
        self.assertEqual((small.smallest, small.minimum), (40, 100))

    def test_three_variants_best_must_beat_all(self):
        # C beats A clearly but not B
        decision = decide_winner(
            [Variant("A", 1000, 100), Variant("B", 1000, 140), Variant("C", 1000, 150)]
        )
        self.assertIsNone(decision.winner)
        self.assertEqual(decision.status, DecisionStatus.NOT_SIGNIFICANT)

    def test_amounts(self):
        # deposits per participant: A mean 10 (sd 30), B mean 20 (sd 30), n=400
        a = Variant("A", 400, 400 * 10, 400 * (30**2 + 10**2))
        b = Variant("B", 400, 400 * 20, 400 * (30**2 + 20**2))
        decision = decide_winner([a, b], amounts=True)
        # se = sqrt(900/400 * 2) = 2.1213; z = 4.714
        self.assertEqual(decision.winner, "B")
        self.assertLess(decision.p_value, 0.0001)
        self.assertEqual(decision.status, DecisionStatus.WINNER)

    def test_one_variant_is_decided_without_winner(self):
        decision = decide_winner([Variant("A", 500, 50)])
        self.assertIsNone(decision.winner)
        self.assertEqual(decision.p_value, 1.0)
        self.assertEqual(decision.status, DecisionStatus.TOO_FEW_VARIANTS)
        self.assertTrue(decision.decided)

    def test_amounts_one_participant_waits_instead_of_raising(self):
        # the test of means needs two participants per group: with a minimum
        # sample of 1 (or 0) a variant of one is "not enough data", not an error
        with self.assertRaises(ValueError):
            welch_z_test(10.0, 0.0, 1, 20.0, 0.0, 5)
        one = Variant("A", 1, 100.0, 100.0**2)
        five = Variant("B", 5, 500.0, 5 * 100.0**2)
        for min_sample in (-1, 0, 1):
            decision = decide_winner([one, five], min_sample=min_sample, amounts=True)
            self.assertIsNone(decision.winner)
            self.assertEqual(decision.status, DecisionStatus.NOT_ENOUGH_DATA)
            self.assertEqual(decision.reason, "not enough participants yet (1 < 2)")
            self.assertEqual((decision.smallest, decision.minimum), (1, 2))
        # two each is enough: means 50 and 150 (sd 50), se = sqrt(2500/2 * 2) = 50,
        # z = 2, p = 0.0455
        a = Variant("A", 2, 100.0, 0.0**2 + 100.0**2)
        b = Variant("B", 2, 300.0, 100.0**2 + 200.0**2)
        decision = decide_winner([a, b], min_sample=1, amounts=True)
        self.assertEqual(decision.winner, "B")
        self.assertAlmostEqual(decision.p_value, 0.0455, places=4)
        # rates need one participant per group: a minimum of 0 still decides
        decision = decide_winner([Variant("A", 1, 0), Variant("B", 1, 1)], min_sample=0)
        self.assertEqual(decision.status, DecisionStatus.NOT_SIGNIFICANT)
        self.assertEqual(decision.reason, "no significant difference")


class TestNeededSample(unittest.TestCase):
    def test_textbook_two_proportions(self):
        # 10 % against 15 %, 95 % confidence, 80 % power: 686 per group
        self.assertEqual(needed_sample_rates(0.10, 0.15, 0.95), 686)
        self.assertEqual(needed_sample_rates(0.25, 0.50, 0.95), 58)

    def test_equal_rates_sized_for_a_fifth_more(self):
        self.assertEqual(
            needed_sample_rates(0.05, 0.05, 0.95), needed_sample_rates(0.05, 0.06, 0.95)
        )

    def test_means(self):
        # (1.96 + 0.8416)^2 x 5,000 / 20^2 = 98.1 -> 99
        self.assertEqual(needed_sample_means(100, 2500, 120, 2500, 0.95), 99)
        self.assertEqual(needed_sample_means(100, 0, 120, 0, 0.95), 2)

    def test_bad_input(self):
        with self.assertRaises(ValueError):
            needed_sample_rates(1.2, 0.1, 0.95)
        with self.assertRaises(ValueError):
            needed_sample_rates(0.1, 0.2, 1.0)

    def test_confidence_rounds_down(self):
        self.assertEqual(confidence_of(0.0299), 97)
        self.assertEqual(confidence_of(0.0), 99)


class TestDemoBook(unittest.TestCase):
    NOW = datetime(2026, 11, 28, 4, 0)

    def test_deterministic(self):
        first, second = generate(self.NOW), generate(self.NOW)
        self.assertEqual(first, second)
        self.assertEqual(len(first), 200)
        self.assertEqual(len({t.ref for t in first}), 200)
        events, accounts, fundings, trades = sync_batches(first)
        self.assertEqual(len(events), 200 + sum(len(t.kyc) for t in first))
        self.assertEqual(len(accounts), sum(1 for t in first if t.fundings))
        # nothing in the future
        self.assertTrue(all(t.registered < self.NOW for t in first))
        self.assertTrue(
            all(at < self.NOW for t in first for at, *_r in t.fundings + t.trades)
        )

    def test_stage_changes_at_their_dates(self):
        registered = datetime(2026, 6, 1, 9, 0)
        trader = DemoTrader(
            ref="X",
            name="X",
            email="x@example.com",
            country="AE",
            lang="ar",
            registered=registered,
            kyc=[
                (datetime(2026, 6, 2, 9), "pending"),
                (datetime(2026, 6, 3, 9), "approved"),
            ],
            fundings=[(datetime(2026, 6, 4, 9), "deposit", 500)],
            trades=[(datetime(2026, 6, 5, 9), "EURUSD", 1.0, None)],
        )
        changes = stage_changes(trader, datetime(2026, 9, 1), compute_stage)
        self.assertEqual(
            [(str(at), old, new) for at, old, new in changes],
            [
                ("2026-06-01 09:00:00", "lead", "registered"),
                ("2026-06-02 09:00:00", "registered", "kyc_pending"),
                ("2026-06-03 09:00:00", "kyc_pending", "kyc_approved"),
                ("2026-06-04 09:00:00", "kyc_approved", "funded"),
                ("2026-06-05 09:00:00", "funded", "active"),
                # daily points: 21 days after the trade (dormant), then 60 (churned)
                ("2026-06-27 09:00:00", "active", "dormant"),
                ("2026-08-05 09:00:00", "dormant", "churned"),
            ],
        )
