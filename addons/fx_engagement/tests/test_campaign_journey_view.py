from odoo import fields
from odoo.tests import freeze_time, new_test_user

from .test_campaign import CampaignCase

T0 = "2026-11-23 18:00:00"  # 22:00 in Dubai (quiet), 18:00 in London


@freeze_time(T0)
class TestJourneyView(CampaignCase):
    """The journey counts of a two-step campaign with an A/B test, and what Run
    Now says."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("fx_engagement.quiet_start", 21)
        cls.env["ir.config_parameter"].set_param("fx_engagement.quiet_end", 8)
        cls.manager = new_test_user(
            cls.env, login="journey_manager", groups="fx_engagement.group_fx_manager"
        )

    def setUp(self):
        super().setUp()
        self.ann, self.bob, self.cem, self.dia = self.register(
            "ann", "bob", "cem", "dia", at="2026-11-23T17:00:00Z"
        )
        self.ann.tz = "Asia/Dubai"
        (self.bob | self.cem | self.dia).write({"tz": "Europe/London"})
        self.env["mail.blacklist"].create({"email": "dia@example.com"})
        self.campaign_ = self.campaign(
            [
                {
                    "action_type": "email",
                    "subject": "Welcome",
                    "variant_ids": [
                        (0, 0, {"name": "A", "split_pct": 50, "sequence": 1}),
                        (0, 0, {"name": "B", "split_pct": 50, "sequence": 2}),
                    ],
                },
                {
                    "action_type": "activity",
                    "wait_value": 2,
                    "condition": "no_deposit",
                    "activity_summary": "Call about the first deposit",
                },
            ],
            goal_type="deposit",
            goal_days=7,
        )
        self.step1, self.step2 = self.campaign_.step_ids.sorted("sequence")

    def counts(self, data, index):
        return data["steps"][index]["counts"]

    def test_run_now_reports_and_journey_counts(self):
        campaign = self.campaign_.with_user(self.manager)
        action = campaign.action_run_now()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(
            action["params"]["message"],
            "4 entered; 2 sent, 0 other actions done, 1 deferred (quiet hours), "
            "0 capped, 1 blocked (consent), 0 failed.",
        )
        self.assertEqual(action["params"]["type"], "success")
        data = campaign.fx_journey_data()
        self.assertEqual(data["entered"], 4)
        self.assertEqual([s["name"] for s in data["steps"]], ["Step 1", "Step 2"])
        self.assertEqual(
            self.counts(data, 0),
            {
                "entered": 4,
                "waiting": 0,
                "deferred": 1,
                "capped": 0,
                "blocked": 1,
                "sent": 2,
                "opened": 0,
                "clicked": 0,
                "converted": 0,
            },
        )
        self.assertEqual(self.counts(data, 1)["entered"], 2)
        self.assertEqual(self.counts(data, 1)["waiting"], 2)
        # the variants split the sends of the step
        variants = data["steps"][0]["variants"]
        self.assertEqual([v["name"] for v in variants], ["A", "B"])
        self.assertEqual(sum(v["counts"]["sent"] for v in variants), 2)
        # each count opens its participants
        sent = campaign.action_view_journey_list(self.step1.id, "sent")
        self.assertEqual(
            self.env["fx.campaign.participant"].search(sent["domain"]).partner_id,
            self.bob | self.cem,
        )
        self.assertEqual(sent["display_name"], "Step 1: Sent")
        deferred = campaign.action_view_journey_list(self.step1.id, "deferred")
        self.assertEqual(
            self.env["fx.campaign.participant"].search(deferred["domain"]).partner_id,
            self.ann,
        )
        # bob opens, cem deposits the next morning: opened and converted
        trace = self.traces(self.bob)
        trace.write({"open_datetime": "2026-11-23 19:00:00", "trace_status": "open"})
        with freeze_time("2026-11-24 07:00:00"):
            self.fund("cem", 500, "2026-11-24T06:00:00Z")
            action = campaign.action_run_now()
            data = campaign.fx_journey_data()
        self.assertEqual(self.counts(data, 0)["opened"], 1)
        self.assertEqual(self.counts(data, 0)["converted"], 1)
        # ann's deferred e-mail went at this run (08:00 in Dubai is 04:00 UTC):
        # she waits at step 2 with bob; cem left (goal reached)
        self.assertEqual(self.counts(data, 1)["waiting"], 2)
        self.assertEqual(self.counts(data, 0)["sent"], 3)
        self.assertEqual(self.counts(data, 0)["deferred"], 0)

    def test_run_now_says_why_nothing_was_sent(self):
        campaign = self.campaign_.with_user(self.manager)
        campaign.action_run_now()
        with freeze_time("2026-11-23 19:00:00"):
            action = campaign.action_run_now()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertEqual(
            action["params"]["message"],
            "Nothing was sent. No step is due yet: the next one is due at "
            "2026-11-24 04:00:00 (UTC). "
            "0 entered; 0 sent, 0 other actions done, 0 deferred (quiet hours), "
            "0 capped, 0 blocked (consent), 0 failed.",
        )

    def test_unknown_count_refused(self):
        with self.assertRaisesRegex(Exception, "Unknown journey count: bogus"):
            self.campaign_.action_view_journey_list(self.step1.id, "bogus")


@freeze_time("2026-11-23 10:00:00")
class TestCampaignResults(CampaignCase):
    """Rates per variant against the holdout, and the A/B verdict, on a book
    whose assignment the test sets itself."""

    def test_rates_per_group_and_verdict(self):
        campaign = self.ab_campaign(
            ab_min_sample=2, holdout_pct=20, goal_type="deposit"
        )
        names = [f"t{n}" for n in range(10)]
        traders = self.register(*names)
        campaign._fx_enrol(fields.Datetime.now())
        self.env.flush_all()
        variant_a, variant_b = campaign.step_ids.variant_ids.sorted("sequence")
        by_partner = {p.partner_id: p for p in campaign.participant_ids}
        self.assertEqual(len(by_partner), 10)
        for index, trader in enumerate(traders):
            values = {"variant_id": False, "is_holdout": True, "in_ab_test": False}
            if index < 8:
                variant = variant_a if index < 4 else variant_b
                values = {
                    "variant_id": variant.id,
                    "is_holdout": False,
                    "in_ab_test": True,
                }
            by_partner[trader].write(values)
        campaign._fx_process()
        # opens: t0 (A) and t4 (B)
        for index in (0, 4):
            self.traces(traders[index]).write(
                {"open_datetime": "2026-11-23 10:30:00", "trace_status": "open"}
            )
        with freeze_time("2026-11-23 12:00:00"):
            self.fund("t0", 200, "2026-11-23T11:00:00Z")  # A
            self.fund("t4", 100, "2026-11-23T11:00:00Z")  # B
            self.fund("t5", 300, "2026-11-23T11:00:00Z")  # B
            self.fund("t8", 50, "2026-11-23T11:00:00Z")  # holdout
            self.sync.push_trades(
                [self.trade("X1", "2026-11-23T11:30:00Z", login="L-t4", commission=-7)]
            )
            campaign._fx_process()
            results = campaign.fx_campaign_results()
        groups = {g["label"]: g for g in results["groups"]}
        self.assertEqual(list(groups), ["A", "B", "Contacted", "Holdout"])
        expected = {
            # participants, sent, opened, converted, conversion, deposits/contact,
            # revenue/contact, uplift against the holdout's 50 %
            "A": (4, 4, 1, 1, 0.25, 50.0, 0.0, -0.25),
            "B": (4, 4, 1, 2, 0.5, 100.0, 1.75, 0.0),
            "Contacted": (8, 8, 2, 3, 0.375, 75.0, 0.875, -0.125),
            "Holdout": (2, 0, 0, 1, 0.5, 25.0, 0.0, False),
        }
        for label, values in expected.items():
            group = groups[label]
            self.assertEqual(
                (
                    group["participants"],
                    group["sent"],
                    group["opened"],
                    group["converted"],
                    group["conversion_rate"],
                    group["deposits_per_contact"],
                    group["revenue_per_contact"],
                    group["uplift"],
                ),
                values,
                label,
            )
        self.assertEqual(groups["A"]["open_rate"], 0.25)
        # 1 of 4 against 2 of 4: p = 0.465, not significant; 58 per variant
        # needed to tell 25 % from 50 % at 95 % with 80 % power
        self.assertEqual(
            results["verdict"],
            "Not enough data yet: 4 of 58 needed per variant "
            "(B: 50.0 %, A: 25.0 % so far)",
        )
        [step] = results["steps"]
        self.assertEqual((step["entered"], step["sent"]), (10, 8))
        self.assertEqual(step["open_rate"], 0.25)
        self.assertEqual(step["conversion_rate"], 0.3)  # t0, t4, t5 of 10
        action = campaign.action_view_results_over_time()
        self.assertEqual(action["domain"], [("campaign_id", "=", campaign.id)])

    def test_winner_in_words(self):
        campaign = self.ab_campaign(ab_min_sample=2, goal_type="deposit")
        traders = self.register(*[f"w{n:02d}" for n in range(40)])
        campaign._fx_enrol(fields.Datetime.now())
        self.env.flush_all()
        variant_a, variant_b = campaign.step_ids.variant_ids.sorted("sequence")
        by_partner = {p.partner_id: p for p in campaign.participant_ids}
        for index, trader in enumerate(traders):
            variant = variant_a if index < 20 else variant_b
            by_partner[trader].write(
                {"variant_id": variant.id, "is_holdout": False, "in_ab_test": True}
            )
        campaign._fx_process()
        with freeze_time("2026-11-23 12:00:00"):
            # A: 2 of 20 deposit (10 %), B: 12 of 20 (60 %)
            for index in [0, 1, *range(20, 32)]:
                self.fund(f"w{index:02d}", 100, "2026-11-23T11:00:00Z")
            campaign._fx_process()
            verdict = campaign.fx_campaign_results()["verdict"]
        # z = 0.5 / sqrt(0.35 * 0.65 * 0.1) = 3.315, p = 0.0009: 99 %
        self.assertEqual(
            verdict, "B raises deposits from 10.0 % to 60.0 %, 99 % confidence — winner"
        )
