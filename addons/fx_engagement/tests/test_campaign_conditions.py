"""Campaign triggers and step conditions read as trader conditions
(docs/METRICS.md#campaign-triggers, #step-conditions), step actions dispatched
per type, and the A/B decision's minimum sample (docs/METRICS.md#ab-decision)."""

from odoo.exceptions import ValidationError
from odoo.tests import freeze_time
from odoo.tools import mute_logger

from odoo.addons.fx_engagement.models.fx_campaign_step import MESSAGE_ACTIONS

from .test_campaign import T0, CampaignCase

NEXT_DAY = "2026-11-24 10:00:00"


@freeze_time(T0)
class TestStepConditions(CampaignCase):
    def tag(self, name):
        return self.env["res.partner.category"].create({"name": name})

    def demo_trade(self, name, ticket, at):
        login = f"D-{name}"
        self.sync.push_accounts(
            [self.account(login, client_ref=f"R-{name}", type="demo")]
        )
        self.sync.push_trades([self.trade(ticket, at, login=login)])

    def live_trade(self, name, ticket, at):
        self.sync.push_trades([self.trade(ticket, at, login=f"L-{name}")])

    def test_no_deposit_no_trade_since_entering(self):
        no_deposit, no_trade, in_segment = (
            self.tag("No deposit"),
            self.tag("No trade"),
            self.tag("In segment"),
        )
        campaign = self.campaign(
            [
                {
                    "action_type": "tag_add",
                    "tag_id": no_deposit.id,
                    "condition": "no_deposit",
                    "wait_value": 1,
                },
                {
                    "action_type": "tag_add",
                    "tag_id": no_trade.id,
                    "condition": "no_trade",
                },
                # without a segment on the campaign: holds for everyone
                {
                    "action_type": "tag_add",
                    "tag_id": in_segment.id,
                    "condition": "in_segment",
                },
            ]
        )
        ann, bob, cem, dia = self.register("ann", "bob", "cem", "dia")
        # bob deposited and traded before entering (at 10:00, the run's time)
        self.fund("bob", 100, "2026-11-23T09:30:00Z")
        self.live_trade("bob", 1, "2026-11-23T09:40:00Z")
        campaign._fx_process()
        self.assertEqual(campaign.participant_ids.partner_id, ann | bob | cem | dia)
        self.assertEqual(
            {str(d) for d in campaign.participant_ids.mapped("enrolled_date")}, {T0}
        )
        # ann: a deposit and a demo-account trade dated exactly when she entered
        self.fund("ann", 100, "2026-11-23T10:00:00Z")
        self.demo_trade("ann", 2, "2026-11-23T10:00:00Z")
        # cem: both later the same day; dia: nothing
        with freeze_time("2026-11-23 12:00:00"):
            self.fund("cem", 100, "2026-11-23T12:00:00Z")
            self.live_trade("cem", 3, "2026-11-23T12:00:00Z")
        with freeze_time(NEXT_DAY):
            for _step in range(3):
                campaign._fx_process()
        self.assertEqual(no_deposit.partner_ids, bob | dia)
        self.assertEqual(no_trade.partner_ids, bob | dia)
        self.assertEqual(in_segment.partner_ids, ann | bob | cem | dia)
        for partner, results in (
            (ann, ["skipped", "skipped", "done"]),
            (bob, ["done", "done", "done"]),
            (cem, ["skipped", "skipped", "done"]),
            (dia, ["done", "done", "done"]),
        ):
            participant = self.participant(campaign, partner)
            self.assertEqual(participant.log_ids.sorted("id").mapped("result"), results)
            self.assertEqual(participant.state, "done")

    def segment_campaigns(self):
        segment = self.env["fx.segment"].create(
            {
                "name": "Chosen",
                "domain": "[('fx_client_ref', 'in', ['R-ann', 'R-bob'])]",
                "refresh_policy": "manual",
            }
        )
        ann, bob = self.register("ann", "bob")
        self.register("cem")
        segment.action_refresh()
        kept, leaving = self.tag("Kept"), self.tag("Leaving")
        values = {"trigger_type": "once", "segment_id": segment.id}
        condition = self.campaign(
            [
                {
                    "action_type": "tag_add",
                    "tag_id": kept.id,
                    "condition": "in_segment",
                    "wait_value": 1,
                }
            ],
            exit_on_segment_leave=False,
            **values,
        )
        exiting = self.campaign(
            [{"action_type": "tag_add", "tag_id": leaving.id, "wait_value": 1}],
            exit_on_segment_leave=True,
            **values,
        )
        for campaign in (condition, exiting):
            campaign._fx_process()
            self.assertEqual(campaign.participant_ids.partner_id, ann | bob)
        # bob leaves the segment before the step
        segment.domain = "[('fx_client_ref', '=', 'R-ann')]"
        segment.action_refresh()
        with freeze_time(NEXT_DAY):
            condition._fx_process()
            exiting._fx_process()
        return ann, bob, (condition, kept), (exiting, leaving)

    def test_still_in_segment_and_exit_on_leaving(self):
        ann, bob, (condition, kept), (exiting, leaving) = self.segment_campaigns()
        # the condition: bob is skipped, ann tagged; both finish the journey
        self.assertEqual(kept.partner_ids, ann)
        self.assertRecordValues(
            self.participant(condition, bob).log_ids,
            [{"result": "skipped", "detail": "condition not met"}],
        )
        self.assertEqual(condition.participant_ids.mapped("state"), ["done", "done"])
        # exit on leaving: bob exits before the step, ann goes on
        self.assertEqual(leaving.partner_ids, ann)
        self.assertRecordValues(
            self.participant(exiting, bob),
            [{"state": "exited", "exit_reason": "left_segment"}],
        )
        self.assertEqual(
            self.participant(exiting, bob).log_ids.detail, "left the segment"
        )
        self.assertEqual(self.participant(exiting, ann).state, "done")


@freeze_time(T0)
class TestConditionTriggers(CampaignCase):
    def enrolled(self, campaign):
        campaign._fx_process()
        return campaign.participant_ids.partner_id

    def test_no_trade_for_n_days_boundary(self):
        # 14 days before the run: 2026-11-09 10:00:00
        ann, bob, cem, dia = self.register(
            "ann", "bob", "cem", "dia", at="2026-09-01T09:00:00Z"
        )
        for name in ("ann", "bob"):
            self.fund(name, 100, "2026-10-01T09:00:00Z")
        self.sync.push_trades(
            [
                # ann traded exactly 14 days ago: not before the window
                self.trade(1, "2026-11-09T10:00:00Z", login="L-ann"),
                # bob a second earlier: before it
                self.trade(2, "2026-11-09T09:59:59Z", login="L-bob"),
            ]
        )
        # cem deposited 15 days ago and never traded; dia never deposited
        self.fund("cem", 100, "2026-11-08T10:00:00Z")
        campaign = self.campaign(
            [{"action_type": "email"}], event_type="no_trade", event_days=14
        )
        self.assertEqual(self.enrolled(campaign), bob | cem)
        self.assertFalse(dia.fx_is_funded)

    def test_churn_risk_threshold(self):
        cem, eve, dia = self.register("cem", "eve", "dia", at="2026-09-01T09:00:00Z")
        # cem: 500 deposited 53 days and 1 hour ago, never traded:
        # recency round(40 x min(1, (53.04 / 30 - 1) / 3)) = round(10.24) = 10,
        # falling deposits round(15 x (1 - 0 / 250)) = 15: 25
        self.fund("cem", 500, "2026-10-01T09:00:00Z")
        # eve deposited today (0 points), dia never did (0 points)
        self.fund("eve", 500, "2026-11-23T09:00:00Z")
        self.assertEqual((cem | eve | dia).mapped("fx_churn_risk"), [25, 0, 0])
        at_25, at_26, at_0 = (
            self.campaign(
                [{"action_type": "email"}],
                event_type="churn_risk",
                event_threshold=threshold,
            )
            for threshold in (25, 26, 0)
        )
        self.assertEqual(self.enrolled(at_25), cem)
        self.assertFalse(self.enrolled(at_26))
        self.assertEqual(self.enrolled(at_0), cem | eve | dia)

    def test_trigger_event_hook_for_a_built_in_event(self):
        ann, bob = self.register("ann", "bob", at="2026-10-01T09:00:00Z")
        campaign = self.campaign([{"action_type": "email"}], event_type="deposit")
        trigger = self.env["fx.campaign"]._fx_trigger_event
        self.assertEqual(trigger("deposit", ann.ids), 1)
        self.assertEqual(campaign.participant_ids.partner_id, ann)
        self.assertEqual(trigger("withdrawal", bob.ids), 0)
        self.assertEqual(trigger("no_such_event", bob.ids), 0)
        self.assertEqual(campaign.participant_ids.partner_id, ann)


@freeze_time(T0)
class TestStepActionDispatch(CampaignCase):
    def test_each_action_type_has_its_method(self):
        Step = self.env["fx.campaign.step"]
        types = [key for key, _label in Step._fields["action_type"].selection]
        self.assertIn("server_action", types)
        for action in types:
            if action not in MESSAGE_ACTIONS:
                self.assertTrue(
                    callable(getattr(Step, f"_run_action_{action}", None)), action
                )

    def test_action_without_a_method_fails_clearly(self):
        tag = self.env["res.partner.category"].create({"name": "Never"})
        campaign = self.campaign([{"action_type": "tag_add", "tag_id": tag.id}])
        # an action type whose addon was removed (no method left to run it)
        self.env.cr.execute(
            "UPDATE fx_campaign_step SET action_type = 'fax' WHERE id = %s",
            [campaign.step_ids.id],
        )
        campaign.step_ids.invalidate_recordset(["action_type"])
        [ann] = self.register("ann")
        with mute_logger("odoo.addons.fx_engagement.models.fx_campaign_participant"):
            campaign._fx_process()
        participant = self.participant(campaign, ann)
        self.assertRecordValues(
            participant, [{"state": "exited", "exit_reason": "failed"}]
        )
        self.assertIn("the action fax cannot run here", participant.last_error)
        self.assertFalse(tag.partner_ids)


@freeze_time(T0)
class TestABMinimumSample(CampaignCase):
    def ab_campaign(self, **values):
        return super().ab_campaign(ab_metric="deposit_amount", **values)

    def test_minimum_sample_at_least_two(self):
        campaign = self.ab_campaign(ab_min_sample=10)
        for bad in (1, 0, -5):
            with self.assertRaises(ValidationError) as caught:
                campaign.ab_min_sample = bad
            self.assertIn(
                "The minimum sample per variant must be at least 2",
                str(caught.exception),
            )
            # nothing written
            campaign.invalidate_recordset(["ab_min_sample"])
            self.assertEqual(campaign.ab_min_sample, 10)
        with self.assertRaises(ValidationError):
            self.ab_campaign(ab_min_sample=1, name="Too small")
        self.assertFalse(self.Campaign.search([("name", "=", "Too small")]))
        campaign.ab_min_sample = 2
        self.assertEqual(campaign.ab_min_sample, 2)

    def test_one_participant_waits_instead_of_crashing(self):
        campaign = self.ab_campaign(ab_min_sample=10)
        # a minimum of 1 saved before the constraint existed
        self.env.cr.execute(
            "UPDATE fx_campaign SET ab_min_sample = 1 WHERE id = %s", [campaign.id]
        )
        campaign.invalidate_recordset(["ab_min_sample"])
        ann, bob, cem, dia = self.register("ann", "bob", "cem", "dia")
        campaign._fx_process()  # everyone gets a variant's e-mail
        variant_a, variant_b = campaign.variant_ids.sorted("sequence")
        participants = campaign.participant_ids
        self.assertEqual(len(participants.filtered("in_ab_test")), 4)
        # A: ann alone, with a deposit; B: the three others
        self.participant(campaign, ann).variant_id = variant_a
        (participants - self.participant(campaign, ann)).variant_id = variant_b
        with freeze_time("2026-11-23 11:00:00"):
            self.fund("ann", 100, "2026-11-23T11:00:00Z")
        with freeze_time("2026-11-24 11:00:00"):
            campaign._fx_process()
        self.assertFalse(campaign.ab_decided)
        self.assertEqual(campaign.ab_result, "not enough participants yet (1 < 2)")
        # two in each: judged (means 50 and 0, variance 2,500 and 0: se = 35.36,
        # z = 1.414, p = 0.157): no significant difference
        self.participant(campaign, bob).variant_id = variant_a
        with freeze_time("2026-11-24 12:00:00"):
            campaign._fx_process()
        self.assertTrue(campaign.ab_decided)
        self.assertFalse(campaign.ab_winner_id)
        self.assertEqual(
            campaign.ab_result,
            "No significant difference (p = 0.1573): the others get the first "
            "variant.",
        )
