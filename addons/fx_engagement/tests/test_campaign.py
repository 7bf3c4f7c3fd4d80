from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user
from odoo.tools import mute_logger

from odoo.addons.fx_engagement.models.fx_campaign_participant import (
    FxCampaignParticipant,
)

from .common import SyncCase

T0 = "2026-11-23 10:00:00"


class CampaignCase(SyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Campaign = cls.env["fx.campaign"]
        cls.env["ir.config_parameter"].set_param("fx_engagement.quiet_start", 0)
        cls.env["ir.config_parameter"].set_param("fx_engagement.quiet_end", 0)

    def register(self, *names, at="2026-11-23T09:00:00Z"):
        self.sync.push_events(
            [
                {
                    "type": "registration",
                    "at": at,
                    "client_ref": f"R-{name}",
                    "name": name.title(),
                    "email": f"{name}@example.com",
                    "phone": "+32470000001",
                }
                for name in names
            ]
        )
        return [self.partner(f"R-{name}") for name in names]

    def fund(self, name, amount, at, ref=None):
        self.sync.push_accounts([self.account(f"L-{name}", client_ref=f"R-{name}")])
        self.sync.push_fundings(
            [self.funding(ref or f"D-{name}-{at}", amount, at, login=f"L-{name}")]
        )

    def campaign(self, steps, **values):
        campaign = self.Campaign.create(
            {
                "name": values.pop("name", "Test campaign"),
                "trigger_type": "event",
                "event_type": "registration",
                "start_date": "2026-11-01 00:00:00",
                "goal_type": "none",
                "domain": "[('fx_client_ref', '=like', 'R-%')]",
                **values,
                "step_ids": [
                    (0, 0, {"sequence": n, "name": f"Step {n}", **step})
                    for n, step in enumerate(steps, 1)
                ],
            }
        )
        campaign.action_start()
        return campaign

    def traces(self, partner, mailing=None, status_not=("cancel",)):
        domain = [
            ("model", "=", "res.partner"),
            ("res_id", "=", partner.id),
            ("trace_status", "not in", list(status_not)),
        ]
        if mailing:
            domain.append(("mass_mailing_id", "=", mailing.id))
        return self.env["mailing.trace"].search(domain)

    def participant(self, campaign, partner):
        return campaign.participant_ids.filtered(lambda p: p.partner_id == partner)

    def ab_campaign(self, **values):
        """A campaign whose e-mail step tests two variants, 50 / 50."""
        values = {
            "ab_metric": "deposit",
            "ab_min_sample": 10,
            "ab_decision_hours": 24,
            "goal_days": 7,
            **values,
        }
        return self.campaign(
            [
                {
                    "action_type": "email",
                    "subject": "Hello",
                    "variant_ids": [
                        (0, 0, {"name": "A", "split_pct": 50, "sequence": 1}),
                        (0, 0, {"name": "B", "split_pct": 50, "sequence": 2}),
                    ],
                }
            ],
            **values,
        )


@freeze_time(T0)
class TestCampaignJourney(CampaignCase):
    def test_welcome_journey_wait_condition_goal(self):
        campaign = self.campaign(
            [
                {"action_type": "email", "subject": "Welcome"},
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
        ann, bob = self.register("ann", "bob")
        campaign._fx_process()
        step1, step2 = campaign.step_ids.sorted("sequence")
        self.assertEqual(campaign.participant_ids.partner_id, ann | bob)
        for partner in (ann, bob):
            self.assertEqual(len(self.traces(partner, step1.mailing_id)), 1)
            participant = self.participant(campaign, partner)
            self.assertEqual(participant.step_id, step2)
            self.assertEqual(str(participant.next_action_date), "2026-11-25 10:00:00")
        self.assertEqual(step1.mailing_id.campaign_id, campaign.utm_campaign_id)
        # the next pass does nothing before the wait is over
        campaign._fx_process()
        self.assertEqual(len(self.traces(ann)), 1)
        # ann deposits the next day: goal reached, she exits with the deposit attributed
        with freeze_time("2026-11-24 12:00:00"):
            self.fund("ann", 750, "2026-11-24T11:00:00Z")
            campaign._fx_process()
        ann_p = self.participant(campaign, ann)
        self.assertRecordValues(
            ann_p,
            [
                {
                    "state": "exited",
                    "exit_reason": "goal_reached",
                    "converted": True,
                    "revenue": 750.0,
                }
            ],
        )
        # bob did not: after two days his salesperson gets the call to make
        with freeze_time("2026-11-25 10:00:00"):
            campaign._fx_process()
        bob_p = self.participant(campaign, bob)
        self.assertRecordValues(
            bob_p, [{"state": "done", "exit_reason": "completed", "converted": False}]
        )
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", bob.id)]
        )
        self.assertEqual(activity.summary, "Call about the first deposit")
        self.assertFalse(
            self.env["mail.activity"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", ann.id)]
            )
        )
        self.assertEqual(bob_p.log_ids.sorted("id").mapped("result"), ["sent", "done"])
        # the funnel on the campaign form
        self.assertRecordValues(
            campaign,
            [
                {
                    "participant_count": 2,
                    "sent_count": 2,
                    "converted_count": 1,
                    "revenue": 750.0,
                }
            ],
        )

    def test_step_condition_skips_and_moves_on(self):
        campaign = self.campaign(
            [
                {"action_type": "email", "subject": "Hello"},
                {
                    "action_type": "tag_add",
                    "condition": "not_opened",
                    "tag_id": self.env["res.partner.category"]
                    .create({"name": "Cold"})
                    .id,
                },
            ]
        )
        ann, bob = self.register("ann", "bob")
        campaign._fx_process()
        step1 = campaign.step_ids.sorted("sequence")[0]
        self.traces(ann, step1.mailing_id).write(
            {"open_datetime": "2026-11-23 10:00:00", "trace_status": "open"}
        )
        campaign._fx_process()
        self.assertFalse(ann.category_id)
        self.assertEqual(bob.category_id.name, "Cold")
        self.assertEqual(
            self.participant(campaign, ann).log_ids.sorted("id").mapped("result"),
            ["sent", "skipped"],
        )

    def test_each_step_type(self):
        tag = self.env["res.partner.category"].create({"name": "VIP"})
        team = self.env["crm.team"].create({"name": "Retention"})
        seller = new_test_user(
            self.env, login="seller", groups="sales_team.group_sale_salesman"
        )
        action = self.env["ir.actions.server"].create(
            {
                "name": "Flag",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "state": "code",
                "code": "records.write({'function': 'flagged'})",
            }
        )
        campaign = self.campaign(
            [
                {"action_type": "tag_add", "tag_id": tag.id},
                {"action_type": "assign", "user_id": seller.id, "team_id": team.id},
                {"action_type": "opportunity", "name": "Upgrade to VIP"},
                {
                    "action_type": "bonus",
                    "bonus_amount": 50,
                    "bonus_description": "50 USD",
                },
                {"action_type": "note", "note": "<p>Entered the VIP journey</p>"},
                {"action_type": "server_action", "server_action_id": action.id},
                {"action_type": "tag_remove", "tag_id": tag.id},
                {"action_type": "sms", "body": "Your VIP manager will call you."},
            ]
        )
        [ann] = self.register("ann")
        for _step in range(8):
            campaign._fx_process()
        self.assertFalse(ann.category_id)  # added, then removed
        self.assertEqual((ann.user_id, ann.team_id), (seller, team))
        lead = self.env["crm.lead"].search([("partner_id", "=", ann.id)])
        self.assertEqual(lead.name, "Upgrade to VIP - Ann")
        self.assertEqual(lead.campaign_id, campaign.utm_campaign_id)
        offer = self.env["fx.bonus.offer"].search([("partner_id", "=", ann.id)])
        self.assertEqual((offer.amount, offer.state), (50.0, "offered"))
        self.assertIn("Entered the VIP journey", ann.message_ids.mapped("body")[0])
        self.assertEqual(ann.function, "flagged")
        sms_step = campaign.step_ids.filtered(lambda s: s.action_type == "sms")
        self.assertEqual(sms_step.mailing_id.mailing_type, "sms")
        self.assertEqual(len(self.traces(ann, sms_step.mailing_id)), 1)
        participant = self.participant(campaign, ann)
        self.assertEqual(participant.state, "done")
        self.assertEqual(
            participant.log_ids.sorted("id").mapped("result"),
            ["done"] * 7 + ["sent"],
        )
        self.assertEqual(campaign.bonus_cost, 50.0)

    def test_failing_step_isolated_per_participant(self):
        action = self.env["ir.actions.server"].create(
            {
                "name": "Picky",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "state": "code",
                "code": (
                    "if any(r.name == 'Bob' for r in records):\n"
                    "    raise UserError('no Bob')\n"
                    "records.write({'function': 'ok'})"
                ),
            }
        )
        campaign = self.campaign(
            [{"action_type": "server_action", "server_action_id": action.id}]
        )
        ann, bob, cem = self.register("ann", "bob", "cem")
        with mute_logger("odoo.addons.fx_engagement.models.fx_campaign_participant"):
            campaign._fx_process()
        self.assertEqual((ann.function, cem.function), ("ok", "ok"))
        failed = self.participant(campaign, bob)
        self.assertRecordValues(failed, [{"state": "exited", "exit_reason": "failed"}])
        self.assertIn("no Bob", failed.last_error)
        self.assertEqual(self.participant(campaign, ann).state, "done")


@freeze_time(T0)
class TestCampaignTriggers(CampaignCase):
    def enrolled(self, campaign):
        campaign._fx_process()
        return campaign.participant_ids.partner_id

    def test_once_and_recurring(self):
        ann, bob = self.register("ann", "bob")
        audience = f"[('id', 'in', {(ann | bob).ids})]"
        later = self.campaign(
            [{"action_type": "email"}],
            trigger_type="once",
            domain=audience,
            start_date="2026-11-24 09:00:00",
        )
        self.assertFalse(self.enrolled(later))
        with freeze_time("2026-11-24 09:00:00"):
            self.assertEqual(self.enrolled(later), ann | bob)
            later._fx_process()
            self.assertEqual(len(later.participant_ids), 2)  # once only
        weekly = self.campaign(
            [
                {
                    "action_type": "tag_add",
                    "tag_id": self.env["res.partner.category"].create({"name": "W"}).id,
                }
            ],
            trigger_type="recurring",
            recurrence="weekly",
            domain=audience,
            reentry_policy="after_exit",
        )
        self.enrolled(weekly)
        self.assertEqual(len(weekly.participant_ids), 2)
        with freeze_time("2026-11-27 10:00:00"):
            weekly._fx_process()
            self.assertEqual(len(weekly.participant_ids), 2)  # not a week yet
        with freeze_time("2026-11-30 10:00:00"):
            weekly._fx_process()
            self.assertEqual(len(weekly.participant_ids), 4)  # back after exit

    def test_segment_enter(self):
        segment = self.env["fx.segment"].create(
            {
                "name": "Funded",
                "domain": "[('fx_is_funded', '=', True)]",
                "refresh_policy": "on_change",
            }
        )
        self.register("ann", "bob")
        campaign = self.campaign(
            [{"action_type": "email"}],
            trigger_type="segment_enter",
            segment_id=segment.id,
        )
        segment.action_refresh()
        self.assertFalse(self.enrolled(campaign))
        self.fund("bob", 100, "2026-11-23T09:30:00Z")
        self.assertEqual(self.enrolled(campaign), self.partner("R-bob"))

    def test_trading_events(self):
        ann, bob, cem = self.register("ann", "bob", "cem", at="2026-10-01T09:00:00Z")
        cases = {
            "kyc_approved": lambda: self.sync.push_events(
                [
                    {
                        "type": "kyc",
                        "at": "2026-11-23T09:00:00Z",
                        "client_ref": "R-ann",
                        "kyc_status": "approved",
                    }
                ]
            ),
            "ftd": lambda: self.fund("bob", 100, "2026-11-23T09:00:00Z"),
            "withdrawal": lambda: self.sync.push_fundings(
                [
                    self.funding(
                        "W-bob",
                        40,
                        "2026-11-23T09:10:00Z",
                        kind="withdrawal",
                        login="L-bob",
                    )
                ]
            ),
        }
        campaigns = {
            event: self.campaign([{"action_type": "email"}], event_type=event)
            for event in ("kyc_approved", "ftd", "deposit", "withdrawal")
        }
        for trigger in cases.values():
            trigger()
        self.assertEqual(self.enrolled(campaigns["kyc_approved"]), ann)
        self.assertEqual(self.enrolled(campaigns["ftd"]), bob)
        self.assertEqual(self.enrolled(campaigns["deposit"]), bob)
        self.assertEqual(self.enrolled(campaigns["withdrawal"]), bob)
        # no trade for 14 days, and churn risk crossing 30: cem deposited long ago
        self.fund("cem", 500, "2026-10-02T09:00:00Z")
        quiet = self.campaign(
            [{"action_type": "email"}], event_type="no_trade", event_days=14
        )
        risky = self.campaign(
            [{"action_type": "email"}], event_type="churn_risk", event_threshold=20
        )
        self.assertEqual(self.enrolled(quiet), cem)  # bob funded today
        self.assertEqual(self.enrolled(risky), cem)
        # events raised by other modules: see fx_referrals'
        # test_campaign_trigger (referral_converted, added by fx_referrals)

    def test_reentry_never(self):
        self.register("ann")
        campaign = self.campaign([{"action_type": "email"}], event_type="deposit")
        self.fund("ann", 10, "2026-11-23T09:00:00Z", ref="X1")
        campaign._fx_process()
        with freeze_time("2026-11-23 11:00:00"):
            self.fund("ann", 10, "2026-11-23T10:30:00Z", ref="X2")
            campaign._fx_process()
        self.assertEqual(len(campaign.participant_ids), 1)


@freeze_time(T0)
class TestCampaignGuards(CampaignCase):
    def test_cap_across_two_campaigns_and_transactional_exempt(self):
        self.env["ir.config_parameter"].set_param("fx_engagement.cap_messages", 2)
        [ann] = self.register("ann")
        first = self.campaign(
            [
                {"action_type": "email", "subject": "One"},
                {"action_type": "email", "subject": "Two"},
            ],
            name="First",
        )
        first._fx_process()
        first._fx_process()
        self.assertEqual(len(self.traces(ann)), 2)
        second = self.campaign(
            [{"action_type": "email", "subject": "Three"}],
            name="Second",
            trigger_type="once",
            domain=f"[('id', '=', {ann.id})]",
        )
        second._fx_process()
        self.assertEqual(len(self.traces(ann)), 2)
        participant = self.participant(second, ann)
        self.assertRecordValues(
            participant, [{"state": "exited", "exit_reason": "capped"}]
        )
        self.assertEqual(participant.log_ids.result, "capped")
        # a transactional message is not capped
        service = self.campaign(
            [
                {
                    "action_type": "email",
                    "subject": "KYC reminder",
                    "is_transactional": True,
                }
            ],
            name="Service",
            trigger_type="once",
            domain=f"[('id', '=', {ann.id})]",
        )
        service._fx_process()
        self.assertEqual(len(self.traces(ann)), 3)
        # capped sends are reported, never silently dropped
        report = self.env["fx.campaign.report"].search(
            [("campaign_id", "=", second.id)]
        )
        self.assertEqual(sum(report.mapped("capped")), 1)
        # nobody converted, nothing delivered for the capped row: 0, never blank
        [totals] = self.env["fx.campaign.report"].read_group(
            [("campaign_id", "=", second.id)],
            ["converted:sum", "delivered:sum", "bounced:sum"],
            [],
        )
        self.assertEqual(
            (totals["converted"], totals["delivered"], totals["bounced"]), (0, 0, 0)
        )

    def test_blacklisted_opted_out_and_no_email_never_messaged(self):
        ann, bob, cem = self.register("ann", "bob", "cem")
        self.env["mail.blacklist"].create({"email": "bob@example.com"})
        cem.email = False
        campaign = self.campaign([{"action_type": "email"}])
        campaign._fx_process()
        step = campaign.step_ids
        self.assertEqual(len(self.traces(ann, step.mailing_id)), 1)
        for partner in (bob, cem):
            self.assertFalse(self.traces(partner, status_not=()))
            participant = self.participant(campaign, partner)
            self.assertEqual(participant.exit_reason, "unsubscribed")
            self.assertEqual(participant.log_ids.result, "blocked")
        mails = self.env["mail.mail"].search([("mailing_id", "=", step.mailing_id.id)])
        self.assertEqual(mails.recipient_ids, ann)

    def test_quiet_hours_in_trader_time_zone(self):
        self.env["ir.config_parameter"].set_param("fx_engagement.quiet_start", 21)
        self.env["ir.config_parameter"].set_param("fx_engagement.quiet_end", 8)
        ann, bob = self.register("ann", "bob")
        ann.tz = "Asia/Dubai"  # UTC+4
        bob.tz = "Europe/London"
        campaign = self.campaign([{"action_type": "email"}])
        with freeze_time("2026-11-23 18:00:00"):  # 22:00 in Dubai, 18:00 in London
            campaign._fx_process()
        self.assertFalse(self.traces(ann))
        self.assertEqual(len(self.traces(bob)), 1)
        waiting = self.participant(campaign, ann)
        self.assertEqual(str(waiting.next_action_date), "2026-11-24 04:00:00")
        self.assertEqual(waiting.log_ids.result, "deferred")
        with freeze_time("2026-11-24 04:00:00"):  # 08:00 in Dubai
            campaign._fx_process()
        self.assertEqual(len(self.traces(ann)), 1)

    def test_test_mode_touches_only_test_contacts(self):
        ann, bob = self.register("ann", "bob")
        tester = self.env["res.partner"].create(
            {"name": "QA", "email": "qa@broker.example"}
        )
        with self.assertRaisesRegex(UserError, "choose test contacts"):
            self.campaign([{"action_type": "email"}], is_test=True)
        campaign = self.campaign(
            [{"action_type": "email"}],
            is_test=True,
            test_partner_ids=[(6, 0, tester.ids)],
            trigger_type="once",
        )
        campaign._fx_process()
        self.assertEqual(campaign.participant_ids.partner_id, tester)
        self.assertTrue(campaign.participant_ids.is_test)
        self.assertEqual(len(self.traces(tester)), 1)
        self.assertFalse(self.traces(ann) | self.traces(bob))
        self.assertEqual(campaign.participant_count, 0)  # tests stay out of figures

    def test_kill_and_restart_sends_once_and_skips_no_one(self):
        ann, bob, cem = self.register("ann", "bob", "cem")
        campaign = self.campaign([{"action_type": "email"}, {"action_type": "email"}])
        mailing = campaign.step_ids.sorted("sequence")[0].mailing_id
        # the server dies after the mails of the batch were queued, before the
        # participants moved on: the whole transaction is lost
        with (
            patch.object(
                FxCampaignParticipant, "_fx_advance", side_effect=OSError("killed")
            ),
            self.assertRaises(OSError),
            self.env.cr.savepoint(),
        ):
            campaign._fx_process()
        self.env.invalidate_all()
        self.assertFalse(
            self.env["mailing.trace"].search([("mass_mailing_id", "=", mailing.id)])
        )
        # or it died after the mailing had committed part of its queue (Odoo's mass
        # mailing commits in batches outside tests): ann's mail is out already
        mailing.action_send_mail(ann.ids)
        campaign._fx_process()
        for partner in (ann, bob, cem):
            self.assertEqual(len(self.traces(partner, mailing)), 1, partner.name)
        outgoing = self.env["mail.mail"].search([("mailing_id", "=", mailing.id)])
        self.assertEqual(len(outgoing), 3)
        self.assertEqual(
            campaign.participant_ids.mapped("step_id"),
            campaign.step_ids.sorted("sequence")[1],
        )

    def test_only_managers_edit_campaigns(self):
        user = new_test_user(
            self.env, login="camp_user", groups="fx_engagement.group_fx_user"
        )
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models"):
            self.env["fx.campaign"].with_user(user).create({"name": "Nope"})
        campaign = self.campaign([{"action_type": "email"}])
        self.assertEqual(campaign.with_user(user).name, "Test campaign")


@freeze_time(T0)
class TestCampaignAB(CampaignCase):
    def population(self, count):
        names = [f"t{n:03d}" for n in range(count)]
        self.register(*names)
        return [self.partner(f"R-{name}") for name in names]

    def test_clear_winner_then_remaining_audience_gets_it(self):
        campaign = self.ab_campaign(ab_test_pct=60)
        traders = self.population(80)
        campaign._fx_process()
        step = campaign.step_ids
        in_test = campaign.participant_ids.filtered("in_ab_test")
        waiting = campaign.participant_ids.filtered(lambda p: p.state == "waiting")
        self.assertTrue(in_test and waiting)
        self.assertEqual(len(in_test) + len(waiting), 80)
        variant_b = step.variant_ids.filtered(lambda v: v.name == "B")
        # everyone who got B deposits, nobody who got A
        with freeze_time("2026-11-23 12:00:00"):
            for participant in in_test.filtered(lambda p: p.variant_id == variant_b):
                name = participant.partner_id.fx_client_ref[2:]
                self.fund(name, 100, "2026-11-23T11:00:00Z")
        with freeze_time("2026-11-24 11:00:00"):
            campaign._fx_process()
        self.assertEqual(campaign.ab_winner_id, variant_b)
        self.assertIn("B wins", campaign.ab_result)
        for participant in waiting:
            self.assertEqual(participant.variant_id, variant_b)
            self.assertEqual(
                len(self.traces(participant.partner_id, variant_b.mailing_id)), 1
            )
        self.assertEqual(len(traders), 80)

    def test_tie_stays_undecided_and_holdout_gets_nothing(self):
        campaign = self.ab_campaign(ab_test_pct=100, holdout_pct=20)
        self.population(60)
        campaign._fx_process()
        holdout = campaign.participant_ids.filtered("is_holdout")
        self.assertTrue(holdout)
        for participant in holdout:
            self.assertFalse(self.traces(participant.partner_id))
            self.assertEqual(participant.log_ids.detail, "holdout group")
        with freeze_time("2026-11-24 11:00:00"):
            campaign._fx_process()
        self.assertFalse(campaign.ab_winner_id)
        self.assertTrue(campaign.ab_decided)
        self.assertIn("No significant difference", campaign.ab_result)
        report = self.env["fx.campaign.report"].search(
            [("campaign_id", "=", campaign.id), ("is_holdout", "=", True)]
        )
        self.assertEqual(sum(report.mapped("participants")), len(holdout))

    def test_not_enough_sample_waits(self):
        campaign = self.ab_campaign(ab_test_pct=100)
        campaign.ab_min_sample = 500
        self.population(20)
        campaign._fx_process()
        with freeze_time("2026-11-24 11:00:00"):
            campaign._fx_process()
        self.assertFalse(campaign.ab_decided)
        self.assertIn("not enough participants", campaign.ab_result)
