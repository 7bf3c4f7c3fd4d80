"""Feedback over real HTTP (XML-RPC): the pushes' bad input is refused with a
clean fault and nothing written; salespeople see only their traders' feedback,
survey answers and channel timeline; employees and portal users see none."""

import xmlrpc.client

from odoo.tests import HttpCase, freeze_time, new_test_user, tagged

T0 = "2026-11-20 12:00:00"


@tagged("post_install", "-at_install")
@freeze_time(T0)
class TestFeedbackOverHttp(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))

        def user(login, groups):
            return new_test_user(
                env, login=login, password=f"{login}_pw", groups=groups
            )

        cls.sam = user("fbs_sam", "base.group_user,fx_engagement.group_fx_user")
        cls.sue = user("fbs_sue", "base.group_user,fx_engagement.group_fx_user")
        cls.manager = user(
            "fbs_manager", "base.group_user,fx_engagement.group_fx_manager"
        )
        cls.bridge = user(
            "fbs_bridge", "base.group_user,fx_engagement.group_fx_integration"
        )
        cls.plain = user("fbs_plain", "base.group_user")
        cls.portal = user("fbs_portal", "base.group_portal")
        Partner = env["res.partner"]
        cls.mine = Partner.create(
            {
                "name": "Mine",
                "email": "mine@example.com",
                "fx_is_trader": True,
                "user_id": cls.sam.id,
            }
        )
        cls.theirs = Partner.create(
            {
                "name": "Theirs",
                "email": "theirs@example.com",
                "fx_is_trader": True,
                "user_id": cls.sue.id,
            }
        )
        # the portal user is a trader too: still sees nothing of it
        cls.portal.partner_id.write({"fx_is_trader": True, "user_id": cls.sam.id})
        Feedback = env["fx.feedback"]
        cls.feedback = {
            partner: Feedback.create(
                {
                    "partner_id": partner.id,
                    "channel": "phone",
                    "sentiment": "neutral",
                    "body": f"About {partner.name}",
                }
            )
            for partner in (cls.mine, cls.theirs, cls.portal.partner_id)
        }
        Request = env["fx.feedback.request"]
        nps = env.ref("fx_engagement.survey_fx_nps")
        cls.requests = {
            partner: Request._fx_send(nps, [(partner, partner)], "manual")
            for partner in (cls.mine, cls.theirs)
        }

    def rpc(self, user, model, method, *args, **kw):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname,
            user.id,
            f"{user.login}_pw",
            model,
            method,
            list(args),
            kw,
        )

    def ids(self, user, model):
        return set(self.rpc(user, model, "search", []))

    def test_salespeople_see_only_their_traders(self):
        mine, theirs = self.mine, self.theirs
        for model, records in (
            ("fx.feedback", self.feedback),
            ("fx.feedback.request", self.requests),
        ):
            with self.subTest(model=model):
                self.assertEqual(
                    self.ids(self.sam, model) & {r.id for r in records.values()},
                    {r.id for p, r in records.items() if p.user_id == self.sam},
                )
                self.assertEqual(
                    self.ids(self.manager, model) & {r.id for r in records.values()},
                    {r.id for r in records.values()},
                )
                with self.assertRaisesRegex(xmlrpc.client.Fault, "access"):
                    self.rpc(self.sam, model, "read", [records[theirs].id], ["id"])
        # the analysis, the timeline and the effectiveness follow the trader
        analysis = self.rpc(
            self.sam, "fx.feedback.analysis", "search_read", [], ["partner_id"]
        )
        self.assertEqual({a["partner_id"][0] for a in analysis}, {mine.id})
        touches = self.rpc(
            self.sam, "fx.channel.touch", "search_read", [], ["partner_id"]
        )
        self.assertIn(mine.id, {t["partner_id"][0] for t in touches})
        self.assertNotIn(theirs.id, {t["partner_id"][0] for t in touches})
        # Sam may not re-assign Sue's trader's feedback to himself either
        with self.assertRaisesRegex(xmlrpc.client.Fault, "access|Access"):
            self.rpc(
                self.sam,
                "fx.feedback",
                "write",
                [self.feedback[theirs].id],
                {"sentiment": "negative"},
            )
        self.assertEqual(self.feedback[theirs].sentiment, "neutral")

    def test_employees_and_portal_see_nothing(self):
        for user in (self.plain, self.portal):
            for model in (
                "fx.feedback",
                "fx.feedback.request",
                "fx.social.metric",
                "fx.channel.touch",
                "fx.channel.effectiveness",
                "fx.feedback.analysis",
            ):
                with (
                    self.subTest(user=user.login, model=model),
                    self.assertRaisesRegex(xmlrpc.client.Fault, "access|Access"),
                ):
                    self.rpc(user, model, "search_read", [], ["id"])
            with (
                self.subTest(user=user.login, field="fx_nps_last"),
                self.assertRaisesRegex(xmlrpc.client.Fault, "access|Access"),
            ):
                self.rpc(user, "res.partner", "read", [self.mine.id], ["fx_nps_last"])
        # nor may they push feedback
        with self.assertRaisesRegex(xmlrpc.client.Fault, "FX Integration"):
            self.rpc(self.portal, "fx.sync", "push_feedback", [])

    def test_push_bad_input_over_xmlrpc(self):
        good = {
            "ref": "Z-1",
            "email": "mine@example.com",
            "channel": "email",
            "sentiment": "negative",
            "body": "Slow",
            "at": "2026-11-20T08:00:00Z",
        }
        before = self.env["fx.feedback"].search_count([])
        with self.assertRaises(xmlrpc.client.Fault) as ctx:
            self.rpc(
                self.bridge,
                "fx.sync",
                "push_feedback",
                [good, {**good, "ref": "Z-2", "channel": "pigeon", "body": " "}],
            )
        fault = ctx.exception.faultString
        self.assertIn("push_feedback refused, nothing was written", fault)
        self.assertIn("record 1, field 'channel'", fault)
        self.assertIn("record 1, field 'body': blank", fault)
        self.assertEqual(self.env["fx.feedback"].search_count([]), before)
        metric = {"platform": "x", "post_ref": "P-1", "at": "2026-11-20T08:00:00Z"}
        metrics_before = self.env["fx.social.metric"].search_count([])
        with self.assertRaises(xmlrpc.client.Fault) as ctx:
            self.rpc(
                self.bridge,
                "fx.sync",
                "push_social_metrics",
                [metric, {**metric, "post_ref": "P-2", "reach": -5}],
            )
        self.assertIn("push_social_metrics refused", ctx.exception.faultString)
        self.assertIn("record 1, field 'reach'", ctx.exception.faultString)
        self.assertEqual(self.env["fx.social.metric"].search_count([]), metrics_before)
        # the good batch goes through, with its follow-up for Sam
        result = self.rpc(self.bridge, "fx.sync", "push_feedback", [good])
        self.assertEqual(result, {"created": 1, "updated": 0, "unchanged": 0})
        result = self.rpc(self.bridge, "fx.sync", "push_social_metrics", [metric])
        self.assertEqual(result, {"created": 1, "updated": 0, "unchanged": 0})
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.mine.id)]
        )
        self.assertEqual(activities.user_id, self.sam)
        # private helpers are not callable
        with self.assertRaisesRegex(xmlrpc.client.Fault, "Private methods"):
            self.rpc(self.manager, "fx.feedback.request", "_fx_send", [])
