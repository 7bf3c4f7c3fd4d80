"""Feedback KPIs (CSAT, CES, NPS), the feedback log and its follow-up, social
metrics and the channel timeline, against hand-computed values on a small
fixed data set (docs/METRICS.md#feedback-and-channels)."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, new_test_user

from .test_campaign import CampaignCase

T0 = "2026-11-20 12:00:00"


class FeedbackCase(CampaignCase):
    """Four traders: Ann and Bob (salesperson Sam), Cid (salesperson Sue), Dan
    (Sam, never answers)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.sam = new_test_user(
            env, login="fb_sam", groups="base.group_user,fx_engagement.group_fx_user"
        )
        cls.sue = new_test_user(
            env, login="fb_sue", groups="base.group_user,fx_engagement.group_fx_user"
        )
        cls.team = env["crm.team"].create({"name": "Gulf desk", "user_id": cls.sue.id})
        Partner = env["res.partner"]
        cls.ann, cls.bob, cls.cid, cls.dan = Partner.create(
            [
                {
                    "name": name,
                    "email": f"{name.lower()}@example.com",
                    "fx_is_trader": True,
                    "user_id": user.id,
                    "team_id": cls.team.id,
                }
                for name, user in (
                    ("Ann", cls.sam),
                    ("Bob", cls.sam),
                    ("Cid", cls.sue),
                    ("Dan", cls.sam),
                )
            ]
        )
        cls.csat = env.ref("fx_engagement.survey_fx_csat")
        cls.ces = env.ref("fx_engagement.survey_fx_ces")
        cls.nps = env.ref("fx_engagement.survey_fx_nps")
        cls.Request = env["fx.feedback.request"]
        cls.Feedback = env["fx.feedback"]

    def send(self, survey, partner, origin=None, trigger="manual"):
        return self.Request._fx_send(survey, [(partner, origin or partner)], trigger)

    def answer(self, request, score):
        """The trader answers the survey through Odoo's survey (its scale
        question, then the survey is done)."""
        user_input = request.user_input_id
        question = request.survey_id.question_ids.filtered(
            lambda q: q.question_type == "scale"
        )[:1]
        user_input._save_lines(question, score)
        user_input._mark_done()
        request.invalidate_recordset()
        return request

    def ask(self, survey, partner, score, when, origin=None):
        with freeze_time(when):
            request = self.send(survey, partner, origin=origin)
            self.assertEqual(len(request), 1)
            if score is not None:
                self.answer(request, score)
            return request

    def followups(self, partner):
        return self.Feedback._fx_count_open_followups([partner.id]).get(partner.id, 0)


@freeze_time(T0)
class TestFeedbackKpis(FeedbackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.book = {}

    def build_book(self):
        """The fixed data set:

        CSAT  Ann 5 (100 days ago), Ann 4 (10 days ago), Bob 2, Cid 5
        CES   Ann 6, Bob 3, Dan (sent, no answer)
        NPS   Ann 10, Bob 6 (detractor), Cid 9
        """
        ask = self.ask
        # a campaign participant, an activity... any record is an origin; a
        # second request to the same trader needs another one
        other = self.env["res.partner"].create({"name": "Origin"})
        ask(self.csat, self.ann, 5, "2026-08-12 12:00:00", origin=other)
        ask(self.csat, self.ann, 4, "2026-11-10 12:00:00")
        ask(self.csat, self.bob, 2, "2026-11-15 12:00:00")
        ask(self.csat, self.cid, 5, "2026-11-19 12:00:00")
        ask(self.ces, self.ann, 6, "2026-11-18 12:00:00")
        ask(self.ces, self.bob, 3, "2026-11-18 13:00:00")
        ask(self.ces, self.dan, None, "2026-11-18 14:00:00")
        ask(self.nps, self.ann, 10, "2026-11-19 09:00:00")
        ask(self.nps, self.bob, 6, "2026-11-19 10:00:00")
        ask(self.nps, self.cid, 9, "2026-11-19 11:00:00")

    def kpi(self, measure, domain=(), groupby=()):
        rows = self.Request._read_group(list(domain), list(groupby), [measure])
        return {tuple(row[:-1]): row[-1] for row in rows}

    def test_kpis_on_the_fixed_book(self):
        self.build_book()
        # CSAT = 4-5 answers / all x 100: 5, 4, 2, 5 -> 3 / 4
        self.assertAlmostEqual(self.kpi("csat_pct:avg")[()], 75.0)
        # CES mean on 1-7: (6 + 3) / 2; % answering 5-7: 1 / 2
        self.assertAlmostEqual(self.kpi("ces_score:avg")[()], 4.5)
        self.assertAlmostEqual(self.kpi("ces_easy_pct:avg")[()], 50.0)
        # NPS = % 9-10 - % 0-6: (2 - 1) / 3 x 100
        self.assertAlmostEqual(self.kpi("nps_value:avg")[()], 100 / 3)
        # response rate per survey: CES 2 of 3, CSAT 4 of 4, NPS 3 of 3
        rates = self.kpi("responded_pct:avg", groupby=["survey_id"])
        self.assertAlmostEqual(rates[(self.ces,)], 200 / 3)
        self.assertAlmostEqual(rates[(self.csat,)], 100.0)
        self.ces.invalidate_recordset()
        self.assertEqual(self.ces.fx_request_count, 3)
        self.assertEqual(self.ces.fx_response_count, 2)
        self.assertEqual(self.ces.fx_response_rate, 66.7)  # shown to one decimal
        # per salesperson: Sam has Ann and Bob (5, 4, 2 -> 2 / 3), Sue Cid alone
        by_user = self.kpi("csat_pct:avg", groupby=["user_id"])
        self.assertAlmostEqual(by_user[(self.sam,)], 200 / 3)
        self.assertAlmostEqual(by_user[(self.sue,)], 100.0)  # one trader
        by_team = self.kpi("nps_value:avg", groupby=["team_id"])
        self.assertAlmostEqual(by_team[(self.team,)], 100 / 3)

    def test_kpis_per_segment(self):
        self.build_book()
        vip = self.env["fx.segment"].create(
            {"name": "VIP", "domain": "[]", "refresh_policy": "manual"}
        )
        self.env["fx.segment.membership"].create(
            [
                {"segment_id": vip.id, "partner_id": p.id, "date_entered": "2026-01-01"}
                for p in (self.ann, self.bob)
            ]
        )
        rows = {
            segment: values
            for segment, *values in self.env["fx.feedback.analysis"]._read_group(
                [],
                ["segment_id"],
                ["csat_pct:avg", "nps_value:avg", "responded_pct:avg"],
            )
        }
        # VIP (Ann, Bob): CSAT 5, 4, 2 -> 2 / 3; NPS 10, 6 -> (1 - 1) / 2 = 0;
        # all 7 of their requests answered
        self.assertAlmostEqual(rows[vip][0], 200 / 3)
        self.assertEqual(rows[vip][1:], [0.0, 100.0])
        # no segment (Cid, Dan): CSAT 5 -> 100; NPS 9 -> 100; 2 of 3 answered
        none = self.env["fx.segment"]
        self.assertEqual(rows[none][:2], [100.0, 100.0])
        self.assertAlmostEqual(rows[none][2], 200 / 3)

    def test_trader_scores(self):
        self.build_book()
        ann, bob, dan = self.ann, self.bob, self.dan
        (ann | bob | dan).invalidate_recordset()
        # Ann's last CSAT is 4 (10 days ago); the 5 of 100 days ago is out of
        # the 90-day window
        self.assertEqual(ann.fx_csat_last, 4)
        self.assertEqual(str(ann.fx_csat_last_date), "2026-11-10 12:00:00")
        self.assertEqual(ann.fx_csat_avg_90d, 4.0)
        self.assertEqual(ann.fx_csat_count_90d, 1)
        self.assertEqual((ann.fx_nps_last, ann.fx_nps_count_90d), (10, 1))
        self.assertEqual((bob.fx_ces_last, bob.fx_ces_avg_90d), (3, 3.0))
        # no responses: nothing recorded, the average is undefined (no answers)
        self.assertFalse(dan.fx_ces_last_date)
        self.assertEqual(dan.fx_ces_count_90d, 0)
        self.env.cr.execute(
            "SELECT fx_ces_avg_90d, fx_ces_last FROM res_partner WHERE id = %s",
            [dan.id],
        )
        self.assertEqual(self.env.cr.fetchone(), (None, None))
        # 81 days later Ann's CSAT of 10 days ago (2026-11-10) leaves the
        # window: the nightly job clears her average, her last score stays
        self.Request._cron_refresh_feedback_scores()  # tonight: nothing moves
        ann.invalidate_recordset()
        self.assertEqual(ann.fx_csat_count_90d, 1)
        with freeze_time("2027-02-08 12:00:00"):  # 90 days after: still in
            self.Request._cron_refresh_feedback_scores()
        ann.invalidate_recordset()
        self.assertEqual(ann.fx_csat_count_90d, 1)
        with freeze_time("2027-02-09 12:00:00"):
            self.Request._cron_refresh_feedback_scores()
        ann.invalidate_recordset()
        self.assertEqual(ann.fx_csat_count_90d, 0)
        self.assertFalse(ann.fx_csat_avg_90d)
        self.assertEqual(ann.fx_csat_last, 4)
        # the other kinds are unchanged: Ann's NPS (2026-11-19) is still in
        self.assertEqual(ann.fx_nps_count_90d, 1)

    def test_no_responses(self):
        self.send(self.csat, self.dan)
        self.assertFalse(self.kpi("csat_pct:avg")[()])  # undefined: empty
        self.assertEqual(self.kpi("responded_pct:avg")[()], 0.0)
        self.csat.invalidate_recordset()
        self.assertEqual(self.csat.fx_response_rate, 0.0)

    def test_detractor_opens_one_followup(self):
        self.build_book()
        # Bob's NPS 6 is a detractor: one follow-up for Sam; nobody else
        self.assertEqual(self.followups(self.bob), 1)
        self.assertEqual(self.followups(self.ann), 0)
        self.assertEqual(self.followups(self.cid), 0)
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.bob.id)]
        )
        self.assertEqual(activity.user_id, self.sam)
        detractor = self.Request.search([("is_detractor", "=", True)])
        self.assertEqual(detractor.partner_id, self.bob)
        self.assertEqual(detractor.followup_activity_id, activity)

    def test_requests_are_sent_once_per_origin_with_a_personal_link(self):
        request = self.send(self.nps, self.ann)
        self.assertEqual(request.user_input_id.partner_id, self.ann)
        self.assertIn("answer_token=", request.survey_url)
        self.assertIn(request.user_input_id.access_token, request.survey_url)
        message = request.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(message), 1)
        self.assertIn(request.survey_url.split("?")[1], message.body)
        self.assertEqual(message.partner_ids, self.ann)
        # the same interaction again: nothing new
        self.assertFalse(self.send(self.nps, self.ann))
        self.assertEqual(self.Request.search_count([]), 1)
        # a survey measuring no KPI is refused
        plain = self.env["survey.survey"].create({"title": "Plain"})
        with self.assertRaisesRegex(UserError, "measures no feedback KPI"):
            self.send(plain, self.ann)

    def test_kpi_library(self):
        from ..lib import feedback as lib

        self.assertEqual(lib.csat([5, 4, 2, 5]), 75.0)
        self.assertEqual(lib.ces_mean([6, 3]), 4.5)
        self.assertEqual(lib.ces_easy([6, 3]), 50.0)
        self.assertAlmostEqual(lib.nps([10, 6, 9]), 100 / 3)
        self.assertEqual(lib.nps([7, 8]), 0.0)
        for function in (lib.csat, lib.ces_mean, lib.ces_easy, lib.nps):
            self.assertIsNone(function([]))
        self.assertIsNone(lib.content_engagement_rate(5, 1, 0, 0))
        self.assertEqual(lib.content_engagement_rate(540, 42, 18, 12000), 5.0)
        self.assertEqual(lib.open_rate(2, 3), 200 / 3)
        self.assertEqual(lib.click_to_open_rate(1, 2), 50.0)
        self.assertIsNone(lib.click_rate(0, 0))
        with self.assertRaisesRegex(ValueError, "between 0 and 10"):
            lib.check_score("nps", 11)
        with self.assertRaisesRegex(ValueError, "whole number"):
            lib.check_score("csat", True)


@freeze_time(T0)
class TestFeedbackTriggers(FeedbackCase):
    def set_trigger(self, trigger, survey):
        self.env["ir.config_parameter"].set_param(
            f"fx_engagement.feedback_survey_{trigger}", str(survey.id)
        )

    def test_campaign_step_sends_the_survey(self):
        campaign = self.campaign([{"action_type": "survey", "survey_id": self.nps.id}])
        ann, bob = self.register("ann", "bob", at="2026-11-20T09:00:00Z")
        campaign._fx_process()
        requests = self.Request.search([("campaign_id", "=", campaign.id)])
        self.assertEqual(requests.partner_id, ann | bob)
        self.assertEqual(set(requests.mapped("trigger")), {"campaign"})
        self.assertEqual(
            requests.mapped("origin_model"), ["fx.campaign.participant"] * 2
        )
        log = self.env["fx.campaign.log"].search([("campaign_id", "=", campaign.id)])
        self.assertEqual(set(log.mapped("result")), {"done"})
        # a step without its survey fails cleanly
        step = campaign.step_ids
        step.survey_id = False
        with self.assertRaisesRegex(UserError, "choose the feedback survey"):
            step._run_action_survey(campaign.participant_ids)

    def test_done_activity_triggers_once(self):
        self.set_trigger("activity", self.csat)
        activity = self.ann.activity_schedule(
            "mail.mail_activity_data_call", user_id=self.sam.id
        )
        activity.with_user(self.sam).action_feedback(feedback="Called")
        request = self.Request.search([("partner_id", "=", self.ann.id)])
        self.assertEqual(request.trigger, "activity")
        self.assertEqual(request.origin_model, "mail.message")
        # a second activity within 30 days: no second survey (cooldown)
        activity = self.ann.activity_schedule("mail.mail_activity_data_call")
        activity.action_feedback(feedback="Called again")
        self.assertEqual(self.Request.search_count([]), 1)

    def test_deposit_and_onboarding_trigger(self):
        self.set_trigger("deposit", self.csat)
        self.set_trigger("onboarding", self.nps)
        (ann,) = self.register("ann", at="2026-11-20T09:00:00Z")
        self.fund("ann", 500, "2026-11-20T10:00:00Z")
        requests = self.Request.search([("partner_id", "=", ann.id)])
        self.assertEqual(sorted(requests.mapped("trigger")), ["deposit", "onboarding"])
        deposit = requests.filtered(lambda r: r.trigger == "deposit")
        self.assertEqual(deposit.origin_model, "fx.funding")
        # the same batch again, and a second deposit a day later: still one
        self.fund("ann", 500, "2026-11-20T10:00:00Z")
        self.sync.push_fundings(
            [self.funding("D-2", 300, "2026-11-20T11:00:00Z", login="L-ann")]
        )
        self.assertEqual(self.Request.search_count([("partner_id", "=", ann.id)]), 2)
        # history loaded late (a deposit of 10 days ago): nobody is asked
        (bob,) = self.register("bob", at="2026-11-01T09:00:00Z")
        self.fund("bob", 800, "2026-11-10T10:00:00Z")
        bob.invalidate_recordset()
        self.assertEqual(bob.fx_stage, "funded")
        self.assertFalse(self.Request.search([("partner_id", "=", bob.id)]))

    def test_settings_refuse_a_survey_without_kpi(self):
        plain = self.env["survey.survey"].create({"title": "Plain"})
        Settings = self.env["res.config.settings"]
        with self.assertRaisesRegex(ValidationError, "Plain measures no feedback KPI"):
            Settings.create({"fx_feedback_survey_deposit": plain.id})
        Settings.create({"fx_feedback_survey_deposit": self.csat.id}).execute()
        self.assertEqual(self.Request._fx_trigger_survey("deposit"), self.csat)
        # a survey archived later is ignored, not an error at the next deposit
        self.csat.active = False
        self.assertIsNone(self.Request._fx_trigger_survey("deposit"))

    def test_generic_ticket_hook(self):
        self.set_trigger("ticket", self.ces)
        # any record with a trader is a ticket for the hook (helpdesk addons)
        lead = self.env["crm.lead"].create(
            {"name": "Ticket", "partner_id": self.cid.id}
        )
        request = self.Request._fx_on_interaction("ticket", lead)
        self.assertEqual((request.partner_id, request.origin_ref), (self.cid, lead))
        # no survey set: nothing
        self.env["ir.config_parameter"].set_param(
            "fx_engagement.feedback_survey_ticket", ""
        )
        self.assertFalse(self.Request._fx_on_interaction("ticket", lead))


@freeze_time(T0)
class TestFeedbackLog(FeedbackCase):
    def record(self, partner, sentiment, body="Slow withdrawal", **kw):
        return self.Feedback.create(
            {
                "partner_id": partner.id,
                "channel": "phone",
                "sentiment": sentiment,
                "body": body,
                **kw,
            }
        )

    def test_negative_feedback_opens_one_followup(self):
        self.record(self.bob, "positive", body="Thanks")
        self.assertEqual(self.followups(self.bob), 0)
        first = self.record(self.bob, "negative")
        self.assertEqual(self.followups(self.bob), 1)
        activity = first.followup_activity_id
        self.assertEqual(activity.user_id, self.sam)
        self.assertEqual(activity.summary, "Negative feedback: follow up")
        # a second negative item while it is open: attached, no second activity
        second = self.record(self.bob, "negative", body="Still slow")
        self.assertEqual(second.followup_activity_id, activity)
        self.assertEqual(self.followups(self.bob), 1)
        # editing or re-saving a handled item never opens another
        first.write({"sentiment": "neutral"})
        first.write({"sentiment": "negative"})
        self.assertEqual(self.followups(self.bob), 1)
        # a neutral item turned negative by staff is followed up (same activity)
        third = self.record(self.bob, "neutral")
        third.sentiment = "negative"
        self.assertEqual(third.followup_activity_id, activity)
        # once done, the next negative item opens a new one
        activity.action_feedback(feedback="Called back")
        self.assertEqual(self.followups(self.bob), 0)
        fourth = self.record(self.bob, "negative", body="Again")
        self.assertEqual(self.followups(self.bob), 1)
        self.assertNotEqual(fourth.followup_activity_id, activity)
        # an unassigned trader's follow-up goes to the team leader
        self.bob.user_id = False
        self.env["mail.activity"].search(
            [("res_id", "=", self.bob.id), ("res_model", "=", "res.partner")]
        ).unlink()
        fifth = self.record(self.bob, "negative", body="No one calls")
        self.assertEqual(fifth.followup_activity_id.user_id, self.sue)

    def test_push_feedback(self):
        records = [
            {
                "ref": "T-1",
                "source": "zendesk",
                "email": "bob@example.com",
                "channel": "email",
                "sentiment": "negative",
                "body": "Withdrawal pending for 5 days",
                "at": "2026-11-20T08:00:00Z",
            },
            {
                "ref": "T-2",
                "source": "zendesk",
                "email": "bob@example.com",
                "channel": "chat",
                "sentiment": "negative",
                "body": "Still waiting",
                "at": "2026-11-20T09:00:00Z",
            },
            {
                "ref": "R-9",
                "source": "appstore",
                "email": "ann@example.com",
                "channel": "app_store",
                "body": "Nice app\nbut slow charts",
                "at": "2026-11-19T09:00:00Z",
            },
        ]
        result = self.sync.push_feedback(records)
        self.assertEqual(result, {"created": 3, "updated": 0, "unchanged": 0})
        bob_items = self.Feedback.search([("partner_id", "=", self.bob.id)])
        self.assertEqual(len(bob_items), 2)
        self.assertEqual(bob_items.user_id, self.sam)
        self.assertEqual(bob_items.company_id, self.bob.company_id)
        self.assertEqual(bob_items.author_id, self.integration)
        self.assertEqual(self.followups(self.bob), 1)
        self.assertEqual(len(bob_items.followup_activity_id), 1)
        # idempotent: the same batch again changes nothing, opens nothing
        result = self.sync.push_feedback(records)
        self.assertEqual(result, {"created": 0, "updated": 0, "unchanged": 3})
        self.assertEqual(self.followups(self.bob), 1)
        # staff set Ann's sentiment; the source re-sending none keeps it
        ann_item = self.Feedback.search([("ref", "=", "R-9")])
        ann_item.sentiment = "positive"
        self.sync.push_feedback(records)
        self.assertEqual(ann_item.sentiment, "positive")
        # the timeline shows them on the trader's channels
        touches = self.env["fx.channel.touch"].search(
            [("partner_id", "=", self.bob.id), ("kind", "=", "feedback")]
        )
        self.assertEqual(sorted(touches.mapped("channel")), ["chat", "email"])

    def test_push_feedback_bad_input(self):
        good = {
            "ref": "T-1",
            "email": "bob@example.com",
            "channel": "email",
            "sentiment": "negative",
            "body": "Slow",
            "at": "2026-11-20T08:00:00Z",
        }
        before = (self.Feedback.search_count([]), self.followups(self.bob))
        cases = [
            ({"channel": "fax"}, "record 1, field 'channel'"),
            ({"sentiment": "angry"}, "record 1, field 'sentiment'"),
            ({"body": "   "}, "record 1, field 'body': blank"),
            ({"body": None}, "record 1, field 'body': missing"),
            ({"email": "nobody@example.com"}, "unknown client 'nobody@example.com'"),
            ({"email": None}, "record 1, field 'client_ref': missing"),
            (
                {"at": "2030-01-01T00:00:00Z"},
                "record 1, field 'at': date in the future",
            ),
            ({"ref": "T-1"}, "record 1"),  # the same key twice in a batch
            ({"colour": "red"}, "record 1, field 'colour'"),
        ]
        for change, message in cases:
            with (
                self.subTest(change=change),
                self.assertRaises(ValidationError) as ctx,
                self.env.cr.savepoint(),
            ):
                self.sync.push_feedback([good, {**good, "ref": "T-2", **change}])
            self.assertIn(
                "push_feedback refused, nothing was written", str(ctx.exception)
            )
            self.assertIn(message, str(ctx.exception))
            self.assertEqual(
                (self.Feedback.search_count([]), self.followups(self.bob)), before
            )
        with self.assertRaisesRegex(ValidationError, "expected a list"):
            self.sync.push_feedback({"ref": "x"})

    def test_only_integration_and_managers_push(self):
        with self.assertRaisesRegex(AccessError, "FX Integration"):
            self.Feedback.env["fx.sync"].with_user(self.sam).push_feedback([])

    def test_scores_are_written_by_the_system_only(self):
        with self.assertRaisesRegex(AccessError, "feedback scores are computed"):
            self.ann.with_user(self.sam).write({"fx_nps_last": 10})


@freeze_time(T0)
class TestSocialMetrics(FeedbackCase):
    def test_push_and_rates(self):
        campaign = self.env["utm.campaign"].create({"name": "Gold webinar"})
        records = [
            {
                "platform": "instagram",
                "post_ref": "IG-1",
                "campaign": "Gold webinar",
                "at": "2026-11-19T09:00:00Z",
                "reach": 12000,
                "impressions": 18500,
                "likes": 540,
                "comments": 42,
                "shares": 18,
                "clicks": 260,
                "audience": 30000,
            },
            {
                "platform": "x",
                "post_ref": "X-1",
                "at": "2026-11-19T10:00:00Z",
                "likes": 0,
            },
            {
                "platform": "facebook",
                "post_ref": "FB-1",
                "level": "campaign",
                "campaign": "Gold webinar",
                "at": "2026-11-19T11:00:00Z",
                "reach": 3,
                "likes": 1,
                "comments": 0,
                "shares": 0,
            },
        ]
        result = self.sync.push_social_metrics(records)
        self.assertEqual(result, {"created": 3, "updated": 0, "unchanged": 0})
        Metric = self.env["fx.social.metric"]
        ig = Metric.search([("post_ref", "=", "IG-1")])
        # (540 + 42 + 18) / 12000 x 100 = 5 %; / 30000 followers = 2 %
        self.assertEqual((ig.engagements, ig.engagement_rate), (600, 5.0))
        self.assertEqual(ig.audience_engagement_rate, 2.0)
        self.assertEqual(ig.utm_campaign_id, campaign)
        # zero reach: undefined, stored empty (NULL), no division error
        self.env.cr.execute(
            "SELECT engagement_rate, audience_engagement_rate, engagements "
            "FROM fx_social_metric WHERE post_ref = 'X-1'"
        )
        self.assertEqual(self.env.cr.fetchone(), (None, None, 0))
        fb = Metric.search([("post_ref", "=", "FB-1")])
        self.assertEqual(fb.engagement_rate, 33.33)  # 1 / 3, two decimals
        # one group: sum of engagements / sum of reach = 601 / 12003
        rates = Metric._fx_rates([("utm_campaign_id", "=", campaign.id)])
        self.assertAlmostEqual(rates["engagement_rate"], 601 / 12003 * 100)
        self.assertIsNone(
            Metric._fx_rates([("post_ref", "=", "X-1")])["engagement_rate"]
        )
        # idempotent by platform and post; new counts update the rates
        self.assertEqual(self.sync.push_social_metrics(records)["unchanged"], 3)
        self.sync.push_social_metrics([{**records[0], "reach": 6000}])
        ig.invalidate_recordset()
        self.assertEqual(ig.engagement_rate, 10.0)
        # staff edits recompute them too
        ig.write({"likes": 0, "comments": 0, "shares": 60})
        self.assertEqual(ig.engagement_rate, 1.0)

    def test_push_social_metrics_bad_input(self):
        good = {"platform": "x", "post_ref": "X-1", "at": "2026-11-19T10:00:00Z"}
        Metric = self.env["fx.social.metric"]
        before = Metric.search_count([])
        cases = [
            ({"platform": "myspace"}, "record 1, field 'platform'"),
            ({"reach": -1}, "record 1, field 'reach'"),
            ({"likes": 1.5}, "record 1, field 'likes'"),
            ({"campaign": "Nope"}, "unknown campaign 'Nope'"),
            ({"post_ref": None}, "record 1, field 'post_ref': missing"),
            ({"at": "yesterday"}, "record 1, field 'at'"),
        ]
        for change, message in cases:
            with (
                self.subTest(change=change),
                self.assertRaises(ValidationError) as ctx,
                self.env.cr.savepoint(),
            ):
                self.sync.push_social_metrics(
                    [good, {**good, "post_ref": "X-2", **change}]
                )
            self.assertIn(
                "push_social_metrics refused, nothing was written", str(ctx.exception)
            )
            self.assertIn(message, str(ctx.exception))
            self.assertEqual(Metric.search_count([]), before)


@freeze_time(T0)
class TestChannels(FeedbackCase):
    def trace(self, mailing, partner, status, opened=False, clicked=False):
        return self.env["mailing.trace"].create(
            {
                "mass_mailing_id": mailing.id,
                "model": "res.partner",
                "res_id": partner.id,
                "trace_type": mailing.mailing_type,
                "trace_status": status,
                "sent_datetime": "2026-11-18 10:00:00",
                "open_datetime": "2026-11-18 11:00:00" if opened else False,
                "links_click_datetime": "2026-11-18 11:05:00" if clicked else False,
            }
        )

    def test_rates_timeline_and_effectiveness(self):
        utm = self.env["utm.campaign"].create({"name": "Gold promo"})
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Gold",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "campaign_id": utm.id,
            }
        )
        # delivered + opened + clicked, delivered + opened, delivered, bounced
        self.trace(mailing, self.ann, "open", opened=True, clicked=True)
        self.trace(mailing, self.bob, "open", opened=True)
        self.trace(mailing, self.cid, "sent")
        self.trace(mailing, self.dan, "bounce")
        Touch = self.env["fx.channel.touch"]
        [(delivered, open_rate, click_rate, cto)] = Touch._read_group(
            [("kind", "=", "mailing"), ("utm_campaign_id", "=", utm.id)],
            [],
            [
                "delivered:sum",
                "open_rate:avg",
                "click_rate:avg",
                "click_to_open_rate:avg",
            ],
        )
        # unique opens / delivered = 2 / 3, clicks / delivered = 1 / 3,
        # clicks / opens = 1 / 2
        self.assertEqual(delivered, 3)
        self.assertAlmostEqual(open_rate, 200 / 3)
        self.assertAlmostEqual(click_rate, 100 / 3)
        self.assertAlmostEqual(cto, 50.0)
        # Ann: in segment VIP when the mail went out, deposits 3 days later;
        # Cid in no segment, no deposit; Bob in VIP, no deposit
        vip = self.env["fx.segment"].create(
            {"name": "VIP", "domain": "[]", "refresh_policy": "manual"}
        )
        self.env["fx.segment.membership"].create(
            [
                {"segment_id": vip.id, "partner_id": p.id, "date_entered": "2026-11-01"}
                for p in (self.ann, self.bob)
            ]
        )
        self.ann.fx_client_ref = "R-ann"
        self.env.flush_all()  # an RPC call would have committed it
        self.sync.push_accounts([self.account("L-ann", client_ref="R-ann")])
        self.sync.push_fundings(
            [self.funding("D-ann", 500, "2026-11-20T10:00:00Z", login="L-ann")]
        )
        Effect = self.env["fx.channel.effectiveness"]
        rows = {
            segment: (count, engaged, converted)
            for segment, count, engaged, converted in Effect._read_group(
                [("utm_campaign_id", "=", utm.id)],
                ["segment_id"],
                ["__count", "engaged_rate:avg", "conversion_rate:avg"],
            )
        }
        # VIP: Ann (opened, converted), Bob (opened) -> 100 % engaged, 50 %
        # converted; no segment: Cid alone (delivered, nothing) -> 0 %, 0 %;
        # Dan's bounced mail is not a delivered message
        self.assertEqual(rows[vip], (2, 100.0, 50.0))
        self.assertEqual(rows[self.env["fx.segment"]], (1, 0.0, 0.0))
        # the trader's timeline: the mail, the click, the account's events ...
        ann_touches = Touch.search([("partner_id", "=", self.ann.id)])
        self.assertEqual(sorted(set(ann_touches.mapped("kind"))), ["mailing"])
        self.ann.invalidate_recordset()
        self.assertEqual(self.ann.fx_touch_count, len(ann_touches))
        # a done call and an e-mail posted to the trader
        self.ann.activity_schedule("mail.mail_activity_data_call").action_feedback(
            feedback="Talked about gold"
        )
        self.ann.message_post(
            body="Your statement",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.ann.message_post(body="Internal", subtype_xmlid="mail.mt_note")
        touches = Touch.search([("partner_id", "=", self.ann.id)])
        self.assertEqual(
            sorted((t.kind, t.channel, t.direction) for t in touches),
            [
                ("activity", "phone", "out"),
                ("mailing", "email", "out"),
                ("message", "email", "out"),
            ],
        )
