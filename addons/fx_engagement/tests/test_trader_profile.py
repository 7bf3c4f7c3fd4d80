from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, TransactionCase, freeze_time, new_test_user, users
from odoo.tools import mute_logger


class TestTraderProfile(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.fx_user = new_test_user(
            cls.env,
            login="fx_user",
            groups="base.group_user,fx_engagement.group_fx_user",
        )
        cls.plain_user = new_test_user(
            cls.env, login="plain_user", groups="base.group_user"
        )
        Partner = cls.env["res.partner"]
        cls.gold = cls.env["fx.instrument"].create(
            {"name": "XAUUSD_T", "asset_class": "metal"}
        )
        cls.scalping = cls.env["fx.strategy"].create(
            {"name": "Test scalping", "code": "test_scalping"}
        )
        cls.active = Partner.create(
            {
                "name": "Active Trader",
                "fx_is_trader": True,
                "fx_stage": "active",
                "fx_kyc_status": "approved",
                "fx_ftd_date": "2026-01-10 09:00:00",
                "fx_total_deposits": 12500.0,
                "fx_total_withdrawals": 3250.5,
                "fx_instrument_ids": [(6, 0, cls.gold.ids)],
            }
        )
        cls.dormant = Partner.create(
            {
                "name": "Dormant Trader",
                "fx_is_trader": True,
                "fx_stage": "dormant",
                "fx_kyc_status": "approved",
                "fx_ftd_date": "2025-06-01 09:00:00",
                "fx_total_deposits": 800.0,
            }
        )
        cls.prospect = Partner.create(
            {"name": "Prospect", "fx_is_trader": True, "fx_kyc_status": "pending"}
        )
        cls.traders = cls.active | cls.dormant | cls.prospect

    def test_defaults(self):
        partner = self.env["res.partner"].create({"name": "Someone"})
        self.assertEqual(partner.fx_stage, "lead")
        self.assertEqual(partner.fx_kyc_status, "none")
        self.assertFalse(partner.fx_is_funded)
        self.assertEqual(partner.fx_net_deposits, 0.0)
        self.assertEqual(partner.fx_currency_id, self.env.company.currency_id)

    def test_net_deposits_and_funded(self):
        self.assertAlmostEqual(self.active.fx_net_deposits, 9249.5)
        self.assertTrue(self.active.fx_is_funded)
        self.assertFalse(self.prospect.fx_is_funded)
        self.active.fx_total_withdrawals = 13000.0
        self.assertAlmostEqual(self.active.fx_net_deposits, -500.0)

    @freeze_time("2026-11-23")
    def test_age(self):
        self.prospect.fx_birth_date = "1990-11-24"
        self.assertEqual(self.prospect.fx_age, 35)
        self.prospect.fx_birth_date = "1990-11-23"
        self.assertEqual(self.prospect.fx_age, 36)
        self.prospect.fx_birth_date = False
        self.assertEqual(self.prospect.fx_age, 0)

    def test_search_filters(self):
        Partner = self.env["res.partner"]
        domain = [("id", "in", self.traders.ids)]
        self.assertEqual(
            Partner.search([*domain, ("fx_is_funded", "=", True)]),
            self.active | self.dormant,
        )
        self.assertEqual(
            Partner.search([*domain, ("fx_is_funded", "=", False)]), self.prospect
        )
        self.assertEqual(
            Partner.search([*domain, ("fx_stage", "=", "dormant")]), self.dormant
        )
        self.assertEqual(
            Partner.search([*domain, ("fx_instrument_ids", "in", self.gold.ids)]),
            self.active,
        )
        groups = Partner._read_group(domain, ["fx_stage"], ["__count"])
        self.assertEqual(sorted(groups), [("active", 1), ("dormant", 1), ("lead", 1)])

    def test_client_ref_unique(self):
        self.active.fx_client_ref = "CL-1"
        with self.assertRaisesRegex(ValidationError, "CL-1 is already used"):
            self.dormant.fx_client_ref = "CL-1"
        # at the database level too (e.g. two concurrent transactions)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    "UPDATE res_partner SET fx_client_ref = 'CL-1' WHERE id = %s",
                    [self.prospect.id],
                )
        # a contact without a client id never collides
        self.dormant.fx_client_ref = False
        self.prospect.fx_client_ref = False
        self.assertFalse(self.dormant.fx_client_ref)

    def test_trading_tab_form(self):
        form = Form(self.env["res.partner"].with_user(self.fx_user))
        form.name = "New Trader"
        form.fx_is_trader = True
        form.fx_client_ref = "CL-NEW"
        form.fx_experience_level = "beginner"
        form.fx_risk_appetite = "low"
        form.fx_preferred_channel = "sms"
        form.fx_occupation = "Pilot"
        # facts come from the trading platform, not from the keyboard
        for fname in ("fx_stage", "fx_kyc_status", "fx_total_deposits", "fx_ftd_date"):
            with self.assertRaises(AssertionError, msg=fname):
                setattr(form, fname, False)
        partner = form.save()
        self.assertRecordValues(
            partner,
            [
                {
                    "fx_client_ref": "CL-NEW",
                    "fx_stage": "lead",
                    "fx_kyc_status": "none",
                    "fx_experience_level": "beginner",
                    "fx_preferred_channel": "sms",
                    "fx_occupation": "Pilot",
                }
            ],
        )

    def test_trading_tab_only_for_fx_users(self):
        def has_tab(user):
            arch = (
                self.env["res.partner"]
                .with_user(user)
                .get_views([(False, "form")])["views"]["form"]["arch"]
            )
            return 'name="fx_trading"' in arch

        self.assertTrue(has_tab(self.fx_user))
        self.assertFalse(has_tab(self.plain_user))

    @users("plain_user")
    def test_configuration_read_only_for_employees(self):
        self.assertTrue(self.env["fx.instrument"].search([("name", "=", "XAUUSD_T")]))
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models"):
            self.env["fx.instrument"].create({"name": "HACK"})
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models"):
            self.scalping.with_env(self.env).write({"is_high_risk": True})

    def test_instrument_symbol_unique(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.env["fx.instrument"].create({"name": "XAUUSD_T"})


class TestTraderRecordRules(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.anna = new_test_user(
            cls.env, login="rr_anna", groups="fx_engagement.group_fx_user"
        )
        cls.ben = new_test_user(
            cls.env, login="rr_ben", groups="fx_engagement.group_fx_user"
        )
        cls.boss = new_test_user(
            cls.env, login="rr_boss", groups="fx_engagement.group_fx_manager"
        )
        Partner = cls.env["res.partner"]
        cls.annas = Partner.create(
            {"name": "Anna's trader", "fx_is_trader": True, "user_id": cls.anna.id}
        )
        cls.bens = Partner.create(
            {"name": "Ben's trader", "fx_is_trader": True, "user_id": cls.ben.id}
        )
        cls.free = Partner.create({"name": "Unassigned trader", "fx_is_trader": True})
        cls.supplier = Partner.create({"name": "Supplier", "user_id": cls.ben.id})
        cls.everyone = cls.annas | cls.bens | cls.free | cls.supplier

    def visible(self, user):
        return (
            self.env["res.partner"]
            .with_user(user)
            .search([("id", "in", self.everyone.ids)])
        )

    def test_salespeople_see_own_and_unassigned_traders(self):
        self.assertEqual(
            self.visible(self.anna), self.annas | self.free | self.supplier
        )
        self.assertEqual(self.visible(self.ben), self.bens | self.free | self.supplier)
        self.assertEqual(self.visible(self.boss), self.everyone)
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models"):
            self.bens.with_user(self.anna).read(["name"])
