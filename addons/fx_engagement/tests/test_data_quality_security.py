"""Data quality and next best offers over real HTTP (XML-RPC): internal only,
salespeople see the rows of their own (and unassigned) traders, scores are
the system's, and the sync API refuses a bad KYC document id without writing
anything."""

import xmlrpc.client

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestDataQualityOverHttp(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.env = env

        def user(login, groups):
            return new_test_user(
                env, login=login, password=f"{login}_pw", groups=groups
            )

        cls.seller = user("dqs_seller", "base.group_user,fx_engagement.group_fx_user")
        cls.other = user("dqs_other", "base.group_user,fx_engagement.group_fx_user")
        cls.manager = user(
            "dqs_manager", "base.group_user,fx_engagement.group_fx_manager"
        )
        cls.plain = user("dqs_plain", "base.group_user")
        cls.portal = user("dqs_portal", "base.group_portal")
        cls.bridge = user(
            "dqs_bridge", "base.group_user,fx_engagement.group_fx_integration"
        )
        Partner = env["res.partner"]

        def trader(name, email, owner):
            return Partner.create(
                {
                    "name": name,
                    "email": email,
                    "fx_is_trader": True,
                    "user_id": owner.id if owner else False,
                }
            )

        cls.mine = trader("Mine", "same@example.com", cls.seller)
        cls.mine2 = trader("Mine Two", "same@example.com", cls.seller)
        cls.theirs = trader("Theirs", "their@example.com", cls.other)
        cls.theirs2 = trader("Theirs Two", "their@example.com", cls.other)
        env["fx.duplicate.pair"]._fx_detect()
        cls.my_pair = env["fx.duplicate.pair"].search(
            [("partner_a_id", "=", cls.mine.id)]
        )
        cls.their_pair = env["fx.duplicate.pair"].search(
            [("partner_a_id", "=", cls.theirs.id)]
        )
        Offer = env["fx.next.best.offer"]
        segment = env["fx.segment"].create({"name": "Scalpers"})
        cls.my_offer = Offer.create(
            {
                "partner_id": cls.mine.id,
                "rank": 1,
                "symbol": "XAUUSD",
                "share": 50,
                "segment_id": segment.id,
            }
        )
        cls.their_offer = Offer.create(
            {
                "partner_id": cls.theirs.id,
                "rank": 1,
                "symbol": "US30",
                "share": 60,
                "segment_id": segment.id,
            }
        )
        cls.ours = (cls.mine | cls.mine2 | cls.theirs | cls.theirs2).ids

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

    def assertRefused(self, pattern, user, model, method, *args, **kw):
        with self.assertRaisesRegex(xmlrpc.client.Fault, pattern):
            self.rpc(user, model, method, *args, **kw)

    def test_salespeople_see_their_traders_rows(self):
        self.assertEqual(len(self.my_pair), 1)
        self.assertEqual(len(self.their_pair), 1)
        pairs = self.rpc(
            self.seller,
            "fx.duplicate.pair",
            "search_read",
            [("partner_a_id", "in", self.ours)],
            fields=["partner_a_id", "state"],
        )
        self.assertEqual([p["id"] for p in pairs], self.my_pair.ids)
        offers = self.rpc(
            self.seller,
            "fx.next.best.offer",
            "search_read",
            [("partner_id", "in", self.ours)],
            fields=["symbol", "reason"],
        )
        self.assertEqual(
            [(o["symbol"], o["reason"]) for o in offers],
            [("XAUUSD", "50 % of Scalpers trade XAUUSD")],
        )
        # the manager sees both
        self.assertEqual(
            len(
                self.rpc(
                    self.manager,
                    "fx.duplicate.pair",
                    "search",
                    [("partner_a_id", "in", self.ours)],
                )
            ),
            2,
        )

    def test_decisions_on_others_traders_refused(self):
        self.assertRefused(
            "AccessError|access",
            self.seller,
            "fx.duplicate.pair",
            "action_not_duplicate",
            self.their_pair.ids,
        )
        self.assertEqual(self.their_pair.state, "to_review")
        self.rpc(
            self.seller, "fx.duplicate.pair", "action_not_duplicate", self.my_pair.ids
        )
        self.my_pair.invalidate_recordset()
        self.assertEqual(self.my_pair.state, "not_duplicate")
        self.assertEqual(self.my_pair.decided_uid, self.seller)
        # no creating pairs, no running the detection, no private helpers
        self.assertRefused(
            "AccessError|access",
            self.seller,
            "fx.duplicate.pair",
            "create",
            {"partner_a_id": self.mine.id, "partner_b_id": self.theirs.id},
        )
        self.assertRefused(
            "AccessError|access",
            self.seller,
            "fx.duplicate.pair",
            "action_detect_now",
            [],
        )
        self.assertRefused(
            "Private methods", self.seller, "fx.duplicate.pair", "_fx_detect"
        )
        self.assertRefused(
            "Private methods", self.manager, "fx.next.best.offer", "_fx_recompute"
        )

    def test_employees_and_portal_refused(self):
        for user in (self.plain, self.portal):
            for model in ("fx.duplicate.pair", "fx.next.best.offer"):
                with self.subTest(user=user.login, model=model):
                    self.assertRefused(
                        "AccessError|access", user, model, "search_read", []
                    )
            for field in (
                "fx_completeness",
                "fx_is_stale",
                "fx_kyc_document_ref",
                "fx_next_best_offer_text",
            ):
                with self.subTest(user=user.login, field=field):
                    self.assertRefused(
                        "AccessError|access",
                        user,
                        "res.partner",
                        "read",
                        [self.mine.id],
                        fields=[field],
                    )

    def test_scores_are_the_systems(self):
        self.mine.invalidate_recordset()
        before = self.mine.fx_completeness
        self.assertEqual(before, 25)  # name and e-mail
        self.assertRefused(
            "You may not change Profile Completeness",
            self.seller,
            "res.partner",
            "write",
            [self.mine.id],
            {"fx_completeness": 100},
        )
        self.assertRefused(
            "You may not change KYC Document ID",
            self.seller,
            "res.partner",
            "write",
            [self.mine.id],
            {"fx_kyc_document_ref": "P1"},
        )
        self.mine.invalidate_recordset()
        self.assertEqual(self.mine.fx_completeness, before)
        self.assertFalse(self.mine.fx_kyc_document_ref)

    def test_bad_document_id_over_the_api_writes_nothing(self):
        events = self.env["fx.client.event"].search_count([])
        partners = self.env["res.partner"].search_count([])
        batch = [
            {
                "type": "registration",
                "at": "2026-01-05T10:00:00Z",
                "client_ref": "DQS-1",
                "email": "dqs1@example.com",
                "kyc_document_id": "P-1",
            },
            {
                "type": "registration",
                "at": "2026-01-05T10:00:00Z",
                "client_ref": "DQS-2",
                "email": "dqs2@example.com",
                "kyc_document_id": "- -",
            },
        ]
        self.assertRefused(
            r"push_events refused, nothing was written:(\n|\\n)record 1, field "
            r"'kyc_document_id': holds no letter or digit",
            self.bridge,
            "fx.sync",
            "push_events",
            batch,
        )
        self.assertEqual(self.env["fx.client.event"].search_count([]), events)
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        batch[1]["kyc_document_id"] = "P-1"  # the same document: accepted
        self.assertEqual(
            self.rpc(self.bridge, "fx.sync", "push_events", batch),
            {"created": 2, "updated": 0, "unchanged": 0},
        )
        self.env["fx.duplicate.pair"]._fx_detect()
        new = self.env["res.partner"].search(
            [("fx_client_ref", "in", ["DQS-1", "DQS-2"])]
        )
        pair = self.env["fx.duplicate.pair"].search([("partner_a_id", "in", new.ids)])
        self.assertEqual(pair.partner_a_id | pair.partner_b_id, new)
        self.assertTrue(pair.match_kyc)
