"""Data quality: duplicate traders (e-mail, phone, KYC document, payment
method), the review queue and Odoo's partner merge, profile completeness per
trader and team, the stale flag, and the KYC document id over the sync API
(docs/METRICS.md#data-quality)."""

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import freeze_time, new_test_user
from odoo.tools import mute_logger

from ..lib.data_quality import completeness, normalize_document, phone_fallback
from .common import SyncCase

NOW = "2026-06-01 12:00:00"


class DataQualityCase(SyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gb = cls.env.ref("base.uk")
        cls.Pair = cls.env["fx.duplicate.pair"]
        cls.manager = new_test_user(
            cls.env,
            login="dq_manager",
            groups="base.group_user,base.group_partner_manager,"
            "fx_engagement.group_fx_manager",
        )
        cls.fx_user = new_test_user(
            cls.env,
            login="dq_user",
            groups="base.group_user,fx_engagement.group_fx_user",
        )

    @classmethod
    def trader(cls, name, **vals):
        return (
            cls.env["res.partner"]
            .with_context(tracking_disable=True)
            .create({"name": name, "fx_is_trader": True, **vals})
        )

    def pairs(self, partners):
        """{(name a, name b): pair} of the pairs between ``partners``."""
        found = self.Pair.search(
            [
                ("partner_a_id", "in", partners.ids),
                "|",
                ("partner_b_id", "in", partners.ids),
                ("partner_b_id", "=", False),
            ]
        )
        return {(p.partner_a_id.name, p.partner_b_id.name or None): p for p in found}


class TestNormalisation(DataQualityCase):
    def test_phone_formats_normalise_to_one_number(self):
        formats = [
            ("+44 20 7946 0958", False),
            ("0044 20-7946-0958", self.gb),
            ("(020) 7946 0958", self.gb),
            ("020.7946.0958", self.gb),
        ]
        traders = [
            self.trader(f"Phone {i}", phone=number, country_id=country and country.id)
            for i, (number, country) in enumerate(formats)
        ]
        self.assertEqual(
            [t.fx_phone_normalized for t in traders], ["+442079460958"] * 4
        )
        mobile = self.trader("Mobile", mobile="07700 900123", country_id=self.gb.id)
        self.assertEqual(mobile.fx_mobile_normalized, "+447700900123")
        self.assertFalse(mobile.fx_phone_normalized)

    def test_fallback_without_phone_library(self):
        # what lib.data_quality.phone_fallback gives when phonenumbers cannot parse
        self.assertEqual(phone_fallback("020 7946 0958", "44"), "+442079460958")
        self.assertEqual(phone_fallback("0044 (20) 7946-0958", None), "+442079460958")
        self.assertEqual(phone_fallback("+44 20 7946 0958", "971"), "+442079460958")
        self.assertEqual(phone_fallback("7946 0958", None), "79460958")
        self.assertIsNone(phone_fallback("12-34", "44"))
        self.assertIsNone(phone_fallback("", "44"))

    def test_document_and_completeness_formula(self):
        self.assertEqual(normalize_document(" ab-123 456 "), "AB123456")
        self.assertIsNone(normalize_document("--- ."))
        score, missing = completeness(
            {"name": "A", "email": "a@x.com", "phone": "1", "country_id": 1}
        )
        self.assertEqual(score, 50)
        self.assertEqual(
            missing,
            [
                "city",
                "street",
                "fx_birth_date",
                "fx_kyc_document_ref",
                "fx_occupation",
                "fx_income_band",
                "fx_experience_level",
                "fx_risk_appetite",
            ],
        )


@freeze_time(NOW)
class TestDuplicates(DataQualityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(NOW):
            t = cls.trader
            cls.ann = t("Ann", email="Jane.Doe@Example.com ")
            cls.ann2 = t("Ann Two", email="jane.doe@example.com")
            cls.bob = t("Bob", phone="+44 20 7946 0958")
            cls.bob2 = t("Bob Two", phone="(020) 7946 0958", country_id=cls.gb.id)
            cls.cem = t("Cem", email="cem@example.com")
            cls.cem2 = t("Cem Two", email="cem2@example.com")
            cls.dia = t("Dia", email="dia@example.com")
            cls.dia2 = t("Dia Two", email="dia2@example.com")
            # not a trader, same e-mail as Ann: never proposed
            cls.env["res.partner"].create(
                {"name": "Ann's newsletter", "email": "jane.doe@example.com"}
            )
            # another company's trader with Ann's e-mail: never paired with her
            cls.other_company = cls.env["res.company"].create({"name": "Other Broker"})
            cls.ann_elsewhere = t(
                "Ann Elsewhere",
                email="jane.doe@example.com",
                company_id=cls.other_company.id,
            )
            # KYC documents pushed with client events, written two ways
            cls.sync.push_events(
                [
                    {
                        "type": "kyc",
                        "at": "2026-05-01T10:00:00Z",
                        "email": "cem@example.com",
                        "kyc_status": "approved",
                        "kyc_document_id": "ab-123 456",
                    },
                    {
                        "type": "kyc",
                        "at": "2026-05-02T10:00:00Z",
                        "email": "cem2@example.com",
                        "kyc_status": "pending",
                        "kyc_document_id": "AB123456",
                    },
                ]
            )
            # Dia and Dia Two deposit with the same card
            cls.sync.push_accounts(
                [
                    cls.account("7001", client_ref=None, email="dia@example.com"),
                    cls.account("7002", client_ref=None, email="dia2@example.com"),
                ]
            )
            cls.sync.push_fundings(
                [
                    cls.funding(
                        cls,
                        "F1",
                        100,
                        "2026-05-01T10:00:00Z",
                        login="7001",
                        method_fingerprint="card-9f8e",
                    ),
                    cls.funding(
                        cls,
                        "F2",
                        200,
                        "2026-05-02T10:00:00Z",
                        login="7002",
                        method_fingerprint="card-9f8e",
                    ),
                    cls.funding(
                        cls,
                        "F3",
                        300,
                        "2026-05-03T10:00:00Z",
                        login="7002",
                        method_fingerprint="card-9f8e",
                    ),
                ]
            )
        cls.everyone = (
            cls.ann
            | cls.ann2
            | cls.bob
            | cls.bob2
            | cls.cem
            | cls.cem2
            | cls.dia
            | cls.dia2
            | cls.ann_elsewhere
        )

    def test_each_key_finds_its_pair(self):
        self.assertEqual(self.cem.fx_kyc_document_ref, "ab-123 456")
        self.assertEqual(self.cem2.fx_kyc_document_ref, "AB123456")
        self.Pair._fx_detect()
        pairs = self.pairs(self.everyone)
        self.assertEqual(
            sorted(pairs),
            [
                ("Ann", "Ann Two"),
                ("Bob", "Bob Two"),
                ("Cem", "Cem Two"),
                ("Dia", "Dia Two"),
            ],
        )
        flags = {
            key: (p.match_email, p.match_phone, p.match_kyc, p.match_payment, p.state)
            for key, p in pairs.items()
        }
        self.assertEqual(
            flags,
            {
                ("Ann", "Ann Two"): (True, False, False, False, "to_review"),
                ("Bob", "Bob Two"): (False, True, False, False, "to_review"),
                ("Cem", "Cem Two"): (False, False, True, False, "to_review"),
                ("Dia", "Dia Two"): (False, False, False, True, "to_review"),
            },
        )
        self.assertEqual(pairs[("Cem", "Cem Two")].match_summary, "Same KYC Document")

    def test_not_a_duplicate_is_remembered(self):
        self.Pair._fx_detect()
        pair = self.pairs(self.everyone)[("Bob", "Bob Two")]
        pair.with_user(self.fx_user).action_not_duplicate()
        self.assertEqual(pair.state, "not_duplicate")
        self.assertEqual(pair.decided_uid, self.fx_user)
        self.assertEqual(str(pair.decided_date), NOW)
        # they now share an e-mail too: still not proposed again
        (self.bob | self.bob2).write({"email": "bob@example.com"})
        result = self.Pair._fx_detect()
        self.assertEqual(result["new"], 0)
        again = self.pairs(self.bob | self.bob2)
        self.assertEqual(list(again.values()), [pair])
        self.assertEqual(pair.state, "not_duplicate")
        self.assertFalse(pair.match_email)  # the decision is kept as it was

    def test_pairs_to_review_leave_when_the_match_is_gone(self):
        self.Pair._fx_detect()
        self.ann2.email = "someone.else@example.com"
        result = self.Pair._fx_detect()
        self.assertEqual(result["removed"], 1)
        self.assertNotIn(("Ann", "Ann Two"), self.pairs(self.everyone))

    def test_large_groups_pair_with_the_oldest_only(self):
        crowd = self.env["res.partner"]
        for i in range(12):
            crowd |= self.trader(f"Crowd {i:02d}", email="family@example.com")
        self.Pair._fx_detect()
        pairs = self.pairs(crowd)
        # 12 contacts: 11 pairs with the oldest, not 66
        self.assertEqual(len(pairs), 11)
        self.assertEqual({a for a, _b in pairs}, {"Crowd 00"})

    def test_merge_through_odoos_wizard(self):
        self.Pair._fx_detect()
        pairs = self.pairs(self.everyone)
        pair = pairs[("Dia", "Dia Two")]
        # Dia Two was declared different from Bob: remembered for Dia after merge
        other = self.Pair.create(
            {"partner_a_id": self.bob.id, "partner_b_id": self.dia2.id}
        )
        other.action_not_duplicate()
        (self.dia | self.dia2).write({"email": "dia@example.com"})  # Odoo's rule
        self.assertEqual(self.dia.fx_total_deposits, 100)
        pair = pair.with_user(self.manager)
        action = pair.action_merge()
        self.assertEqual(action["res_model"], "base.partner.merge.automatic.wizard")
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.manager)
            .with_context(**action["context"])
            .create({})
        )
        self.assertEqual(wizard.partner_ids, self.dia | self.dia2)
        self.assertEqual(wizard.dst_partner_id, self.dia)
        dia2_id = self.dia2.id
        with mute_logger("odoo.addons.base.partner.merge"):
            wizard.action_merge()
        self.assertFalse(self.env["res.partner"].browse(dia2_id).exists())
        self.assertEqual(pair.state, "merged")
        self.assertEqual(pair.decided_uid, self.manager)
        self.assertEqual(pair.partner_a_id, self.dia)
        self.assertFalse(pair.partner_b_id)
        self.assertEqual(pair.merged_partner_name, f"Dia Two ({dia2_id})")
        # the facts moved and were recomputed: 100 + 200 + 300
        self.assertEqual(self.dia.fx_total_deposits, 600)
        self.assertEqual(self.dia.fx_account_count, 2)
        moved = self.pairs(self.bob | self.dia)
        self.assertEqual(moved[("Bob", "Dia")].state, "not_duplicate")
        # detection keeps the history and proposes nothing for the merged pair
        self.Pair._fx_detect()
        self.assertEqual(self.pairs(self.dia)[("Dia", None)].state, "merged")

    def test_merge_keeps_a_client_id(self):
        a = self.trader("Eve", email="eve@example.com")
        b = self.trader("Eve Two", email="eve@example.com", fx_client_ref="C-EVE")
        self.Pair._fx_detect()
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.manager)
            .with_context(
                active_model="res.partner",
                active_ids=(a | b).ids,
                fx_dst_partner_id=a.id,
            )
            .create({})
        )
        with mute_logger("odoo.addons.base.partner.merge"):
            wizard.action_merge()
        self.assertFalse(b.exists())
        self.assertEqual(a.fx_client_ref, "C-EVE")

    def test_merging_plain_contacts_makes_no_trader(self):
        Partner = self.env["res.partner"]
        a = Partner.create({"name": "Supplier", "email": "s@example.com"})
        b = Partner.create({"name": "Supplier Two", "email": "s@example.com"})
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.manager)
            .with_context(
                active_model="res.partner",
                active_ids=(a | b).ids,
                fx_dst_partner_id=a.id,
            )
            .create({})
        )
        with mute_logger("odoo.addons.base.partner.merge"):
            wizard.action_merge()
        self.assertFalse(b.exists())
        self.assertFalse(a.fx_is_trader)
        self.assertEqual(a.fx_completeness, 0)

    def test_reviewers_see_their_traders_pairs_only(self):
        mine = self.trader("Mine", email="m@example.com", user_id=self.fx_user.id)
        theirs = self.trader("Theirs", email="m@example.com", user_id=self.manager.id)
        unassigned = self.trader("Nobody's", email="n@example.com")
        unassigned2 = self.trader("Nobody's Two", email="n@example.com")
        self.Pair._fx_detect()
        visible = self.Pair.with_user(self.fx_user).search(
            [("partner_a_id", "in", (mine | theirs | unassigned).ids)]
        )
        self.assertEqual(visible.partner_a_id, unassigned)
        self.assertEqual(visible.partner_b_id, unassigned2)
        with self.assertRaises(AccessError):
            self.Pair.with_user(self.fx_user).create(
                {"partner_a_id": mine.id, "partner_b_id": unassigned.id}
            )


@freeze_time(NOW)
class TestCompleteness(DataQualityCase):
    def test_score_missing_fields_and_team_average(self):
        team_a = self.env["crm.team"].create({"name": "DQ Team A"})
        team_b = self.env["crm.team"].create({"name": "DQ Team B"})
        t1 = self.trader(
            "Full",
            email="full@example.com",
            phone="+44 20 7946 0001",
            country_id=self.gb.id,
            team_id=team_a.id,
        )
        self.assertEqual(t1.fx_completeness, 50)
        self.assertEqual(
            t1.fx_missing_fields,
            "city,street,fx_birth_date,fx_kyc_document_ref,fx_occupation,"
            "fx_income_band,fx_experience_level,fx_risk_appetite",
        )
        self.assertEqual(
            t1.fx_missing_fields_display,
            "City, Street, Birth Date, KYC Document ID, Occupation, Annual Income, "
            "Experience Level, Risk Appetite",
        )
        t1.write(
            {
                "city": "London",
                "street": "1 Main St",
                "fx_birth_date": "1990-01-01",
                "fx_occupation": " ",  # blank is missing
                "fx_income_band": "25k_50k",
                "fx_experience_level": "beginner",
                "fx_risk_appetite": "low",
            }
        )
        self.assertEqual(t1.fx_completeness, 85)
        self.assertEqual(t1.fx_missing_fields, "fx_kyc_document_ref,fx_occupation")
        # a mobile counts as the phone
        t2 = self.trader("Mobile only", mobile="07700 900123", team_id=team_a.id)
        self.assertEqual(t2.fx_completeness, 25)
        t3 = self.trader("Bare", team_id=team_b.id)
        self.assertEqual(t3.fx_completeness, 10)
        self.assertEqual(t3.fx_missing_fields.split(",")[0], "email")
        # contacts that are not traders get no score
        contact = self.env["res.partner"].create({"name": "Supplier"})
        self.assertEqual(contact.fx_completeness, 0)
        self.assertFalse(contact.fx_missing_fields)
        rows = self.env["res.partner"]._read_group(
            [("team_id", "in", (team_a | team_b).ids)],
            ["team_id"],
            ["fx_completeness:avg", "__count"],
        )
        self.assertEqual(
            {team.name: (avg, n) for team, avg, n in rows},
            {"DQ Team A": (55.0, 2), "DQ Team B": (10.0, 1)},
        )

    def test_stale_after_the_set_months(self):
        with freeze_time("2025-01-01 09:00:00"):
            old = self.trader("Old", email="old@example.com")
            kept = self.trader("Kept", email="kept@example.com")
        self.assertFalse(old.fx_is_stale)
        with freeze_time("2025-12-01 09:00:00"):
            kept.phone = "+44 20 7946 0002"  # a profile update
            self.assertEqual(str(kept.fx_profile_date), "2025-12-01 09:00:00")
        Partner = self.env["res.partner"]
        Partner._cron_fx_data_quality()  # NOW: 2026-06-01, 12 months by default
        self.assertTrue(old.fx_is_stale)
        self.assertFalse(kept.fx_is_stale)
        self.env["ir.config_parameter"].set_param("fx_engagement.stale_months", "18")
        Partner._cron_fx_data_quality()
        self.assertFalse(old.fx_is_stale)
        self.env["ir.config_parameter"].set_param("fx_engagement.stale_months", "5")
        Partner._cron_fx_data_quality()
        self.assertTrue(kept.fx_is_stale)  # 6 months without an update
        # a fact refreshed by the platform is not a profile update
        kept._fx_recompute_facts()
        self.assertTrue(kept.fx_is_stale)

    def test_settings_refuse_bad_values(self):
        for values in ({"fx_stale_months": 0}, {"fx_nbo_min_support": 0}):
            with self.assertRaises(ValidationError):
                self.env["res.config.settings"].create(values)

    def test_scores_are_the_systems(self):
        trader = self.trader("Scored", user_id=self.fx_user.id)
        as_user = trader.with_user(self.fx_user)
        for vals in (
            {"fx_completeness": 100},
            {"fx_is_stale": False},
            {"fx_kyc_document_ref": "X1"},
        ):
            with self.assertRaises(AccessError):
                as_user.write(vals)
        trader.with_user(self.manager).write({"fx_kyc_document_ref": "X1"})
        self.assertEqual(trader.fx_kyc_document_ref, "X1")
        self.assertEqual(trader.fx_completeness, 20)


@freeze_time(NOW)
class TestKycDocumentApi(DataQualityCase):
    def test_latest_document_kept_and_bad_input_refused(self):
        self.sync.push_events(
            [
                {
                    "type": "registration",
                    "at": "2026-05-01T10:00:00Z",
                    "client_ref": "K1",
                    "email": "k1@example.com",
                    "kyc_document_id": "P-111",
                },
                {
                    "type": "kyc",
                    "at": "2026-05-03T10:00:00Z",
                    "client_ref": "K1",
                    "kyc_status": "approved",
                    "kyc_document_id": "P-222",
                },
                {
                    "type": "login",
                    "at": "2026-05-04T10:00:00Z",
                    "client_ref": "K1",
                },
            ]
        )
        trader = self.partner("K1")
        self.assertEqual(trader.fx_kyc_document_ref, "P-222")
        # name (the client ID until one is sent), e-mail, document
        self.assertEqual(trader.fx_completeness, 35)
        before = self.counts()
        bad = [
            ("---", "record 0, field 'kyc_document_id': holds no letter or digit"),
            ("X" * 65, "record 0, field 'kyc_document_id': longer than 64"),
            ("   ", "record 0, field 'kyc_document_id': blank"),
            (["A1"], "record 0, field 'kyc_document_id': expected a string"),
            ("A\x01", "record 0, field 'kyc_document_id': control character"),
        ]
        for value, message in bad:
            with (
                self.subTest(value=value),
                self.assertRaisesRegex(ValidationError, message.replace("(", r"\(")),
            ):
                self.sync.push_events(
                    [
                        {
                            "type": "kyc",
                            "at": "2026-05-05T10:00:00Z",
                            "client_ref": "K1",
                            "kyc_status": "approved",
                            "kyc_document_id": value,
                        },
                        {
                            "type": "registration",
                            "at": "2026-05-05T10:00:00Z",
                            "client_ref": "K2",
                            "email": "k2@example.com",
                        },
                    ]
                )
        self.assertEqual(self.counts(), before)
        self.assertEqual(trader.fx_kyc_document_ref, "P-222")
        self.assertFalse(self.partner("K2"))

    def test_manager_correction_kept_until_a_new_document(self):
        trader = self.trader("Kept Doc", fx_client_ref="K9")
        trader.with_user(self.manager).fx_kyc_document_ref = "MANUAL-1"
        self.sync.push_events(
            [
                {
                    "type": "login",
                    "at": "2026-05-04T10:00:00Z",
                    "client_ref": "K9",
                }
            ]
        )
        self.assertEqual(trader.fx_kyc_document_ref, "MANUAL-1")
        self.sync.push_events(
            [
                {
                    "type": "kyc",
                    "at": "2026-05-05T10:00:00Z",
                    "client_ref": "K9",
                    "kyc_status": "pending",
                    "kyc_document_id": "NEW-2",
                }
            ]
        )
        self.assertEqual(trader.fx_kyc_document_ref, "NEW-2")

    def test_partner_tags_unaffected(self):
        # an ordinary write of a non-profile field does not touch the profile date
        trader = self.trader("Tagged")
        self.assertEqual(str(trader.fx_profile_date), NOW)
        tag = self.env["res.partner.category"].create({"name": "DQ"})
        with freeze_time("2026-06-02 08:00:00"):
            trader.write({"category_id": [Command.link(tag.id)]})
        self.assertEqual(str(trader.fx_profile_date), NOW)
