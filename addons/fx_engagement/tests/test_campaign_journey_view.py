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
