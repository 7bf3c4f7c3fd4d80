"""Security suite: what each kind of user may do, tried over real HTTP.

Every check goes through Odoo's XML-RPC endpoint (and JSON-RPC for a sample)
as the user concerned, the way an attacker or a curious colleague would, and
asserts the refusal (a Fault / JSON-RPC error) and that nothing changed.
"""

import json
import xmlrpc.client

from odoo.tests import HttpCase, new_test_user, tagged

# filters that try to run code: each used to be evaluated by safe_eval with a
# record of the user in its context
ATTACKS = {
    "method call": (
        "[('id', 'in', [user.sudo().write({'groups_id': [(4, %(admin)d)]})])]"
    ),
    "attribute": "[('id', '=', user.company_id.id)]",
    "env access": "[('id', 'in', env['res.users'].sudo().search([]).ids)]",
    "import": "[('id', '=', __import__('os').getpid())]",
    "loop": "[('id', 'in', [x for x in range(10 ** 8)])]",
    "lambda": "[('id', '=', (lambda: 1)())]",
    "dunder": "[('id', '=', ().__class__.__base__.__subclasses__())]",
    "date object method": "[('id', '=', context_today().replace(year=1).year)]",
    "huge power": "[('id', '=', 9 ** 9 ** 9)]",
}


@tagged("post_install", "-at_install")
class TestSecurityOverHttp(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.env = env

        def user(login, groups, **kw):
            return new_test_user(
                env, login=login, password=f"{login}_pw", groups=groups, **kw
            )

        cls.fx_user = user("sec_fx_user", "base.group_user,fx_engagement.group_fx_user")
        cls.other_user = user(
            "sec_fx_other", "base.group_user,fx_engagement.group_fx_user"
        )
        cls.fx_manager = user(
            "sec_fx_manager", "base.group_user,fx_engagement.group_fx_manager"
        )
        cls.plain = user("sec_plain", "base.group_user")
        cls.integration = user(
            "sec_bridge", "base.group_user,fx_engagement.group_fx_integration"
        )
        cls.portal = user("sec_portal", "base.group_portal")
        Partner = env["res.partner"]
        cls.mine = Partner.create(
            {"name": "Mine", "fx_is_trader": True, "user_id": cls.fx_user.id}
        )
        cls.theirs = Partner.create(
            {"name": "Theirs", "fx_is_trader": True, "user_id": cls.other_user.id}
        )
        # facts are written by the system (here: as superuser, like the sync)
        (cls.mine | cls.theirs | cls.portal.partner_id).write(
            {"fx_total_deposits": 1000, "fx_churn_risk": 40, "fx_is_trader": True}
        )
        cls.admin_group = env.ref("base.group_system")

    # ------------------------------------------------------------------ helpers
    def call(self, user, model, method, args):
        """The arguments of ``execute_kw`` for ``user`` (password: login_pw)."""
        return [self.env.cr.dbname, user.id, f"{user.login}_pw", model, method, args]

    def rpc(self, user, model, method, *args, **kw):
        return self.xmlrpc_object.execute_kw(
            *self.call(user, model, method, list(args)), kw
        )

    def jsonrpc(self, user, model, method, *args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": self.call(user, model, method, list(args)),
            },
        }
        response = self.url_open(
            "/jsonrpc",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def assertRefused(self, pattern, user, model, method, *args, **kw):
        with self.assertRaisesRegex(xmlrpc.client.Fault, pattern):
            self.rpc(user, model, method, *args, **kw)

    def assertNotEscalated(self, user):
        user.invalidate_recordset()
        self.assertNotIn(self.admin_group, user.groups_id)
        self.assertRefused(
            "Access|access", user, "ir.config_parameter", "get_param", "database.secret"
        )

    # ------------------------------------------------------------------ filters
    def test_filters_that_run_code_are_refused_everywhere(self):
        segment = self.env["fx.segment"].create({"name": "Safe"})
        campaign = self.env["fx.campaign"].create({"name": "Safe campaign"})
        counts = (
            self.env["fx.segment"].search_count([]),
            self.env["fx.campaign"].search_count([]),
        )
        for kind, attack in ATTACKS.items():
            text = attack % {"admin": self.admin_group.id}
            with self.subTest(kind=kind, how="create"):
                for model in ("fx.segment", "fx.campaign"):
                    self.assertRefused(
                        "filter is not valid",
                        self.fx_manager,
                        model,
                        "create",
                        [{"name": f"Evil {kind}", "domain": text}],
                    )
            with self.subTest(kind=kind, how="write"):
                for record in (segment, campaign):
                    self.assertRefused(
                        "filter is not valid",
                        self.fx_manager,
                        record._name,
                        "write",
                        [record.id],
                        {"domain": text},
                    )
            with self.subTest(kind=kind, how="onchange"):
                # the live preview of a (new) segment, as an FX user
                result = self.rpc(
                    self.fx_user,
                    "fx.segment",
                    "onchange",
                    [],
                    {"name": "Evil", "domain": text},
                    ["domain"],
                    {"domain": {}, "preview_count": {}, "preview_error": {}},
                )
                self.assertIn("not valid", result["value"]["preview_error"])
                self.assertEqual(result["value"]["preview_count"], 0)
                # a campaign's form evaluates nothing on change either
                self.rpc(
                    self.fx_manager,
                    "fx.campaign",
                    "onchange",
                    [],
                    {"name": "Evil", "domain": text},
                    ["domain"],
                    {"domain": {}, "name": {}},
                )
            with self.subTest(kind=kind, how="json-rpc"):
                answer = self.jsonrpc(
                    self.fx_manager,
                    "fx.segment",
                    "create",
                    [{"name": f"Evil {kind}", "domain": text}],
                )
                self.assertEqual(
                    answer["error"]["data"]["name"],
                    "odoo.exceptions.ValidationError",
                )
                self.assertIn("filter is not valid", answer["error"]["data"]["message"])
        self.assertEqual(
            counts,
            (
                self.env["fx.segment"].search_count([]),
                self.env["fx.campaign"].search_count([]),
            ),
        )
        segment.invalidate_recordset()
        self.assertEqual(segment.domain, "[]")
        for user in (self.fx_user, self.fx_manager):
            self.assertNotEscalated(user)

    def test_filter_fields_checked_for_the_editor(self):
        # a field the manager may not read cannot be used to probe data
        self.assertRefused(
            "you may not filter on",
            self.fx_manager,
            "fx.segment",
            "create",
            [{"name": "Probe", "domain": "[('child_ids.signup_type', '=', 'signup')]"}],
        )
        self.assertRefused(
            "unknown field",
            self.fx_manager,
            "fx.campaign",
            "create",
            [{"name": "Probe", "domain": "[('fx_nope', '=', 1)]"}],
        )
        # the date helpers of Odoo's domain editor still work
        segment_id = self.rpc(
            self.fx_manager,
            "fx.segment",
            "create",
            [
                {
                    "name": "Recent",
                    "domain": "[('create_date', '>=', (context_today() + "
                    "relativedelta(days=-7)).strftime('%Y-%m-%d'))]",
                }
            ],
        )
        self.assertTrue(segment_id)

    def test_preview_counts_only_what_the_viewer_may_see(self):
        domain = f"[('id', 'in', {(self.mine | self.theirs).ids})]"
        spec = {"preview_count": {}}
        as_user = self.rpc(
            self.fx_user,
            "fx.segment",
            "onchange",
            [],
            {"domain": domain},
            ["domain"],
            spec,
        )
        self.assertEqual(as_user["value"]["preview_count"], 1)
        as_manager = self.rpc(
            self.fx_manager,
            "fx.segment",
            "onchange",
            [],
            {"domain": domain},
            ["domain"],
            spec,
        )
        self.assertEqual(as_manager["value"]["preview_count"], 2)

    # ------------------------------------------------------------------ facts
    def test_facts_hidden_from_employees_and_portal(self):
        for user in (self.plain, self.portal):
            with self.subTest(user=user.login):
                self.assertRefused(
                    "enough rights to access the fields",
                    user,
                    "res.partner",
                    "read",
                    [user.partner_id.id],
                    ["fx_churn_risk"],
                )
        self.assertRefused(
            "enough rights",
            self.portal,
            "res.partner",
            "read",
            [self.portal.partner_id.id],
            ["fx_churn_factors", "fx_churn_explanation"],
        )
        self.assertRefused(
            "enough rights",
            self.plain,
            "res.partner",
            "search_read",
            [("fx_is_trader", "=", True)],
            ["fx_total_deposits", "fx_ltv"],
        )
        # searching or grouping on a fact is reading it
        self.assertRefused(
            "enough rights",
            self.plain,
            "res.partner",
            "search",
            [("fx_total_deposits", ">", 500)],
        )
        self.assertRefused(
            "enough rights",
            self.plain,
            "res.partner",
            "read_group",
            [],
            ["fx_total_deposits:sum"],
            ["country_id"],
        )
        # a plain read of the contact leaves the facts out
        fields = self.rpc(self.plain, "res.partner", "fields_get", [], ["string"])
        self.assertNotIn("fx_total_deposits", fields)
        self.assertIn("name", fields)
        # the same over JSON-RPC
        answer = self.jsonrpc(
            self.plain, "res.partner", "read", [self.mine.id], ["fx_ltv"]
        )
        self.assertIn("enough rights", answer["error"]["data"]["message"])
        # FX users read them
        self.assertEqual(
            self.rpc(
                self.fx_user,
                "res.partner",
                "read",
                [self.mine.id],
                ["fx_total_deposits", "fx_churn_risk"],
            )[0]["fx_total_deposits"],
            1000,
        )

    def test_facts_written_by_the_system_only(self):
        # trading facts: corrected by FX managers only
        for user in (self.plain, self.fx_user, self.integration):
            with self.subTest(user=user.login):
                partner = self.mine if user != self.plain else self.plain.partner_id
                self.assertRefused(
                    "(may not change|enough rights)",
                    user,
                    "res.partner",
                    "write",
                    [partner.id],
                    {"fx_total_deposits": 10**9},
                )
        # computed scores: by nobody but the system, FX managers included
        for values in ({"fx_churn_risk": 0}, {"fx_net_deposits": 5}):
            with self.subTest(values=values):
                self.assertRefused(
                    "may not change",
                    self.fx_manager,
                    "res.partner",
                    "write",
                    [self.mine.id],
                    values,
                )
        self.assertRefused(
            "may not change Churn Risk",
            self.fx_manager,
            "res.partner",
            "create",
            [{"name": "Faked", "fx_is_trader": True, "fx_churn_risk": 99}],
        )
        self.mine.invalidate_recordset()
        self.assertEqual(self.mine.fx_churn_risk, 40)
        self.assertEqual(self.mine.fx_total_deposits, 1000)
        self.rpc(
            self.fx_manager,
            "res.partner",
            "write",
            [self.mine.id],
            {"fx_total_deposits": 1200},
        )
        self.mine.invalidate_recordset()
        self.assertEqual(self.mine.fx_total_deposits, 1200)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Faked")]))
        # the profile stays with staff, as before
        self.rpc(
            self.fx_user,
            "res.partner",
            "write",
            [self.mine.id],
            {"fx_experience_level": "beginner", "fx_client_ref": "SEC-1"},
        )
        # but a client ID, once given, is changed by managers only
        self.assertRefused(
            "may not change Client ID",
            self.fx_user,
            "res.partner",
            "write",
            [self.mine.id],
            {"fx_client_ref": "SEC-2"},
        )
        self.rpc(
            self.fx_manager,
            "res.partner",
            "write",
            [self.mine.id],
            {"fx_client_ref": "SEC-2"},
        )
        self.mine.invalidate_recordset()
        self.assertEqual(self.mine.fx_client_ref, "SEC-2")

    # ------------------------------------------------------------------ records
    def _trader_records(self, partner, company=None):
        """One record of every model that holds trader data, for ``partner``."""
        env = self.env
        account = env["fx.trading.account"].create(
            {
                "partner_id": partner.id,
                "company_id": (company or env.company).id,
                "server": "Sec",
                "login": f"sec{partner.id}",
                "currency_id": env.company.currency_id.id,
            }
        )
        campaign = env["fx.campaign"].create({"name": f"Sec {partner.id}"})
        participant = env["fx.campaign.participant"].create(
            {
                "campaign_id": campaign.id,
                "partner_id": partner.id,
                "enrolled_date": "2026-11-01 10:00:00",
                "state": "done",
            }
        )
        segment = env["fx.segment"].create(
            {"name": f"Sec {partner.id}", "domain": f"[('id', '=', {partner.id})]"}
        )
        segment.action_refresh()
        return {
            "fx.trading.account": account,
            "fx.equity.point": env["fx.equity.point"].create(
                {"account_id": account.id, "date": "2026-11-01", "equity": 5}
            ),
            "fx.client.event": env["fx.client.event"].create(
                {
                    "partner_id": partner.id,
                    "event_type": "kyc",
                    "date": "2026-11-01 10:00:00",
                    "kyc_status": "rejected",
                    "reason": "passport expired",
                }
            ),
            "fx.trader.stage.history": env["fx.trader.stage.history"].create(
                {"partner_id": partner.id, "stage_to": "registered"}
            ),
            "fx.segment.membership": env["fx.segment.membership"].search(
                [("segment_id", "=", segment.id)]
            ),
            "fx.campaign.participant": participant,
            "fx.campaign.log": env["fx.campaign.log"].create(
                {
                    "participant_id": participant.id,
                    "campaign_id": campaign.id,
                    "partner_id": partner.id,
                    "date": "2026-11-01 10:00:00",
                    "result": "sent",
                }
            ),
            "fx.bonus.offer": env["fx.bonus.offer"].create(
                {"partner_id": partner.id, "amount": 50, "campaign_id": campaign.id}
            ),
        }

    def test_trader_data_follows_the_trader(self):
        mine = self._trader_records(self.mine)
        theirs = self._trader_records(self.theirs)
        for model, record in mine.items():
            with self.subTest(model=model):
                self.assertEqual(len(record), 1)
                ids = [record.id, theirs[model].id]
                seen = self.rpc(self.fx_user, model, "search", [("id", "in", ids)])
                self.assertEqual(seen, [record.id])
                # reading the other salesperson's record by id is refused too
                self.assertRefused(
                    "not allowed to access|Access|access to",
                    self.fx_user,
                    model,
                    "read",
                    [theirs[model].id],
                    ["id"],
                )
                self.assertEqual(
                    sorted(
                        self.rpc(self.fx_manager, model, "search", [("id", "in", ids)])
                    ),
                    sorted(ids),
                )
                # plain employees and portal users have no access at all
                for user in (self.plain, self.portal):
                    self.assertRefused(
                        "not allowed to access|Access|access to",
                        user,
                        model,
                        "search",
                        [],
                    )
        # the KYC reason of another salesperson's trader stays hidden
        answer = self.jsonrpc(
            self.fx_user,
            "fx.client.event",
            "search_read",
            [("reason", "!=", False)],
            ["partner_id", "reason"],
        )
        self.assertEqual(
            [row["partner_id"][0] for row in answer["result"]], self.mine.ids
        )

    def test_companies_are_isolated(self):
        other_company = self.env["res.company"].create({"name": "Sec Other Co"})
        foreign = self.env["res.partner"].create(
            {"name": "Foreign", "fx_is_trader": True, "company_id": other_company.id}
        )
        records = self._trader_records(foreign, company=other_company)
        for model, record in records.items():
            with self.subTest(model=model):
                self.assertEqual(
                    self.rpc(
                        self.fx_manager, model, "search", [("id", "=", record.id)]
                    ),
                    [],
                )
        self.assertEqual(
            self.rpc(
                self.fx_manager, "res.partner", "search", [("id", "=", foreign.id)]
            ),
            [],
        )

    def test_counts_cover_only_what_the_viewer_may_see(self):
        segment = self.env["fx.segment"].create(
            {
                "name": "Both salespeople",
                "domain": f"[('id', 'in', {(self.mine | self.theirs).ids})]",
            }
        )
        self.assertEqual(segment.action_refresh()["members"], 2)
        for user, expected in ((self.fx_user, 1), (self.fx_manager, 2)):
            with self.subTest(user=user.login):
                [row] = self.rpc(
                    user, "fx.segment", "read", [segment.id], ["member_count"]
                )
                self.assertEqual(row["member_count"], expected)
                wizard_id = self.rpc(
                    user,
                    "fx.segment.overlap",
                    "create",
                    [{"segment_a_id": segment.id, "segment_b_id": segment.id}],
                )
                [counts] = self.rpc(
                    user,
                    "fx.segment.overlap",
                    "read",
                    wizard_id,
                    ["count_both", "count_a"],
                )
                self.assertEqual(
                    (counts["count_both"], counts["count_a"]), (expected, expected)
                )

    def test_only_managers_run_a_campaign(self):
        campaign = self.env["fx.campaign"].create(
            {
                "name": "Run me",
                "trigger_type": "once",
                "domain": f"[('id', '=', {self.mine.id})]",
                "step_ids": [(0, 0, {"name": "Hello", "action_type": "email"})],
            }
        )
        campaign.action_start()
        for user in (self.fx_user, self.plain, self.portal):
            with self.subTest(user=user.login):
                self.assertRefused(
                    "access|Access",
                    user,
                    "fx.campaign",
                    "action_run_now",
                    [campaign.id],
                )
        self.assertFalse(campaign.participant_ids)
        self.rpc(self.fx_manager, "fx.campaign", "action_run_now", [campaign.id])
        campaign.invalidate_recordset()
        self.assertEqual(campaign.participant_ids.partner_id, self.mine)
