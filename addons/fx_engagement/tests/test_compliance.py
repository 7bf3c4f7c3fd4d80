"""Compliance guardrails: rule sets, classification, incentives, risk warnings,
vulnerable clients, leverage flags, the campaign preview and the audit trail
(docs/COMPLIANCE.md)."""

import importlib.util
import io
from datetime import date, datetime
from pathlib import Path

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, new_test_user
from odoo.tools import mute_logger

from .test_campaign import CampaignCase

T0 = "2026-11-23 10:00:00"
EN_WARNING = (
    "CFDs are complex instruments and come with a high risk of losing money "
    "rapidly due to leverage. 71% of retail investor accounts lose money when "
    "trading CFDs with this provider. You should consider whether you understand "
    "how CFDs work and whether you can afford to take the high risk of losing "
    "your money."
)
EN_SHORT = "71% of retail CFD accounts lose money."
AR_SHORT = "71% من حسابات عقود الفروقات للأفراد تخسر أموالها."
AR_WARNING_START = "عقود الفروقات أدوات معقدة"


class ComplianceCase(CampaignCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.esma = ref("fx_engagement.rule_set_esma")
        cls.fca = ref("fx_engagement.rule_set_fca")
        cls.asic = ref("fx_engagement.rule_set_asic")
        cls.unrestricted = ref("fx_engagement.rule_set_unrestricted")
        with freeze_time(T0):
            (cls.esma | cls.fca | cls.asic).write(
                {"loss_pct": 71.0, "loss_pct_date": "2026-10-01"}
            )
        cls.Audit = cls.env["fx.compliance.audit"]

    def classify(self, partner, rule_set, category="retail", **values):
        evidence = "Signed request and assessment" if category != "retail" else False
        partner.write(
            {
                "fx_rule_set_id": rule_set.id if rule_set else False,
                "fx_client_category": category,
                "fx_category_evidence": evidence,
                **values,
            }
        )
        return partner

    def newsletters(self, partners):
        """A plain marketing mass mailing to ``partners`` and the same as a
        service message."""
        values = {
            "subject": "Newsletter",
            "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
            "mailing_domain": f"[('id', 'in', {partners.ids})]",
            "body_html": "<p>News</p>",
        }
        Mailing = self.env["mailing.mailing"]
        return Mailing.create(values), Mailing.create(
            {**values, "fx_is_transactional": True}
        )

    def audit(self, **domain):
        return self.Audit.search(
            [(key, "=", value) for key, value in domain.items()], order="id"
        )


@freeze_time(T0)
class TestIncentiveRules(ComplianceCase):
    def test_each_preset_each_category(self):
        """ESMA, FCA and ASIC block incentives to retail clients and allow them
        to (elective) professionals; Unrestricted allows all; copy trading is
        allowed for all by every preset."""
        expected = {
            self.esma: {"retail": False, "elective": True, "professional": True},
            self.fca: {"retail": False, "elective": True, "professional": True},
            self.asic: {"retail": False, "elective": True, "professional": True},
            self.unrestricted: {
                "retail": True,
                "elective": True,
                "professional": True,
            },
        }
        Partner = self.env["res.partner"]
        for rule_set, by_category in expected.items():
            for category, allowed in by_category.items():
                partner = self.classify(
                    Partner.create({"name": f"{rule_set.code} {category}"}),
                    rule_set,
                    category,
                )
                for kind in ("bonus", "reward", "prize", "points"):
                    with self.subTest(rule_set=rule_set.code, category=category):
                        ok, blocked = partner._fx_incentive_check(kind)
                        self.assertEqual(ok, partner if allowed else Partner)
                        self.assertEqual(blocked, Partner if allowed else partner)
                ok, blocked = partner._fx_incentive_check("copy_trading")
                self.assertEqual((ok, blocked), (partner, Partner))
                entries = self.audit(partner_id=partner.id)
                self.assertEqual(len(entries), 5)
                self.assertEqual(
                    entries.mapped("outcome"),
                    ["granted" if allowed else "blocked"] * 4 + ["granted"],
                )
                self.assertEqual(set(entries.mapped("rule_set_id")), {rule_set})
                self.assertEqual(
                    set(entries.mapped("rule_set_version")),
                    {rule_set.version},
                )
        blocked_entry = self.audit(
            partner_id=Partner.search([("name", "=", "ESMA retail")]).id, kind="bonus"
        )
        self.assertEqual(blocked_entry.rule, "incentive")
        self.assertEqual(
            blocked_entry.reason,
            f"blocked by rule ESMA (EU) v{self.esma.version}: "
            "no incentives for this client category",
        )

    def test_without_rule_set_everyone_allowed_and_vulnerable_blocked(self):
        Partner = self.env["res.partner"]
        free = Partner.create({"name": "No licence"})
        fragile = Partner.create(
            {
                "name": "Fragile",
                "fx_is_vulnerable": True,
                "fx_vulnerable_reason": "Bereavement",
            }
        )
        both = free | fragile
        self.assertEqual(both._fx_incentive_check("bonus"), (free, fragile))
        self.assertEqual(
            self.audit(partner_id=fragile.id).reason,
            "blocked by rule vulnerable client: service messages only",
        )
        # copy trading is not an incentive: a vulnerable client may subscribe
        self.assertEqual(both._fx_incentive_check("copy_trading"), (both, Partner))
        with self.assertRaisesRegex(ValidationError, "Unknown incentive kind lottery"):
            both._fx_incentive_check("lottery")

    def test_retail_copy_trading_can_be_forbidden(self):
        rule_set = self.env["fx.compliance.rule.set"].create(
            {"name": "Strict", "code": "STRICT", "copy_trading_retail": False}
        )
        retail = self.classify(
            self.env["res.partner"].create({"name": "R"}), rule_set, "retail"
        )
        pro = self.classify(
            self.env["res.partner"].create({"name": "P"}), rule_set, "professional"
        )
        self.assertEqual(
            (retail | pro)._fx_incentive_check("copy_trading"), (pro, retail)
        )
        self.assertEqual(
            self.audit(partner_id=retail.id).reason,
            "blocked by rule Strict v1: no copy trading for retail clients",
        )


@freeze_time(T0)
class TestCampaignEnforcement(ComplianceCase):
    def test_bonus_step_blocked_granted_and_category_change_next_step(self):
        """A retail ESMA client's bonus is blocked by the rule and logged; a
        professional's is granted; once the retail client is reclassified, the
        next bonus step grants."""
        ann, bob = self.register("ann", "bob")
        self.classify(ann, self.esma, "retail")
        self.classify(bob, self.esma, "professional")
        campaign = self.campaign(
            [
                {
                    "action_type": "bonus",
                    "bonus_amount": 50,
                    "bonus_description": "Welcome",
                },
                {
                    "action_type": "bonus",
                    "bonus_amount": 20,
                    "bonus_description": "Again",
                    "wait_value": 1,
                },
            ]
        )
        campaign._fx_process()
        Offer = self.env["fx.bonus.offer"]
        self.assertEqual(Offer.search([("partner_id", "=", ann.id)]).amount, 0.0)
        self.assertFalse(Offer.search([("partner_id", "=", ann.id)]))
        self.assertEqual(Offer.search([("partner_id", "=", bob.id)]).amount, 50.0)
        log = self.participant(campaign, ann).log_ids
        self.assertEqual(log.result, "blocked")
        self.assertEqual(
            log.detail,
            f"blocked by rule ESMA (EU) v{self.esma.version}: "
            "no incentives for this client category",
        )
        self.assertEqual(self.participant(campaign, bob).log_ids.result, "done")
        step1 = campaign.step_ids[0]
        self.assertRecordValues(
            self.audit(step_id=step1.id),
            [
                {
                    "partner_id": ann.id,
                    "outcome": "blocked",
                    "kind": "bonus",
                    "rule": "incentive",
                    "rule_set_id": self.esma.id,
                    "rule_set_version": self.esma.version,
                    "campaign_id": campaign.id,
                    "what": "Welcome: 50.0 USD",
                },
                {
                    "partner_id": bob.id,
                    "outcome": "granted",
                    "kind": "bonus",
                    "rule": False,
                    "rule_set_id": self.esma.id,
                    "rule_set_version": self.esma.version,
                    "campaign_id": campaign.id,
                    "what": "Welcome: 50.0 USD",
                },
            ],
        )
        # the compliance officer reclassifies Ann, with evidence
        self.classify(ann, self.esma, "elective")
        with freeze_time("2026-11-24 10:00:01"):
            campaign._fx_process()
        self.assertEqual(
            Offer.search([("partner_id", "=", ann.id)]).mapped("amount"), [20.0]
        )
        self.assertEqual(
            self.participant(campaign, ann).log_ids.sorted("id").mapped("result"),
            ["blocked", "done"],
        )
        self.assertEqual(
            self.audit(partner_id=ann.id).mapped("outcome"), ["blocked", "granted"]
        )

    def test_vulnerable_client_gets_service_messages_only(self):
        ann, bob = self.register("ann", "bob")
        ann.write(
            {"fx_is_vulnerable": True, "fx_vulnerable_reason": "Gambling problem"}
        )
        campaign = self.campaign(
            [
                {
                    "action_type": "email",
                    "subject": "Trade gold now",
                    "body": "<p>Go</p>",
                },
                {
                    "action_type": "email",
                    "subject": "Your KYC documents",
                    "is_transactional": True,
                },
                {"action_type": "bonus", "bonus_amount": 10},
            ]
        )
        for _run in range(3):
            campaign._fx_process()
        marketing, service, _bonus = campaign.step_ids
        self.assertFalse(self.traces(ann, marketing.mailing_id, status_not=()))
        self.assertEqual(len(self.traces(bob, marketing.mailing_id)), 1)
        self.assertEqual(len(self.traces(ann, service.mailing_id)), 1)
        self.assertEqual(
            self.participant(campaign, ann).log_ids.sorted("id").mapped("result"),
            ["blocked", "sent", "blocked"],
        )
        self.assertFalse(
            self.env["fx.bonus.offer"].search([("partner_id", "=", ann.id)])
        )
        self.assertEqual(
            self.audit(partner_id=ann.id).mapped(lambda a: (a.kind, a.outcome, a.rule)),
            [
                ("email", "blocked", "vulnerable"),
                ("email", "sent", False),
                ("bonus", "blocked", "vulnerable"),
            ],
        )
        self.assertEqual(
            self.audit(partner_id=bob.id).mapped(lambda a: (a.kind, a.outcome)),
            [("email", "sent"), ("email", "sent"), ("bonus", "granted")],
        )

    def test_vulnerable_clients_left_out_of_plain_mass_mailings(self):
        ann, bob = self.register("ann", "bob")
        ann.write({"fx_is_vulnerable": True, "fx_vulnerable_reason": "Debts"})
        marketing, service = self.newsletters(ann | bob)
        self.assertEqual(marketing._get_recipients(), [bob.id])
        self.assertEqual(sorted(service._get_recipients()), sorted([ann.id, bob.id]))

    def test_plain_mass_mailings_held_until_the_loss_percentage_is_dated(self):
        """A plain marketing mailing leaves out the clients of a rule set whose
        loss percentage is not dated yet, until the compliance officer dates
        it; service messages still reach them."""
        ann, bob = self.register("ann", "bob")
        rule_set = self.esma.copy({"code": "ESMA3", "name": "ESMA ter"})
        rule_set.write({"loss_pct": 0, "loss_pct_date": False})
        self.classify(ann, rule_set, "retail")
        self.classify(bob, self.esma, "retail")
        marketing, service = self.newsletters(ann | bob)
        self.assertEqual(marketing._get_recipients(), [bob.id])
        self.assertEqual(sorted(service._get_recipients()), sorted([ann.id, bob.id]))
        rule_set.write({"loss_pct": 74.0, "loss_pct_date": "2026-11-01"})
        self.assertEqual(sorted(marketing._get_recipients()), sorted([ann.id, bob.id]))

    def test_binary_options_marketing_never_reaches_retail(self):
        ann, bob, cem = self.register("ann", "bob", "cem")
        self.classify(ann, self.fca, "retail")
        self.classify(bob, self.fca, "professional")
        self.classify(cem, self.unrestricted, "retail")
        campaign = self.campaign(
            [{"action_type": "email", "subject": "Binary options: 90% payout"}],
            fx_promotes_binary_options=True,
        )
        campaign._fx_process()
        mailing = campaign.step_ids.mailing_id
        self.assertFalse(self.traces(ann, mailing, status_not=()))
        self.assertEqual(len(self.traces(bob, mailing)), 1)
        self.assertEqual(len(self.traces(cem, mailing)), 1)
        self.assertEqual(
            self.participant(campaign, ann).log_ids.detail,
            f"blocked by rule FCA (UK) v{self.fca.version}: "
            "no binary-options marketing to retail clients",
        )

    def test_no_marketing_until_the_loss_percentage_is_dated(self):
        [ann] = self.register("ann")
        rule_set = self.esma.copy({"code": "ESMA2", "name": "ESMA bis"})
        rule_set.write({"loss_pct": 0, "loss_pct_date": False})
        self.classify(ann, rule_set, "retail")
        campaign = self.campaign([{"action_type": "email", "subject": "Hello"}])
        campaign._fx_process()
        self.assertFalse(self.traces(ann, status_not=()))
        self.assertEqual(self.audit(partner_id=ann.id).rule, "no_loss_pct")


@freeze_time(T0)
class TestRiskWarning(ComplianceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ar_001")

    def sent_mail(self, mailing, partner):
        return self.env["mail.mail"].search(
            [("mailing_id", "=", mailing.id), ("res_id", "=", partner.id)]
        )

    def test_email_warning_in_english_and_arabic_not_duplicated(self):
        ann, bob, cem, dan = self.register("ann", "bob", "cem", "dan")
        self.classify(ann, self.esma)
        self.classify(bob, self.esma).lang = "ar_001"
        self.classify(cem, self.unrestricted)
        self.classify(dan, self.esma)
        campaign = self.campaign(
            [
                {
                    "action_type": "email",
                    "subject": "Gold is moving",
                    "body": "<p>Trade gold with us.</p>",
                },
                {
                    "action_type": "email",
                    "subject": "Again",
                    # the template already carries the warning (other markup)
                    "body": f"<p>Hello</p><p><b>{EN_WARNING}</b></p>",
                },
                {
                    "action_type": "email",
                    "subject": "Your statement",
                    "body": "<p>Statement attached.</p>",
                    "is_transactional": True,
                },
            ]
        )
        for _run in range(3):
            campaign._fx_process()
        first, second, service = campaign.step_ids.mailing_id
        body = self.sent_mail(first, ann).body_html
        self.assertIn("Trade gold with us.", body)
        self.assertEqual(body.count(EN_WARNING), 1)
        self.assertLess(body.index("Trade gold"), body.index(EN_WARNING))
        arabic = self.sent_mail(first, bob).body_html
        self.assertIn(AR_WARNING_START, arabic)
        self.assertIn("71%", arabic)
        self.assertNotIn(EN_WARNING, arabic)
        self.assertNotIn("CFDs are complex", self.sent_mail(first, cem).body_html)
        self.assertEqual(
            self.sent_mail(second, dan).body_html.count("71% of retail"), 1
        )
        self.assertNotIn("71% of retail", self.sent_mail(service, ann).body_html)
        entries = self.audit(partner_id=ann.id)
        self.assertEqual(entries.mapped("is_risk_warning"), [True, True, False])
        self.assertEqual(
            entries.mapped("what"), ["Gold is moving", "Again", "Your statement"]
        )

    def test_sms_short_warning_in_english_and_arabic_not_duplicated(self):
        ann, bob = self.register("ann", "bob")
        self.classify(ann, self.esma)
        self.classify(bob, self.esma).lang = "ar_001"
        campaign = self.campaign(
            [
                {"action_type": "sms", "body": "Gold is moving: trade now."},
                {"action_type": "sms", "body": f"Last call. {EN_SHORT}"},
            ]
        )
        campaign._fx_process()
        campaign._fx_process()
        first, second = campaign.step_ids.mailing_id
        SMS = self.env["sms.sms"]

        def body(mailing, partner):
            return SMS.search(
                [("mailing_id", "=", mailing.id), ("partner_id", "=", partner.id)]
            ).body

        self.assertEqual(body(first, ann), f"Gold is moving: trade now.\n{EN_SHORT}")
        self.assertEqual(body(first, bob), f"Gold is moving: trade now.\n{AR_SHORT}")
        self.assertEqual(body(second, ann), f"Last call. {EN_SHORT}")
        self.assertEqual(
            self.audit(partner_id=ann.id).mapped(lambda a: (a.kind, a.outcome)),
            [("sms", "sent"), ("sms", "sent")],
        )


@freeze_time(T0)
class TestClassificationAndVersions(ComplianceCase):
    def test_rule_set_changes_are_versioned(self):
        officer = new_test_user(
            self.env,
            login="officer",
            groups="base.group_user,fx_engagement.group_fx_compliance",
        )
        rule_set = self.fca.with_user(officer)
        base = self.fca.version  # 2, or 3 with the demo data's loss percentage
        rule_set.write({"loss_pct": 68.5, "loss_pct_date": "2026-11-01"})
        rule_set.write({"incentive_retail": True})
        rule_set.write({"loss_pct": 68.5})  # no change, no version
        self.assertEqual(self.fca.version, base + 2)
        versions = self.fca.version_ids.sorted("version")
        self.assertEqual(versions.mapped("version"), list(range(1, base + 3)))
        self.assertEqual(versions[-2:].user_id, officer)
        self.assertEqual(
            versions[-2].changes,
            "Retail Accounts Losing Money (%): 71.0 -> 68.5\n"
            "Loss Percentage Date: '2026-10-01' -> '2026-11-01'",
        )
        self.assertEqual(
            versions[-1].changes, "Incentives to Retail Clients: False -> True"
        )
        Version = self.env["fx.compliance.rule.set.version"]
        with self.assertRaises(UserError):
            versions[-1].write({"changes": "nothing"})
        with self.assertRaises(UserError):
            versions[-1].unlink()
        with self.assertRaises(UserError):
            Version.create({"rule_set_id": self.fca.id, "version": 9})
        with self.assertRaises(UserError):
            self.fca.unlink()
        # a trader now under the last version is granted, recorded under it
        partner = self.classify(self.env["res.partner"].create({"name": "X"}), self.fca)
        self.assertEqual(partner._fx_incentive_check("bonus")[0], partner)
        self.assertEqual(self.audit(partner_id=partner.id).rule_set_version, base + 2)

    def test_bad_rule_sets_refused(self):
        RuleSet = self.env["fx.compliance.rule.set"]
        cases = [
            ({"code": "A", "risk_warning": "Risky."}, ValidationError, "placeholder"),
            ({"code": " B"}, ValidationError, "code must be"),
            ({"code": "C", "loss_pct": 101}, Exception, "loss_pct_range"),
            ({"code": "D", "cap_crypto": -2}, Exception, "caps_positive"),
            ({"code": "ESMA"}, Exception, "code_unique"),
        ]
        for values, error, pattern in cases:
            with self.subTest(values=values), mute_logger("odoo.sql_db"):
                with self.assertRaisesRegex(error, pattern), self.env.cr.savepoint():
                    RuleSet.create({"name": "Bad", **values})
        self.assertFalse(RuleSet.search([("code", "in", ["A", "B", "C", "D"])]))

    def test_classification_history_evidence_and_rights(self):
        officer = new_test_user(
            self.env,
            login="officer",
            groups="base.group_user,fx_engagement.group_fx_compliance",
        )
        manager = new_test_user(
            self.env,
            login="mgr",
            groups="base.group_user,fx_engagement.group_fx_manager",
        )
        partner = self.env["res.partner"].create({"name": "Eve", "fx_is_trader": True})
        as_officer = partner.with_user(officer)
        with self.assertRaisesRegex(ValidationError, "needs the evidence"):
            as_officer.write({"fx_client_category": "professional"})
        with self.assertRaisesRegex(ValidationError, "needs the reason"):
            as_officer.write({"fx_is_vulnerable": True})
        with self.assertRaisesRegex(AccessError, "Only compliance officers"):
            partner.with_user(manager).write({"fx_rule_set_id": self.esma.id})
        self.assertFalse(partner.fx_classification_ids)
        as_officer.write({"fx_rule_set_id": self.esma.id})
        as_officer.write(
            {"fx_client_category": "elective", "fx_category_evidence": "Assessment 12"}
        )
        history = partner.fx_classification_ids.sorted("id")
        self.assertRecordValues(
            history,
            [
                {
                    "rule_set_id": self.esma.id,
                    "previous_rule_set_id": False,
                    "category": "retail",
                    "previous_category": "retail",
                    "evidence": False,
                    "user_id": officer.id,
                    "source": "staff",
                },
                {
                    "rule_set_id": self.esma.id,
                    "previous_rule_set_id": self.esma.id,
                    "category": "elective",
                    "previous_category": "retail",
                    "evidence": "Assessment 12",
                    "user_id": officer.id,
                    "source": "staff",
                },
            ],
        )
        self.assertEqual(str(partner.fx_category_date), "2026-11-23")
        with self.assertRaises(UserError):
            history[0].write({"category": "retail"})
        with self.assertRaises(UserError):
            history[0].unlink()


@freeze_time(T0)
class TestSyncClassificationAndLeverage(ComplianceCase):
    def test_pushed_licence_category_and_leverage_flags(self):
        result = self.sync.push_accounts(
            [
                self.account("2001", client_ref="C1", licence="ESMA", leverage=100),
                self.account("2002", client_ref="C2", licence="ESMA", leverage=30),
                self.account(
                    "2003",
                    client_ref="C3",
                    licence="ESMA",
                    leverage=200,
                    client_category="professional",
                    category_evidence="Per se professional: bank",
                ),
                self.account(
                    "2004", client_ref="C4", licence="UNRESTRICTED", leverage=500
                ),
                self.account(
                    "2005", client_ref="C5", licence="ESMA", leverage=100, type="demo"
                ),
                self.account("2006", client_ref="C6", leverage=1000),
            ]
        )
        self.assertEqual(result["created"], 6)
        Account = self.env["fx.trading.account"]

        def flags():
            return {
                a.login: (
                    a.fx_is_leverage_flagged,
                    a.fx_leverage_cap,
                    a.fx_leverage_class,
                )
                for a in Account.search([("login", "like", "200")])
            }

        self.assertEqual(
            flags(),
            {
                "2001": (True, 30, "fx_major"),
                "2002": (False, 30, "fx_major"),
                "2003": (False, 0, False),
                "2004": (False, 0, False),
                "2005": (False, 30, "fx_major"),
                "2006": (False, 0, False),
            },
        )
        c1, c3 = self.partner("C1"), self.partner("C3")
        self.assertEqual(
            (c1.fx_rule_set_id, c1.fx_client_category), (self.esma, "retail")
        )
        self.assertRecordValues(
            c3,
            [
                {
                    "fx_client_category": "professional",
                    "fx_category_evidence": "Per se professional: bank",
                    "fx_category_date": date(2026, 11, 23),
                }
            ],
        )
        self.assertEqual(c3.fx_classification_ids.source, "api")
        # trading crypto brings the cap of account 2002 to 1:2
        self.sync.push_trades(
            [self.trade("T1", "2026-11-20T10:00:00Z", login="2002", symbol="BTCUSD")]
        )
        self.assertEqual(flags()["2002"], (True, 2, "crypto"))
        # the compliance officer reclassifies C1: no cap any more
        self.classify(c1, self.esma, "professional")
        self.assertEqual(flags()["2001"], (False, 0, False))
        # a stricter cap on the rule set flags again (never changing the leverage)
        self.classify(c1, self.esma, "retail")
        self.esma.cap_fx_major = 50
        self.assertEqual(flags()["2001"], (True, 50, "fx_major"))
        self.assertEqual(Account.search([("login", "=", "2001")]).leverage, 100)
        # the same classification pushed again changes nothing
        history = len(c3.fx_classification_ids)
        self.sync.push_accounts(
            [
                self.account(
                    "2003",
                    client_ref="C3",
                    licence="ESMA",
                    leverage=200,
                    client_category="professional",
                    category_evidence="Bank",
                )
            ]
        )
        c3.invalidate_recordset()
        self.assertEqual(len(c3.fx_classification_ids), history)
        self.assertEqual(c3.fx_category_evidence, "Per se professional: bank")

    def test_bad_classification_refused_nothing_written(self):
        self.sync.push_accounts([self.account("3001", client_ref="K1", licence="FCA")])
        before = self.counts()
        k1 = self.partner("K1")
        cases = [
            (
                [self.account("3002", client_ref="K2", licence="CYSEC")],
                "record 0, field 'licence': unknown or archived licence 'CYSEC'",
            ),
            (
                [self.account("3002", client_ref="K2", client_category="vip")],
                "record 0, field 'client_category'",
            ),
            (
                [self.account("3002", client_ref="K2", licence=7)],
                "record 0, field 'licence'",
            ),
            (
                [
                    self.account("3002", client_ref="K2"),
                    self.account("3001", client_ref="K1", client_category="elective"),
                ],
                "record 1, field 'category_evidence': missing",
            ),
            (
                [
                    self.account("3001", client_ref="K1", licence="ESMA"),
                    self.account("3003", client_ref="K1", licence="ASIC"),
                ],
                "record 1, field 'licence': client 'K1' is classified differently",
            ),
        ]
        for records, message in cases:
            with self.subTest(message=message):
                with self.assertRaisesRegex(
                    ValidationError, "push_accounts refused, nothing was written"
                ) as error:
                    self.sync.push_accounts(records)
                self.assertIn(message, str(error.exception))
                self.assertEqual(self.counts(), before)
                k1.invalidate_recordset()
                self.assertEqual(
                    (k1.fx_rule_set_id, k1.fx_client_category), (self.fca, "retail")
                )
        archived = self.env["fx.compliance.rule.set"].create(
            {"name": "Old", "code": "OLD", "active": False}
        )
        with self.assertRaisesRegex(
            ValidationError, "unknown or archived licence 'OLD'"
        ):
            self.sync.push_accounts(
                [self.account("3001", client_ref="K1", licence=archived.code)]
            )


@freeze_time(T0)
class TestPreviewAndTrail(ComplianceCase):
    def test_preview_before_start(self):
        trail = self.Audit.search([])  # what other addons' demo data recorded
        ann, bob, cem, dan = self.register("ann", "bob", "cem", "dan")
        self.classify(ann, self.esma)
        self.classify(bob, self.asic)
        self.classify(cem, self.esma, "professional")
        dan.write({"fx_is_vulnerable": True, "fx_vulnerable_reason": "Illness"})
        campaign = self.Campaign.create(
            {
                "name": "Draft",
                "domain": "[('fx_client_ref', '=like', 'R-%')]",
                "step_ids": [
                    (0, 0, {"name": "Mail", "action_type": "email"}),
                    (
                        0,
                        0,
                        {"name": "Bonus", "action_type": "bonus", "bonus_amount": 5},
                    ),
                    (0, 0, {"name": "Call", "action_type": "activity"}),
                ],
            }
        )
        self.assertEqual(campaign.state, "draft")
        lines = [
            (line["kind"], line["rule"], line["count"], line["steps"])
            for line in campaign._fx_compliance_preview()
        ]
        self.assertEqual(
            sorted(lines),
            [
                ("bonus", "incentive", 1, ["Bonus"]),
                ("bonus", "incentive", 1, ["Bonus"]),
                ("bonus", "vulnerable", 1, ["Bonus"]),
                ("marketing", "vulnerable", 1, ["Mail"]),
            ],
        )
        self.assertEqual(campaign.fx_compliance_blocked, 3)
        self.assertIn(
            f"blocked by rule ASIC (AU) v{self.asic.version}",
            campaign.fx_compliance_preview,
        )
        campaign.fx_promotes_binary_options = True
        self.assertEqual(campaign.fx_compliance_blocked, 3)
        marketing = [
            (line["rule"], line["count"])
            for line in campaign._fx_compliance_preview()
            if line["kind"] == "marketing"
        ]
        self.assertEqual(
            sorted(marketing),
            [("binary_options", 1), ("binary_options", 1), ("vulnerable", 1)],
        )
        self.assertEqual(self.Audit.search([]), trail)  # a preview records nothing
        # a salesperson's preview counts only the traders they may see: Ann is
        # another salesperson's, Bob and Dan (blocked too) are unassigned
        other = new_test_user(
            self.env, login="preview_other", groups="fx_engagement.group_fx_user"
        )
        seller = new_test_user(
            self.env, login="preview_seller", groups="fx_engagement.group_fx_user"
        )
        ann.user_id = other
        self.assertEqual(campaign.with_user(seller).fx_compliance_blocked, 2)
        self.assertEqual(campaign.with_user(other).fx_compliance_blocked, 3)

    def test_trail_is_immutable_and_filterable(self):
        [ann] = self.register("ann")
        self.classify(ann, self.esma)
        ann._fx_incentive_check("reward", origin=self.esma)
        entry = self.audit(partner_id=ann.id)
        self.assertRecordValues(
            entry,
            [
                {
                    "kind": "reward",
                    "outcome": "blocked",
                    "origin": f"fx.compliance.rule.set,{self.esma.id}",
                    "client_ref": "R-ann",
                    "date": datetime(2026, 11, 23, 10, 0, 0),
                }
            ],
        )
        with self.assertRaises(UserError):
            entry.write({"outcome": "granted"})
        with self.assertRaises(UserError):
            entry.unlink()
        with self.assertRaises(UserError):
            self.Audit.create(
                {"kind": "bonus", "outcome": "granted", "partner_id": ann.id}
            )
        out = io.BytesIO()
        self.Audit._fx_export_csv({"partner_id": ann.id}, out)
        lines = out.getvalue().decode().splitlines()
        self.assertEqual(
            lines[0],
            "id,date,kind,outcome,client_ref,partner_id,client,rule_set,"
            "rule_set_version,rule,reason,what,risk_warning,campaign_id,campaign,"
            "step_id,mailing_id,origin",
        )
        self.assertEqual(len(lines), 2)
        self.assertIn(",reward,blocked,R-ann,", lines[1])
        out = io.BytesIO()
        self.Audit._fx_export_csv({"date_to": date(2026, 11, 22)}, out)
        self.assertEqual(len(out.getvalue().decode().splitlines()), 1)

    def test_trail_outlives_campaigns_steps_and_users(self):
        """The trail keeps its references without foreign keys but the
        client's: deleting a campaign, a step or a user empties the reference
        (as ON DELETE SET NULL did) and leaves the entries, readable and
        groupable."""
        self.env.cr.execute(
            """
            SELECT a.attname FROM pg_constraint c
              JOIN pg_attribute a ON a.attrelid = c.conrelid
                                 AND a.attnum = c.conkey[1]
             WHERE c.conrelid = 'fx_compliance_audit'::regclass AND c.contype = 'f'
            """
        )
        self.assertEqual(self.env.cr.fetchall(), [("partner_id",)])
        ann, bob = self.register("ann", "bob")
        self.classify(ann, self.esma)
        self.classify(bob, self.esma, "professional")
        campaign = self.campaign(
            [
                {"action_type": "bonus", "bonus_amount": 50, "bonus_description": "A"},
                {
                    "action_type": "bonus",
                    "bonus_amount": 5,
                    "bonus_description": "B",
                    "wait_value": 1,
                },
            ]
        )
        campaign._fx_process()
        with freeze_time("2026-11-24 10:00:01"):
            campaign._fx_process()
        first, second = campaign.step_ids.sorted("sequence")
        entries = self.audit(campaign_id=campaign.id)
        self.assertEqual(len(entries), 4)
        self.assertEqual(entries.step_id, first | second)
        # a step removed from the campaign: its entries lose the step only
        campaign.write({"step_ids": [(2, first.id)]})
        self.assertRecordValues(
            entries,
            [
                {"step_id": False, "campaign_id": campaign.id, "what": "A: 50.0 USD"},
                {"step_id": False, "campaign_id": campaign.id, "what": "A: 50.0 USD"},
                {
                    "step_id": second.id,
                    "campaign_id": campaign.id,
                    "what": "B: 5.0 USD",
                },
                {
                    "step_id": second.id,
                    "campaign_id": campaign.id,
                    "what": "B: 5.0 USD",
                },
            ],
        )
        # who may not delete the campaign leaves the trail as it is
        seller = new_test_user(
            self.env, login="trail_seller", groups="fx_engagement.group_fx_user"
        )
        # (no savepoint: what the refused call wrote would stay)
        refused = False
        try:
            campaign.with_user(seller).unlink()
        except AccessError:
            refused = True
        self.assertTrue(refused, "a salesperson deleted a campaign")
        entries.invalidate_recordset()
        self.assertEqual(entries.campaign_id, campaign)
        # the campaign deleted: the entries stay, without campaign and step
        campaign_ref = f"fx.campaign.step,{second.id}"
        campaign.unlink()
        self.assertEqual(entries.exists(), entries)
        self.assertEqual(entries.mapped("campaign_id.id"), [])
        self.assertEqual(entries.mapped("step_id.id"), [])
        self.assertEqual(entries[2:].mapped("origin"), [campaign_ref] * 2)
        groups = self.Audit.read_group(
            [("id", "in", entries.ids)], ["campaign_id"], ["campaign_id"]
        )
        self.assertEqual(
            [(g["campaign_id"], g["campaign_id_count"]) for g in groups], [(False, 4)]
        )
        # a deleted user: the entries they triggered lose the user only
        officer = new_test_user(
            self.env, login="trail_officer", groups="fx_engagement.group_fx_user"
        )
        ann.with_user(officer).sudo()._fx_incentive_check("prize", origin=self.esma)
        [entry] = self.audit(partner_id=ann.id, kind="prize")
        self.assertEqual(entry.user_id, officer)
        officer.unlink()
        self.assertRecordValues(
            entry, [{"user_id": False, "outcome": "blocked", "kind": "prize"}]
        )

    def test_migration_drops_the_trail_foreign_keys(self):
        """The 18.0.1.2.0 migration drops the foreign keys an older install
        has on the trail's references, and the redundant campaign index."""
        cr = self.env.cr
        cr.execute(
            "ALTER TABLE fx_compliance_audit ADD CONSTRAINT "
            "fx_compliance_audit_step_id_fkey FOREIGN KEY (step_id) "
            "REFERENCES fx_campaign_step(id) ON DELETE SET NULL"
        )
        cr.execute(
            "CREATE INDEX fx_compliance_audit__campaign_id_index "
            "ON fx_compliance_audit (campaign_id)"
        )
        path = Path(__file__).parents[1] / "migrations/18.0.1.2.0/post-migrate.py"
        spec = importlib.util.spec_from_file_location("fx_migrate_1_2", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(cr, "18.0.1.1.0")
        cr.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = "
            "'fx_compliance_audit'::regclass AND contype = 'f'"
        )
        self.assertEqual(cr.fetchall(), [("fx_compliance_audit_partner_id_fkey",)])
        cr.execute(
            "SELECT 1 FROM pg_indexes "
            "WHERE indexname = 'fx_compliance_audit__campaign_id_index'"
        )
        self.assertFalse(cr.fetchall())
