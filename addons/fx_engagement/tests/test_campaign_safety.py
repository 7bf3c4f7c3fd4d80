"""Campaign safety: one journey at a time per trader, one bonus per journey and
step, enrolment by arrival, a step whose mailing fails stops alone, and a step's
mailing never goes out from Email Marketing. (Runners at once, with real
concurrent transactions: test_campaign_concurrency.py.)"""

import xmlrpc.client

import psycopg2

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

from .test_campaign import T0, CampaignCase

NOBODY = "[('id', 'in', [])]"


@freeze_time(T0)
class TestOneJourneyAtATime(CampaignCase):
    def test_one_active_journey_per_trader_and_campaign(self):
        ann, bob = self.register("ann", "bob")
        campaign = self.campaign(
            [{"action_type": "email", "wait_value": 1}], reentry_policy="after_exit"
        )
        now = fields.Datetime.now()
        self.assertEqual(
            campaign._fx_insert_participants([ann.id, ann.id, bob.id], now), 2
        )
        self.assertEqual(campaign._fx_insert_participants([ann.id], now), 0)
        self.assertEqual(campaign.enrol_partners(ann.ids), 0)
        self.assertEqual(len(campaign.participant_ids), 2)
        # the database refuses a second active journey, whatever the path
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env["fx.campaign.participant"].create(
                {"campaign_id": campaign.id, "partner_id": ann.id, "enrolled_date": now}
            )
        self.assertEqual(len(campaign.participant_ids), 2)
        # a journey waiting for the A/B result is active too
        self.participant(campaign, bob).state = "waiting"
        self.assertEqual(campaign.enrol_partners(bob.ids), 0)
        # once out of the journey, ann may enter again ("after exit")
        self.participant(campaign, ann)._fx_exit("stopped", now)
        self.assertEqual(campaign.enrol_partners(ann.ids), 1)
        journeys = campaign.participant_ids.filtered(lambda p: p.partner_id == ann)
        self.assertEqual(journeys.sorted("id").mapped("state"), ["exited", "running"])

    def test_any_time_journeys_may_overlap(self):
        [ann] = self.register("ann")
        campaign = self.campaign(
            [{"action_type": "email", "wait_value": 1}], reentry_policy="any_time"
        )
        self.assertEqual(campaign.enrol_partners(ann.ids), 1)
        self.assertEqual(campaign.enrol_partners(ann.ids), 1)
        self.assertEqual(
            campaign.participant_ids.mapped("allow_parallel"), [True, True]
        )
        self.assertEqual(campaign.participant_ids.mapped("state"), ["running"] * 2)

    def test_bonus_offer_once_per_journey_and_step(self):
        [ann] = self.register("ann")
        campaign = self.campaign(
            [{"action_type": "bonus", "bonus_amount": 25, "bonus_description": "25"}],
            reentry_policy="any_time",
        )
        campaign.enrol_partners(ann.ids)
        campaign.enrol_partners(ann.ids)
        first, second = campaign.participant_ids.sorted("id")
        step = campaign.step_ids
        # a run that died before its bookkeeping, then the next run (or a
        # second runner): the first journey still has one offer
        step._fx_run_action(first)
        step._fx_run_action(first | second)
        offers = self.env["fx.bonus.offer"].search([("campaign_id", "=", campaign.id)])
        self.assertEqual(offers.participant_id, first | second)
        self.assertEqual(offers.mapped("amount"), [25.0, 25.0])
        self.assertEqual(offers.mapped("state"), ["offered", "offered"])
        self.assertEqual(offers.partner_id, ann)
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env["fx.bonus.offer"].create(
                {
                    "partner_id": ann.id,
                    "participant_id": first.id,
                    "step_id": step.id,
                    "amount": 25,
                }
            )
        # and the journey of the campaign runs through it as before
        campaign._fx_process()
        self.assertEqual(
            self.env["fx.bonus.offer"].search_count(
                [("campaign_id", "=", campaign.id)]
            ),
            2,
        )
        self.assertEqual(campaign.participant_ids.mapped("state"), ["done", "done"])
        self.assertEqual(campaign.bonus_cost, 50.0)


@freeze_time(T0)
class TestEnrolmentByArrival(CampaignCase):
    def test_late_deposit_enrols_when_it_arrives(self):
        ann, bob = self.register("ann", "bob")
        campaign = self.campaign([{"action_type": "email"}], event_type="deposit")
        campaign._fx_process()
        self.assertFalse(campaign.participant_ids)
        self.assertEqual(str(campaign.last_enrol_date), T0)
        with freeze_time("2026-11-23 11:00:00"):
            # the bridge was down: a deposit made three days ago arrives now
            self.fund("ann", 100, "2026-11-20T09:00:00Z")
            # a history backfill: dated before the campaign started, never enrols
            self.fund("bob", 100, "2026-10-15T09:00:00Z")
            campaign._fx_process()
        self.assertEqual(campaign.participant_ids.partner_id, ann)
        self.assertEqual(len(self.traces(ann)), 1)
        self.assertFalse(self.traces(bob))

    def test_deposit_committed_during_a_run_enrols_next_run_once(self):
        ann, bob = self.register("ann", "bob")
        campaign = self.campaign(
            [{"action_type": "email"}],
            event_type="deposit",
            reentry_policy="any_time",  # only the arrival dedupe stops a re-entry
        )
        with freeze_time("2026-11-23 11:00:00"):
            self.fund("ann", 100, "2026-11-23T10:59:00Z")
            campaign._fx_process()  # watermark 11:00
        self.assertEqual(campaign.participant_ids.partner_id, ann)
        # bob's push began at 10:59:30, before the run read the deposits, and
        # committed after it: the run did not see it
        with freeze_time("2026-11-23 10:59:30"):
            self.fund("bob", 200, "2026-11-23T10:59:30Z")
        with freeze_time("2026-11-23 11:10:00"):
            campaign._fx_process()
        with freeze_time("2026-11-23 11:20:00"):
            campaign._fx_process()  # the windows overlap: no one enters twice
        self.assertEqual(campaign.participant_ids.partner_id, ann | bob)
        self.assertEqual(len(campaign.participant_ids), 2)
        self.assertEqual(
            str(self.participant(campaign, bob).enrolled_date), "2026-11-23 11:10:00"
        )
        for partner in (ann, bob):
            self.assertEqual(len(self.traces(partner)), 1, partner.name)
        # a new deposit is a new arrival: "any time" lets ann in again
        with freeze_time("2026-11-23 11:30:00"):
            self.fund("ann", 50, "2026-11-23T11:29:00Z", ref="D-ann-2")
            campaign._fx_process()
        self.assertEqual(len(self.participant(campaign, ann)), 2)
        self.assertEqual(len(self.participant(campaign, bob)), 1)

    def test_first_deposit_pushed_late(self):
        [cem] = self.register("cem")
        campaign = self.campaign(
            [{"action_type": "email"}], event_type="ftd", reentry_policy="any_time"
        )
        campaign._fx_process()
        with freeze_time("2026-11-23 12:00:00"):
            self.fund("cem", 100, "2026-11-20T09:00:00Z")  # three days late
            campaign._fx_process()
        self.assertEqual(campaign.participant_ids.partner_id, cem)
        for at in ("2026-11-23 14:00:00", "2026-11-23 16:00:00"):
            with freeze_time(at):
                self.fund("cem", 100, at.replace(" ", "T") + "Z", ref=f"D-{at}")
                campaign._fx_process()  # later deposits are not first deposits
        self.assertEqual(len(campaign.participant_ids), 1)


@freeze_time(T0)
class TestStepStopsOnItsError(CampaignCase):
    def test_step_that_does_not_render_stops_alone(self):
        ann, bob = self.register("ann", "bob")
        broken = self.campaign(
            [
                {"action_type": "email", "subject": "Hi {{ object.name.nope }}"},
                {"action_type": "email", "subject": "Second"},
            ],
            name="Broken",
        )
        healthy = self.campaign(
            [{"action_type": "email", "subject": "Hello"}], name="Healthy"
        )
        with mute_logger(
            "odoo.addons.fx_engagement.models.fx_campaign_step",
            "odoo.addons.mail.models.mail_render_mixin",
        ):
            (broken | healthy)._fx_process()  # no error: the run goes on
        step, second = broken.step_ids.sorted("sequence")
        self.assertRecordValues(
            step, [{"is_broken": True, "error_date": fields.Datetime.now()}]
        )
        self.assertEqual(
            step.last_error,
            "Failed to render inline_template template: Hi {{ object.name.nope }} "
            "(AttributeError: 'str' object has no attribute 'nope')",
        )
        self.assertFalse(second.is_broken)
        self.assertIn("Step Step 1 stopped", broken.message_ids[0].body)
        for partner in (ann, bob):
            self.assertEqual(len(self.traces(partner, healthy.step_ids.mailing_id)), 1)
            self.assertFalse(self.traces(partner, step.mailing_id, status_not=()))
            journey = self.participant(broken, partner)
            self.assertRecordValues(
                journey,
                [
                    {
                        "state": "running",
                        "step_id": step.id,
                        "last_error": step.last_error,
                    }
                ],
            )
            self.assertEqual(journey.log_ids.mapped("result"), ["failed"])
            self.assertEqual(
                journey.log_ids.detail, f"mailing failed: {step.last_error}"[:500]
            )
        # the next runs leave them waiting (no retry on every run, nothing left
        # for the cron to report)
        Participant = self.env["fx.campaign.participant"]
        with freeze_time("2026-11-23 11:00:00"):
            self.assertEqual(broken._fx_process(), 0)
            self.assertEqual(
                Participant._fx_due_count(broken, fields.Datetime.now()), 0
            )
        self.assertEqual(len(broken.participant_ids.log_ids), 2)
        # the marketer fixes the content: the step goes on, once per trader
        step.mailing_id.subject = "Hi {{ object.name }}"
        self.assertRecordValues(
            step, [{"is_broken": False, "last_error": False, "error_date": False}]
        )
        with freeze_time("2026-11-23 12:00:00"):
            self.assertEqual(broken._fx_process(), 2)
            broken._fx_process()
        for partner in (ann, bob):
            self.assertEqual(len(self.traces(partner, step.mailing_id)), 1)
            self.assertEqual(len(self.traces(partner, second.mailing_id)), 1)
            journey = self.participant(broken, partner)
            self.assertEqual(
                journey.log_ids.sorted("id").mapped("result"),
                ["failed", "sent", "sent"],
            )
            self.assertEqual(journey.state, "done")

    def test_retry_button_clears_the_error(self):
        [ann] = self.register("ann")
        campaign = self.campaign(
            [{"action_type": "email", "subject": "{{ object.nope }}"}]
        )
        with mute_logger(
            "odoo.addons.fx_engagement.models.fx_campaign_step",
            "odoo.addons.mail.models.mail_render_mixin",
        ):
            campaign._fx_process()
            step = campaign.step_ids
            self.assertTrue(step.is_broken)
            step.action_retry()
            self.assertFalse(step.is_broken)
            campaign._fx_process()  # still broken: flagged again, still waiting
        self.assertTrue(step.is_broken)
        self.assertEqual(self.participant(campaign, ann).state, "running")
        self.assertEqual(
            self.participant(campaign, ann).log_ids.mapped("result"),
            ["failed", "failed"],
        )
        self.assertFalse(self.traces(ann, status_not=()))


@freeze_time(T0)
class TestStepMailingGuard(CampaignCase):
    def test_send_from_email_marketing_reaches_nobody(self):
        ann, bob = self.register("ann", "bob")
        outsider = self.env["res.partner"].create(
            {"name": "Outsider", "email": "outsider@example.com"}
        )
        campaign = self.campaign(
            [
                {"action_type": "email", "wait_value": 2, "subject": "Later"},
                {"action_type": "sms", "body": "Hello"},
            ]
        )
        campaign._fx_process()  # ann and bob enter; the e-mail is due in 2 days
        email, sms = campaign.step_ids.sorted("sequence").mailing_id
        self.assertEqual((email.mailing_domain, sms.mailing_domain), (NOBODY, NOBODY))
        for mailing in (email, sms):
            for action in (
                "action_launch",
                "action_put_in_queue",
                "action_schedule",
                "action_send_mail",
                "action_retry_failed",
            ):
                with self.assertRaisesRegex(UserError, "content of a campaign step"):
                    getattr(mailing, action)()
        with self.assertRaisesRegex(UserError, "content of a campaign step"):
            sms.action_send_sms()
        self.assertEqual((email.state, sms.state), ("draft", "draft"))
        # even queued by hand with its filter widened to everyone, the queue
        # sends it to nobody
        (email | sms).write({"state": "in_queue", "mailing_domain": "[]"})
        self.assertEqual(email._get_remaining_recipients(), [])
        self.env["mailing.mailing"]._process_mass_mailing_queue()
        self.assertEqual((email.state, sms.state), ("done", "done"))
        self.assertFalse(
            self.env["mailing.trace"].search(
                [("mass_mailing_id", "in", (email | sms).ids)]
            )
        )
        self.assertFalse(
            self.env["mail.mail"].search([("mailing_id", "in", (email | sms).ids)])
        )
        # the campaign still sends it to its participants, once each
        with freeze_time("2026-11-25 10:00:00"):
            campaign._fx_process()
            campaign._fx_process()
        for mailing in (email, sms):
            traces = self.env["mailing.trace"].search(
                [("mass_mailing_id", "=", mailing.id)]
            )
            self.assertEqual(sorted(traces.mapped("res_id")), sorted((ann | bob).ids))
        self.assertFalse(self.traces(outsider, status_not=()))

    def test_other_mailings_unchanged(self):
        partner = self.env["res.partner"].create(
            {"name": "Reader", "email": "reader@example.com"}
        )
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Newsletter",
                "body_html": "<p>News</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": f"[('id', '=', {partner.id})]",
            }
        )
        mailing.action_launch()
        self.assertEqual(mailing.state, "in_queue")
        mailing.action_send_mail()
        self.assertEqual(len(self.traces(partner, mailing)), 1)


@tagged("post_install", "-at_install")
class TestStepMailingGuardOverRpc(HttpCase):
    def test_marketer_pressing_send_is_refused(self):
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        marketer = new_test_user(
            env,
            login="camp_marketer",
            password="camp_marketer_pw",
            groups="base.group_user,mass_mailing.group_mass_mailing_user",
        )
        campaign = env["fx.campaign"].create(
            {
                "name": "Guarded",
                "goal_type": "none",
                "step_ids": [(0, 0, {"name": "Mail", "action_type": "email"})],
            }
        )
        campaign.action_start()
        mailing = campaign.step_ids.mailing_id
        for method in ("action_launch", "action_send_mail"):
            with self.assertRaisesRegex(
                xmlrpc.client.Fault, "content of a campaign step"
            ):
                self.xmlrpc_object.execute_kw(
                    self.env.cr.dbname,
                    marketer.id,
                    "camp_marketer_pw",
                    "mailing.mailing",
                    method,
                    [mailing.ids],
                )
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "draft")
        self.assertFalse(
            env["mailing.trace"].search([("mass_mailing_id", "=", mailing.id)])
        )
