"""Staff flows in a real browser (Chromium): Odoo tours in
static/tests/tours/fx_engagement_tours.js. One class: the assets are built once."""

import base64
import os
import pathlib
import time
import xmlrpc.client
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser

# set to a directory (e.g. docs/img) to save the README's screenshots
SCREENSHOTS = os.environ.get("FXCRM_SCREENSHOTS")
ARABIC = "ar_001"


def _iso(at):
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


@tagged("post_install", "-at_install", "is_tour")
class TestStaffTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        params = env["ir.config_parameter"]
        params.set_param("fx_engagement.quiet_start", 0)
        params.set_param("fx_engagement.quiet_end", 0)
        cls.agent = new_test_user(
            env,
            login="tour_agent",
            password="tour_agent",
            name="Rania Agent",
            groups="fx_engagement.group_fx_user",
        )
        now = fields.Datetime.now()
        sync = env["fx.sync"]
        refs = ["TOUR1", "TOUR2", "TOUR3"]
        sync.push_events(
            [
                {
                    "type": "registration",
                    "at": _iso(now - timedelta(days=60)),
                    "client_ref": ref,
                    "name": name,
                    "email": f"{ref.lower()}@example.com",
                    "country": "AE",
                }
                for ref, name in zip(
                    refs, ["Tour Trader", "Tour Second", "Tour Third"], strict=True
                )
            ]
        )
        keys = [{"platform": "mt5", "server": "Tour", "login": ref} for ref in refs]
        sync.push_accounts(
            [
                {**k, "client_ref": ref, "currency": "USD", "opened_at": _iso(now)}
                for k, ref in zip(keys, refs, strict=True)
            ]
        )
        sync.push_fundings(
            [
                {
                    **keys[0],
                    "ref": "TF1",
                    "kind": "deposit",
                    "amount": 40000,
                    "currency": "USD",
                    "at": _iso(now - timedelta(days=20)),
                },
                {
                    **keys[0],
                    "ref": "TF2",
                    "kind": "deposit",
                    "amount": 8500,
                    "currency": "USD",
                    "at": _iso(now - timedelta(days=15)),
                },
                {
                    **keys[0],
                    "ref": "TF3",
                    "kind": "withdrawal",
                    "amount": 9000,
                    "currency": "USD",
                    "at": _iso(now - timedelta(days=10)),
                },
            ]  # fmt: skip
        )
        sync.push_trades(
            [
                {
                    **keys[0],
                    "ticket": "TT1",
                    "symbol": "XAUUSD",
                    "side": "buy",
                    "volume": 1,
                    "open_time": _iso(now - timedelta(days=1)),
                },
            ]  # fmt: skip
        )
        partners = env["res.partner"].search([("fx_client_ref", "in", refs)])
        partners.write({"user_id": cls.agent.id})
        cls.trader = partners.filtered(lambda p: p.fx_client_ref == "TOUR1")
        cls.audience = env["fx.segment"].create(
            {"name": "Tour audience", "domain": f"[('id', 'in', {partners.ids})]"}
        )
        cls.audience.action_refresh()

    def _rpc(self, login, model, method, *args):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, self._uid(login), login, model, method, list(args), {}
        )

    def _uid(self, login):
        return self.env["res.users"].search([("login", "=", login)]).id

    def test_journey_and_results_over_xmlrpc(self):
        """FX users read the journey and the results of a campaign; employees
        without the FX group and portal users are refused."""
        new_test_user(self.env, login="tour_plain", password="tour_plain")
        new_test_user(
            self.env,
            login="tour_portal",
            password="tour_portal",
            groups="base.group_portal",
        )
        campaign = self.env["fx.campaign"].create(
            {
                "name": "Over RPC",
                "trigger_type": "once",
                "segment_id": self.audience.id,
                "step_ids": [(0, 0, {"name": "Hello", "action_type": "email"})],
            }
        )
        campaign.action_start()
        campaign._fx_process()
        journey = self._rpc("tour_agent", "fx.campaign", "fx_journey_data", campaign.id)
        self.assertEqual(journey["steps"][0]["counts"]["sent"], 3)
        results = self._rpc(
            "tour_agent", "fx.campaign", "fx_campaign_results", campaign.id
        )
        self.assertEqual(results["groups"][0]["participants"], 3)
        for login in ("tour_plain", "tour_portal"):
            for method in ("fx_journey_data", "fx_campaign_results"):
                with (
                    self.subTest(login=login, method=method),
                    self.assertRaisesRegex(xmlrpc.client.Fault, "ccess"),
                ):
                    self._rpc(login, "fx.campaign", method, campaign.id)
        # a segment's Refresh button: FX users only
        with self.assertRaisesRegex(xmlrpc.client.Fault, "ccess"):
            self._rpc(
                "tour_plain", "fx.segment", "action_refresh_notify", self.audience.id
            )
        action = self._rpc(
            "tour_agent", "fx.segment", "action_refresh_notify", self.audience.id
        )
        self.assertEqual(
            action["params"]["message"], "0 entered, 0 left; 3 members now."
        )

    def test_marketer_builds_a_segment(self):
        self.start_tour(
            "/odoo/action-fx_engagement.fx_segment_action",
            "fx_segment_builder",
            login="admin",
        )
        segment = self.env["fx.segment"].search(
            [("name", "=", "Tour: quiet gold traders")]
        )
        self.assertEqual(segment.condition_ids.mapped("kind"), ["no_trade"])
        self.assertEqual(segment.condition_ids.days, 10)
        # the members saved are the preview's: the traders without a trade in
        # the last 10 days
        recent = self.env["fx.trade"].search(
            [("open_time", ">=", fields.Datetime.now() - timedelta(days=10))]
        )
        quiet = self.env["res.partner"].search_count(
            [("fx_is_trader", "=", True), ("id", "not in", recent.partner_id.ids)]
        )
        self.assertEqual(segment.member_count, quiet)
        self.assertEqual(segment.preview_count, quiet)

    def test_marketer_builds_and_runs_a_campaign(self):
        self.start_tour(
            "/odoo/action-fx_engagement.fx_campaign_action",
            "fx_campaign_builder",
            login="admin",
        )
        campaign = self.env["fx.campaign"].search([("name", "=", "Tour: welcome test")])
        self.assertEqual(campaign.state, "running")
        self.assertEqual(
            campaign.step_ids.sorted("sequence").mapped("name"),
            ["Welcome e-mail", "Call if not funded"],
        )
        self.assertEqual(
            campaign.step_ids[:1].variant_ids.mapped("name"), ["Plain", "Bonus"]
        )
        self.assertEqual(campaign.participant_count, 3)
        self.assertEqual(campaign.sent_count, 3)

    def test_retention_agent_reads_a_trader(self):
        self.start_tour(
            f"/odoo/action-fx_engagement.res_partner_action_trader/{self.trader.id}",
            "fx_retention_agent",
            login="tour_agent",
        )
        self._screenshot(
            f"/odoo/action-fx_engagement.res_partner_action_trader/{self.trader.id}",
            "trader_form_en.png",
            login="tour_agent",
        )

    def test_trader_form_in_arabic(self):
        self.env["res.lang"]._activate_lang(ARABIC)
        self.env["ir.module.module"].search(
            [("name", "=", "fx_engagement")]
        )._update_translations([ARABIC])
        self.agent.lang = ARABIC
        self.start_tour(
            f"/odoo/action-fx_engagement.res_partner_action_trader/{self.trader.id}",
            "fx_trader_form_arabic",
            login="tour_agent",
        )
        self._screenshot(
            f"/odoo/action-fx_engagement.res_partner_action_trader/{self.trader.id}",
            "trader_form_ar.png",
            login="tour_agent",
        )

    def _screenshot(self, url, name, login):
        """Save a 1440x900 screenshot of ``url``'s Trading tab for the README
        (only when FXCRM_SCREENSHOTS names a directory)."""
        if not SCREENSHOTS:
            return
        browser = ChromeBrowser(self, success_signal="fx-ready")
        try:
            self.authenticate(login, login, browser=browser)
            self.cr.flush()
            self.cr.clear()
            browser._websocket_request(
                "Emulation.setDeviceMetricsOverride",
                params={
                    "width": 1440,
                    "height": 900,
                    "deviceScaleFactor": 1,
                    "mobile": False,
                },
            )
            browser.navigate_to(self.base_url() + url, wait_stop=True)
            browser._wait_ready(
                "(() => { const tab = document.querySelector("
                "'.o_notebook a[name=fx_trading]'); if (tab) { tab.click(); } "
                "const why = document.querySelector("
                "'.o_field_widget[name=fx_churn_explanation] li'); "
                "if (why) { document.querySelector('.o_notebook').scrollIntoView(); } "
                "return !!why; })()",
                timeout=60,
            )
            time.sleep(1)  # the tab's transition
            data = browser._websocket_request("Page.captureScreenshot")["data"]
        finally:
            browser.stop()
            self._wait_remaining_requests()
        path = pathlib.Path(SCREENSHOTS) / name
        path.write_bytes(base64.b64decode(data))
