"""Dashboard data over XML-RPC: salespeople see their own and unassigned
traders' figures only; employees without the FX groups and portal users none."""

import xmlrpc.client

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestKpiSecurityOverHttp(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.env = env

        def user(login, groups):
            return new_test_user(
                env, login=login, password=f"{login}_pw", groups=groups
            )

        cls.sales = user("kpi_sec_sales", "base.group_user,fx_engagement.group_fx_user")
        cls.other = user("kpi_sec_other", "base.group_user,fx_engagement.group_fx_user")
        cls.manager = user(
            "kpi_sec_manager", "base.group_user,fx_engagement.group_fx_manager"
        )
        cls.plain = user("kpi_sec_plain", "base.group_user")
        cls.portal = user("kpi_sec_portal", "base.group_portal")
        Partner = env["res.partner"]
        cls.mine = Partner.create(
            {"name": "KPI Mine", "fx_is_trader": True, "user_id": cls.sales.id}
        )
        cls.theirs = Partner.create(
            {"name": "KPI Theirs", "fx_is_trader": True, "user_id": cls.other.id}
        )
        cls.nobody = Partner.create({"name": "KPI Unassigned", "fx_is_trader": True})
        env["fx.kpi.snapshot"].search([]).unlink()
        env["fx.kpi.daily"].search([]).unlink()
        day = "2026-06-30"
        env["fx.kpi.snapshot"].create(
            [
                {
                    "date": day,
                    "partner_id": partner.id,
                    "user_id": partner.user_id.id,
                    "churn_risk": risk,
                    "traders": 1,
                }
                for partner, risk in (
                    (cls.mine, 10),
                    (cls.theirs, 70),
                    (cls.nobody, 40),
                )
            ]
        )
        env["fx.kpi.daily"].create(
            [
                {
                    "date": day,
                    "scope": "book",
                    "user_id": user_id,
                    "traders": traders,
                    "at_risk": at_risk,
                }
                for user_id, traders, at_risk in (
                    (cls.sales.id, 3, 1),
                    (cls.other.id, 5, 2),
                    (False, 7, 4),
                )
            ]
        )

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

    def test_snapshots_follow_the_trader(self):
        def seen(user):
            rows = self.rpc(
                user, "fx.kpi.snapshot", "search_read", [], fields=["partner_id"]
            )
            return {r["partner_id"][0] for r in rows}

        self.assertEqual(seen(self.sales), {self.mine.id, self.nobody.id})
        self.assertEqual(seen(self.other), {self.theirs.id, self.nobody.id})
        self.assertEqual(
            seen(self.manager), {self.mine.id, self.theirs.id, self.nobody.id}
        )
        # the graph's read_group: the average risk of what the user may see
        [group] = self.rpc(
            self.sales, "fx.kpi.snapshot", "read_group", [], ["churn_risk:avg"], []
        )
        self.assertEqual(group["churn_risk"], 25.0)  # (10 + 40) / 2

    def test_daily_figures_per_salesperson(self):
        def totals(user):
            [group] = self.rpc(
                user,
                "fx.kpi.daily",
                "read_group",
                [],
                ["traders:sum", "at_risk:sum"],
                [],
            )
            return group["traders"], group["at_risk"]

        self.assertEqual(totals(self.sales), (10, 5))  # own 3 + unassigned 7
        self.assertEqual(totals(self.other), (12, 6))
        self.assertEqual(totals(self.manager), (15, 7))

    def test_refused_without_fx_group(self):
        for user in (self.plain, self.portal):
            for model in (
                "fx.kpi.snapshot",
                "fx.kpi.daily",
                "fx.kpi.message.conversion",
            ):
                with self.assertRaisesRegex(
                    xmlrpc.client.Fault, "not allowed to access"
                ):
                    self.rpc(user, model, "search_read", [], fields=["id"])
        with self.assertRaisesRegex(xmlrpc.client.Fault, "not allowed"):
            self.rpc(self.sales, "fx.churn.backtest", "create", {})
