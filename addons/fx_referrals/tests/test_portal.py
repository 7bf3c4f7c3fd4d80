"""The trader's portal pages and what portal users may read, over HTTP; the
referral link's public route; a browser tour (docs/REFERRALS.md#portal)."""

import json
from datetime import datetime, timedelta

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestReferralPortal(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        env = cls.env
        cls.programme = env.ref("fx_referrals.fx_referral_programme_default")
        cls.env["ir.config_parameter"].set_param(
            "fx_referrals.registration_url", "https://broker.example/register"
        )
        Partner = env["res.partner"]
        cls.alice, cls.bob = Partner.create(
            [
                {
                    "name": "Alice Martin",
                    "email": "alice@portal.example",
                    "fx_is_trader": True,
                    "fx_referral_code": "TOURCODE",
                },
                {
                    "name": "Bob Stone",
                    "email": "bob@portal.example",
                    "fx_is_trader": True,
                    "fx_referral_code": "BOBCODE2",
                },
            ]
        )
        cls.dina = Partner.create(
            {
                "name": "Dina Haddad",
                "fx_is_trader": True,
                "fx_referrer_id": cls.alice.id,
            }
        )
        cls.eric = Partner.create(
            {"name": "Eric Novak", "fx_is_trader": True, "fx_referrer_id": cls.bob.id}
        )
        Referral = env["fx.referral"]
        cls.dina_ref = Referral.search([("referee_id", "=", cls.dina.id)])
        cls.eric_ref = Referral.search([("referee_id", "=", cls.eric.id)])
        cls.dina_ref.write({"stage": "funded", "fraud_flags": "same_ip"})
        cls.manager = new_test_user(
            env,
            login="pt_manager",
            groups="base.group_user,fx_referrals.group_fx_referral_manager",
        )
        cls.Entry = env["fx.points.entry"]
        for partner in (cls.alice, cls.bob):
            cls.Entry.with_user(cls.manager).create(
                {
                    "partner_id": partner.id,
                    "programme_id": cls.programme.id,
                    "points": 600,
                    "reason": "Welcome",
                }
            )
        cls.alice_user = new_test_user(
            env,
            login="pt_alice",
            password="pt_alice_pw",
            groups="base.group_portal",
            partner_id=cls.alice.id,
        )
        cls.bob_user = new_test_user(
            env,
            login="pt_bob",
            password="pt_bob_pw",
            groups="base.group_portal",
            partner_id=cls.bob.id,
        )
        env["fx.reward"].create(
            {
                "name": "USD 50 Bonus",
                "programme_id": cls.programme.id,
                "points_cost": 500,
                "amount": 50,
            }
        )
        cls.bob_request = env["fx.reward.redemption"]._fx_request(
            cls.bob, env["fx.reward"].search([("name", "=", "USD 50 Bonus")])
        )

    def call(self, model, method, *args, **kwargs):
        response = self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": model,
                        "method": method,
                        "args": list(args),
                        "kwargs": kwargs,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def test_page_shows_own_data_only(self):
        self.authenticate("pt_alice", "pt_alice_pw")
        page = self.url_open("/my/referrals")
        self.assertEqual(page.status_code, 200)
        html = page.text
        self.assertIn("/r/TOURCODE", html)
        self.assertIn("Dina", html)
        self.assertNotIn("Haddad", html)  # first names only
        self.assertNotIn("Eric", html)
        self.assertNotIn("BOBCODE2", html)
        self.assertNotIn("same_ip", html)
        self.assertIn("/report/barcode/QR/", html)

    def test_page_warns_of_points_about_to_expire(self):
        """With points expiring after 12 months, Alice's 100 points spendable
        for 400 days are announced on her page; Bob's page says nothing."""
        self.env["ir.config_parameter"].set_param(
            "fx_referrals.points_validity_months", "12"
        )
        self.Entry.sudo()._fx_insert(
            [
                {
                    "partner_id": self.alice.id,
                    "programme_id": self.programme.id,
                    "company_id": self.programme.company_id.id,
                    "kind": "adjusted",
                    "points": 100,
                    "vested_points": 100,
                    "date": datetime.now() - timedelta(days=400),
                    "reason": "Old goodwill",
                }
            ]
        )
        self.authenticate("pt_alice", "pt_alice_pw")
        html = self.url_open("/my/referrals").text
        self.assertRegex(html, r"<strong>100</strong> points expire by\s")
        self.authenticate("pt_bob", "pt_bob_pw")
        self.assertNotIn("points expire by", self.url_open("/my/referrals").text)

    def test_portal_user_reads_only_own_records_over_rpc(self):
        self.authenticate("pt_alice", "pt_alice_pw")
        mine = self.call(
            "fx.referral", "search_read", [], fields=["referee_name", "stage"]
        )
        self.assertEqual(
            mine["result"],
            [{"id": self.dina_ref.id, "referee_name": "Dina", "stage": "funded"}],
        )
        for model, record in (
            ("fx.referral", self.eric_ref),
            ("fx.points.entry", self.Entry.search([("partner_id", "=", self.bob.id)])),
            ("fx.reward.redemption", self.bob_request),
        ):
            denied = self.call(model, "read", record.ids, ["id"])
            self.assertEqual(
                denied["error"]["data"]["name"], "odoo.exceptions.AccessError", model
            )
        ledger = self.call("fx.points.entry", "search_read", [], fields=["partner_id"])
        self.assertEqual(
            {row["partner_id"][0] for row in ledger["result"]}, {self.alice.id}
        )
        # fraud flags are staff-only, even on one's own referral
        flags = self.call("fx.referral", "read", self.dina_ref.ids, ["fraud_flags"])
        self.assertEqual(flags["error"]["data"]["name"], "odoo.exceptions.AccessError")
        # the ledger changes through the programme only
        write = self.call(
            "fx.points.entry",
            "create",
            {
                "partner_id": self.alice.id,
                "programme_id": self.programme.id,
                "points": 1000,
                "reason": "me",
            },
        )
        self.assertEqual(write["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertEqual(self.alice.fx_points_balance, 610)  # 600 + 10 for Dina

    def test_referral_link_records_the_click(self):
        tracker = self.alice._fx_link_tracker()
        response = self.url_open("/r/TOURCODE", allow_redirects=False)
        self.assertEqual(response.status_code, 302)
        click = self.env["fx.referral"].search(
            [("referrer_id", "=", self.alice.id), ("stage", "=", "clicked")]
        )
        self.assertEqual(len(click), 1)
        self.assertEqual(click.channel, "link")
        self.assertEqual(
            response.headers["Location"],
            f"https://broker.example/register?ref=TOURCODE&token={click.token}",
        )
        self.assertEqual(response.cookies.get("fx_ref"), "TOURCODE")
        self.assertEqual(response.cookies.get("fx_ref_token"), click.token)
        tracker.invalidate_recordset()
        self.assertEqual(tracker.count, 1)
        self.assertEqual(
            tracker.campaign_id, self.env.ref("fx_referrals.utm_campaign_referral")
        )
        # an unknown code is Odoo's own short link (none here): not found
        self.assertEqual(
            self.url_open("/r/NOSUCHCODE", allow_redirects=False).status_code, 404
        )

    def test_portal_tour_link_referrals_points_reward(self):
        self.start_tour("/my", "fx_referrals_portal_tour", login="pt_alice")
        request = self.env["fx.reward.redemption"].search(
            [("partner_id", "=", self.alice.id)]
        )
        self.assertEqual((request.state, request.points), ("requested", 500))
