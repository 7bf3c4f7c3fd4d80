from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase

from odoo.addons.fx_referrals.models.res_partner import (
    CODE_ALPHABET,
    CODE_LENGTH,
    generate_referral_code,
)


class TestReferralCodes(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        Partner = cls.env["res.partner"]
        cls.alice, cls.bob, cls.carol = Partner.create(
            [
                {"name": "Alice", "fx_is_trader": True},
                {"name": "Bob", "fx_is_trader": True},
                {"name": "Carol", "fx_is_trader": True},
            ]
        )

    def test_code_alphabet(self):
        code = generate_referral_code()
        self.assertEqual(len(code), CODE_LENGTH)
        self.assertTrue(set(code) <= set(CODE_ALPHABET))
        self.assertFalse(set("01OIL") & set(CODE_ALPHABET))

    def test_generate_keeps_existing_codes(self):
        self.alice.fx_referral_code = "ALICE001"
        (self.alice | self.bob | self.carol).action_fx_generate_referral_code()
        self.assertEqual(self.alice.fx_referral_code, "ALICE001")
        codes = {self.bob.fx_referral_code, self.carol.fx_referral_code}
        self.assertEqual(len(codes), 2)
        self.assertNotIn(False, codes)

    def test_referral_chain_and_count(self):
        self.bob.fx_referrer_id = self.alice
        self.carol.fx_referrer_id = self.alice
        self.assertEqual(self.alice.fx_referral_count, 2)
        self.assertEqual(self.bob.fx_referral_count, 0)
        action = self.alice.action_fx_view_referrals()
        self.assertEqual(
            self.env["res.partner"].search(action["domain"]), self.bob | self.carol
        )

    def test_self_referral_refused(self):
        with self.assertRaisesRegex(ValidationError, "Alice cannot refer themselves"):
            self.alice.fx_referrer_id = self.alice

    def test_circular_referral_refused(self):
        self.bob.fx_referrer_id = self.alice
        self.carol.fx_referrer_id = self.bob
        with (
            self.assertRaisesRegex(ValidationError, "Circular referral"),
            self.env.cr.savepoint(),
        ):
            self.alice.fx_referrer_id = self.carol
        self.alice.invalidate_recordset()
        self.assertFalse(self.alice.fx_referrer_id)
