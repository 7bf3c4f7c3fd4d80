"""Compliance rights over HTTP: compliance officers edit rule sets and
classifications and read (and export) the audit trail; everyone else reads
rule sets only, and nobody changes the trail."""

import xmlrpc.client

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestComplianceRightsOverHttp(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.env = env

        def user(login, groups):
            return new_test_user(
                env, login=login, password=f"{login}_pw", groups=groups
            )

        cls.officer = user(
            "cmp_officer", "base.group_user,fx_engagement.group_fx_compliance"
        )
        cls.manager = user(
            "cmp_manager", "base.group_user,fx_engagement.group_fx_manager"
        )
        cls.fx_user = user("cmp_user", "base.group_user,fx_engagement.group_fx_user")
        cls.bridge = user(
            "cmp_bridge", "base.group_user,fx_engagement.group_fx_integration"
        )
        cls.portal = user("cmp_portal", "base.group_portal")
        cls.esma = env.ref("fx_engagement.rule_set_esma")
        cls.trader = env["res.partner"].create(
            {
                "name": "Trader",
                "fx_is_trader": True,
                "fx_client_ref": "HTTP-1",
                "fx_rule_set_id": cls.esma.id,
                "fx_is_vulnerable": True,
                "fx_vulnerable_reason": "Recent bereavement",
            }
        )
        cls.trader._fx_incentive_check("bonus")

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

    def assertRefused(self, user, model, method, *args, **kw):
        with self.assertRaisesRegex(
            xmlrpc.client.Fault, "(?i)access|not allowed|cannot|only"
        ):
            self.rpc(user, model, method, *args, **kw)

    def test_rule_sets_edited_by_compliance_officers_only(self):
        version = self.esma.version
        for user in (self.manager, self.fx_user, self.bridge):
            with self.subTest(user=user.login):
                self.assertEqual(
                    self.rpc(
                        user, "fx.compliance.rule.set", "read", [self.esma.id], ["code"]
                    )[0]["code"],
                    "ESMA",
                )
                self.assertRefused(
                    user,
                    "fx.compliance.rule.set",
                    "write",
                    [self.esma.id],
                    {"incentive_retail": True},
                )
                self.assertRefused(
                    user, "fx.compliance.rule.set", "create", {"name": "X", "code": "X"}
                )
        self.assertRefused(
            self.portal, "fx.compliance.rule.set", "read", [self.esma.id], ["code"]
        )
        self.esma.invalidate_recordset()
        self.assertEqual(
            (self.esma.version, self.esma.incentive_retail), (version, False)
        )
        self.rpc(
            self.officer,
            "fx.compliance.rule.set",
            "write",
            [self.esma.id],
            {"loss_pct": 72.5, "loss_pct_date": "2026-10-01"},
        )
        self.esma.invalidate_recordset()
        self.assertEqual((self.esma.version, self.esma.loss_pct), (version + 1, 72.5))
        self.assertEqual(
            self.esma.version_ids.sorted("version")[-1].user_id, self.officer
        )
        # versions are the system's: read-only for everyone, officers included
        version_id = self.esma.version_ids[:1].id
        self.assertRefused(
            self.officer,
            "fx.compliance.rule.set.version",
            "write",
            [version_id],
            {"changes": "x"},
        )
        self.assertRefused(
            self.officer, "fx.compliance.rule.set.version", "unlink", [version_id]
        )

    def test_classification_edited_by_compliance_officers_only(self):
        values = {"fx_client_category": "professional", "fx_category_evidence": "Bank"}
        for user in (self.manager, self.fx_user, self.bridge):
            with self.subTest(user=user.login):
                self.assertRefused(
                    user, "res.partner", "write", [self.trader.id], values
                )
        self.assertRefused(
            self.manager,
            "res.partner",
            "read",
            [self.trader.id],
            ["fx_vulnerable_reason"],
        )
        self.trader.invalidate_recordset()
        self.assertEqual(self.trader.fx_client_category, "retail")
        self.rpc(self.officer, "res.partner", "write", [self.trader.id], values)
        self.trader.invalidate_recordset()
        self.assertEqual(self.trader.fx_client_category, "professional")
        history = self.rpc(
            self.manager,
            "fx.client.classification",
            "search_read",
            [("partner_id", "=", self.trader.id)],
            fields=["category", "evidence"],
            order="id desc",
            limit=1,
        )
        self.assertEqual(
            [(h["category"], h["evidence"]) for h in history],
            [("professional", "Bank")],
        )
        self.assertEqual(
            self.rpc(
                self.officer,
                "res.partner",
                "read",
                [self.trader.id],
                ["fx_vulnerable_reason"],
            )[0]["fx_vulnerable_reason"],
            "Recent bereavement",
        )

    def test_audit_trail_read_by_officers_never_changed(self):
        entries = self.rpc(
            self.officer,
            "fx.compliance.audit",
            "search_read",
            [("partner_id", "=", self.trader.id)],
            fields=["kind", "outcome", "rule"],
        )
        self.assertEqual(
            [(e["kind"], e["outcome"], e["rule"]) for e in entries],
            [("bonus", "blocked", "vulnerable")],
        )
        entry_id = entries[0]["id"]
        for user in (self.manager, self.fx_user, self.bridge, self.portal):
            with self.subTest(user=user.login):
                self.assertRefused(user, "fx.compliance.audit", "search_read", [])
        for user in (self.officer, self.manager):
            self.assertRefused(
                user, "fx.compliance.audit", "write", [entry_id], {"outcome": "granted"}
            )
            self.assertRefused(user, "fx.compliance.audit", "unlink", [entry_id])
            self.assertRefused(
                user,
                "fx.compliance.audit",
                "create",
                {"kind": "bonus", "outcome": "granted", "partner_id": self.trader.id},
            )
        self.assertEqual(
            self.env["fx.compliance.audit"].search([("id", "=", entry_id)]).outcome,
            "blocked",
        )

    def test_csv_export_for_officers_only(self):
        url = f"/fx_engagement/compliance/audit.csv?partner_id={self.trader.id}"
        self.authenticate("cmp_officer", "cmp_officer_pw")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "text/csv; charset=utf-8")
        lines = response.text.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[0].startswith("id,date,kind,outcome,client_ref,"))
        self.assertIn(",bonus,blocked,HTTP-1,", lines[1])
        self.assertIn(
            "blocked by rule vulnerable client: service messages only", lines[1]
        )
        bad = self.url_open("/fx_engagement/compliance/audit.csv?date_from=yesterday")
        self.assertEqual(bad.status_code, 400)
        self.authenticate("cmp_manager", "cmp_manager_pw")
        self.assertEqual(self.url_open(url).status_code, 403)
