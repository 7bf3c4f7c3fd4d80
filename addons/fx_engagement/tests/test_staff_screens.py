"""What staff see on the screens: smart buttons, kanban, segment form, labels
(the defects of the staff walk-through, each held by a test)."""

import logging

from lxml import etree

from odoo.tests import freeze_time, new_test_user

from odoo.addons.web.controllers.utils import clean_action

from .common import SyncCase

NOW = "2026-11-23 12:00:00"


@freeze_time(NOW)
class TestStaffScreens(SyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="screens_manager",
            groups="fx_engagement.group_fx_manager",
        )
        fund, trade = cls.funding.__get__(cls), cls.trade.__get__(cls)
        with freeze_time(NOW):
            cls.sync.push_accounts(
                [
                    cls.account("7001", client_ref="UX1"),
                    cls.account("7002", client_ref="UX1", type="demo"),
                    cls.account("7003", client_ref="UX2"),
                ]
            )
            cls.sync.push_fundings(
                [
                    # UX1: 48,500 in, 9,000 out on live, a bonus, a demo deposit
                    fund("U1", 40000, "2026-11-01T10:00:00Z", login="7001"),
                    fund("U2", 8500, "2026-11-10T10:00:00Z", login="7001"),
                    fund(
                        "U3", 9000, "2026-11-15T10:00:00Z", "withdrawal", login="7001"
                    ),
                    fund("U4", 500, "2026-11-16T10:00:00Z", "bonus", login="7001"),
                    fund("U5", 100000, "2026-11-16T10:00:00Z", login="7002"),
                    # UX2: funded long ago, last activity 100 days ago: churned
                    fund("U6", 2000, "2026-08-01T10:00:00Z", login="7003"),
                ]
            )
            cls.sync.push_trades(
                [
                    trade("T1", "2026-11-20T10:00:00Z", login="7001"),
                    trade("T2", "2026-08-15T10:00:00Z", login="7003"),
                ]
            )
        cls.ux1 = cls.partner.__get__(cls)("UX1")
        cls.ux2 = cls.partner.__get__(cls)("UX2")

    # ------------------------------------------------------------ trader
    def test_net_deposits_button_lists_the_net(self):
        self.assertEqual(self.ux1.fx_net_deposits, 39500.0)
        action = self.ux1.action_fx_view_fundings()
        self.assertEqual(action["display_name"], f"Net Deposits of {self.ux1.name}")
        [(net, count)] = self.env["fx.funding"]._read_group(
            action["domain"], [], ["net_amount:sum", "__count"]
        )
        self.assertEqual(net, 39500.0)
        self.assertEqual(count, 4)  # the demo deposit is not listed
        by_ref = {
            f.ref: f.net_amount for f in self.env["fx.funding"].search(action["domain"])
        }
        self.assertEqual(
            by_ref, {"U1": 40000.0, "U2": 8500.0, "U3": -9000.0, "U4": 0.0}
        )
        arch = self.env["fx.funding"].get_view(
            self.env.ref("fx_engagement.fx_funding_view_list").id, "list"
        )["arch"]
        list_view = etree.fromstring(arch)
        self.assertEqual(
            [f.get("name") for f in list_view.iterfind(".//field[@sum]")],
            ["net_amount"],
        )

    def test_net_effect_follows_an_edit(self):
        funding = self.env["fx.funding"].search([("ref", "=", "U2")])
        funding.kind = "withdrawal"
        self.assertEqual(funding.net_amount, -8500.0)

    def test_churned_trader_scores_100(self):
        self.assertEqual(self.ux2.fx_stage, "churned")
        self.assertEqual(self.ux2.fx_churn_risk, 100)
        self.assertEqual(
            self.ux2.fx_churn_factors,
            [
                {
                    "code": "churned",
                    "points": 100,
                    "detail": "churned: no trade or deposit for more than 60 days",
                    "args": {"days": 60},
                }
            ],
        )
        self.assertEqual(self.ux1.fx_stage, "active")
        # active: the factors score (withdrew 9,000 of 48,500: 20 x 0.186 = 4)
        self.assertEqual(self.ux1.fx_churn_risk, 4)
        self.assertEqual(self.ux1.fx_churn_factors[0]["code"], "withdrawals")

    def test_trader_kanban_grouped_by_stage(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fx_engagement.res_partner_action_trader"
        )
        kanban_id = dict((mode, vid) for vid, mode in action["views"])["kanban"]
        self.assertEqual(
            kanban_id, self.env.ref("fx_engagement.res_partner_view_kanban").id
        )
        arch = etree.fromstring(
            self.env["res.partner"].get_view(kanban_id, "kanban")["arch"]
        )
        self.assertEqual(arch.get("default_group_by"), "fx_stage")
        card = arch.find(".//t[@t-name='card']")
        self.assertTrue(
            {"fx_net_deposits", "fx_last_trade_date", "fx_churn_risk"}
            <= {f.get("name") for f in card.iterfind(".//field")}
        )

    def test_dates_without_seconds(self):
        form = etree.fromstring(
            self.env["res.partner"].get_view(
                self.env.ref("base.view_partner_form").id, "form"
            )["arch"]
        )
        for name in ("fx_last_deposit_date", "fx_ftd_date", "fx_last_trade_date"):
            [node] = form.iterfind(
                f".//page[@name='fx_trading']//field[@name='{name}']"
            )
            self.assertIn("'show_seconds': False", node.get("options"), name)

    # ------------------------------------------------------------ segments
    def segment(self, **context):
        return (
            self.env["fx.segment"]
            .with_user(self.manager)
            .with_context(**context)
            .create(
                {"name": "Big depositors", "domain": f"[('id', '=', {self.ux1.id})]"}
            )
        )

    def test_segment_saved_from_the_form_has_its_preview_members(self):
        segment = self.segment(fx_segment_refresh_on_save=True)
        self.assertEqual(segment.preview_count, 1)
        self.assertEqual(segment.member_count, 1)
        self.assertEqual(len(segment.refresh_ids), 1)
        # the filter edited in the form: refreshed at once too
        segment.domain = f"[('id', 'in', {(self.ux1 | self.ux2).ids})]"
        self.assertEqual(segment.member_count, 2)
        # over the API the refresh stays explicit (action_refresh)
        self.assertEqual(self.segment().member_count, 0)

    def test_refresh_button_notifies_without_warning(self):
        segment = self.segment()
        with self.assertNoLogs("odoo.addons.web.controllers.utils", logging.WARNING):
            action = clean_action(
                segment.with_user(self.manager).action_refresh_notify(), self.env
            )
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["title"], "Segment Big depositors refreshed")
        self.assertEqual(
            action["params"]["message"], "1 entered, 0 left; 1 members now."
        )
        action = segment.with_user(self.manager).action_refresh_notify()
        self.assertEqual(
            action["params"]["message"], "0 entered, 0 left; 1 members now."
        )

    def test_members_list_of_an_empty_segment_has_no_sample(self):
        segment = self.env["fx.segment"].create(
            {"name": "Nobody", "domain": "[('id', '=', 0)]"}
        )
        action = segment.action_view_members()
        self.assertEqual(action["display_name"], "Members of Nobody")
        list_id = dict((mode, vid) for vid, mode in action["views"])["list"]
        arch = etree.fromstring(
            self.env["res.partner"].get_view(list_id, "list")["arch"]
        )
        self.assertEqual(arch.get("sample"), "0")

    def test_new_condition_line_has_no_default_kind(self):
        # tabbing past the last condition opens a blank line: without a kind it
        # is invalid and dropped, never saved as "no trade in 30 days"
        defaults = self.env["fx.segment.condition"].default_get(["kind", "days"])
        self.assertNotIn("kind", defaults)

    def test_size_history_graph_not_stacked(self):
        arch = etree.fromstring(
            self.env["fx.segment.refresh"].get_view(
                self.env.ref("fx_engagement.fx_segment_refresh_view_graph").id, "graph"
            )["arch"]
        )
        self.assertEqual(arch.get("stacked"), "0")

    def test_overlap_titles_name_both_segments(self):
        a = self.env["fx.segment"].create({"name": "Gold", "domain": "[]"})
        b = self.env["fx.segment"].create({"name": "Quiet", "domain": "[]"})
        wizard = self.env["fx.segment.overlap"].create(
            {"segment_a_id": a.id, "segment_b_id": b.id}
        )
        self.assertEqual(
            [
                wizard.action_open_both()["display_name"],
                wizard.action_open_only_a()["display_name"],
                wizard.action_open_only_b()["display_name"],
            ],
            [
                "In both Gold and Quiet",
                "In Gold, not in Quiet",
                "In Quiet, not in Gold",
            ],
        )

    # ------------------------------------------------------------ labels
    def test_labels(self):
        campaign = self.env["fx.campaign"]._fields
        self.assertEqual(campaign["ab_winner_id"].string, "A/B Winner")
        self.assertEqual(campaign["participant_count"].string, "Entered")
        self.assertEqual(
            self.env["fx.segment"]._fields["member_count"].string, "Members"
        )
        kanban = self.env["fx.segment"].get_view(
            self.env.ref("fx_engagement.fx_segment_view_kanban").id, "kanban"
        )["arch"]
        self.assertNotIn("members</span>", kanban)
        form = self.env["fx.segment"].get_view(
            self.env.ref("fx_engagement.fx_segment_view_form").id, "form"
        )["arch"]
        self.assertNotIn("Preview:", form)
        self.assertIn('widget="fx_trader_domain"', form)

    def test_referred_traders_signed_up_is_the_registration(self):
        view = self.env.ref("fx_referrals.res_partner_view_list", False)
        if not view:
            self.skipTest("fx_referrals is not installed")
        arch = etree.fromstring(
            self.env["res.partner"].get_view(view.id, "list")["arch"]
        )
        [signed_up] = arch.iterfind(".//field[@string='Signed Up']")
        self.assertEqual(signed_up.get("name"), "fx_registration_date")

    def test_demo_campaign_owner_is_a_person(self):
        campaign = self.env.ref("fx_engagement.fx_campaign_welcome_demo", False)
        if not campaign:
            self.skipTest("no demo data")
        self.assertEqual(campaign.user_id, self.env.ref("base.user_admin"))


class TestDemoBookInstalled(SyncCase):
    """The demo book as installed (skipped on a database without demo data)."""

    def setUp(self):
        super().setUp()
        self.welcome = self.env.ref("fx_engagement.fx_campaign_welcome_demo", False)
        if not self.welcome:
            self.skipTest("no demo data")

    def test_book_with_history(self):
        book = self.env["res.partner"].search([("fx_client_ref", "=like", "DEMO%")])
        self.assertEqual(len(book), 200)
        history = self.env["fx.trader.stage.history"].search(
            [("partner_id", "in", book.ids)]
        )
        # every trader's first change is its registration, at its date
        firsts = {}
        for change in history.sorted("date"):
            firsts.setdefault(change.partner_id, change)
        self.assertEqual(len(firsts), 200)
        for partner, change in firsts.items():
            self.assertEqual(
                (change.stage_from, change.stage_to), ("lead", "registered")
            )
            self.assertEqual(change.date, partner.fx_registration_date)
        self.assertGreater(len({c.date.date() for c in history}), 100)
        # each trader's last change is its stage now
        lasts = {}
        for change in history.sorted("date"):
            lasts[change.partner_id] = change.stage_to
        self.assertTrue(all(p.fx_stage == lasts[p] for p in book))

    def test_welcome_ab_test_decided_and_bilingual(self):
        self.assertTrue(self.welcome.ab_decided)
        self.assertEqual(self.welcome.ab_winner_id.name, "B: first-deposit bonus")
        self.assertGreater(self.welcome.participant_count, 100)
        mailing = self.welcome.ab_winner_id.mailing_id
        arabic = self.env["res.partner"].search(
            [("fx_client_ref", "=like", "DEMO%"), ("lang", "=", "ar_001")], limit=1
        )
        english = self.env["res.partner"].search(
            [("fx_client_ref", "=like", "DEMO%"), ("lang", "=", "en_US")], limit=1
        )
        render = self.env["mail.render.mixin"]._render_template
        subjects = render(
            mailing.subject,
            "res.partner",
            (arabic | english).ids,
            engine="inline_template",
        )
        self.assertEqual(
            subjects[arabic.id], "أهلاً بك: مكافأة 20% على إيداعك الأول هذا الأسبوع"
        )
        self.assertEqual(
            subjects[english.id], "Welcome: a 20% bonus on your first deposit this week"
        )
        bodies = render(
            mailing.body_html, "res.partner", (arabic | english).ids, engine="qweb"
        )
        self.assertIn("مرحباً", str(bodies[arabic.id]))
        self.assertIn("Hello", str(bodies[english.id]))
        self.assertNotIn("مرحباً", str(bodies[english.id]))

    def test_segments_have_a_size_history(self):
        segment = self.env.ref("fx_engagement.fx_segment_new_funded", False)
        if not segment:
            self.skipTest("no such segment")
        self.assertGreaterEqual(len(segment.refresh_ids), 13)
