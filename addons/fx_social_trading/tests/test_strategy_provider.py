from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user
from odoo.tools import mute_logger


class TestStrategyProvider(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.user_a = new_test_user(
            cls.env, login="social_a", groups="fx_social_trading.group_fx_social_user"
        )
        cls.user_b = new_test_user(
            cls.env, login="social_b", groups="fx_social_trading.group_fx_social_user"
        )
        cls.trader = cls.env["res.partner"].create(
            {"name": "Provider Trader", "fx_is_trader": True}
        )
        cls.provider = (
            cls.env["fx.strategy.provider"]
            .with_user(cls.user_a)
            .create({"name": "Gold Runner", "partner_id": cls.trader.id})
        )

    def test_defaults(self):
        self.assertEqual(self.provider.state, "draft")
        self.assertEqual(self.provider.user_id, self.user_a)
        self.assertEqual(self.provider.company_id, self.env.company)

    def test_only_traders_provide(self):
        stranger = self.env["res.partner"].create({"name": "Not a trader"})
        with self.assertRaisesRegex(ValidationError, "Not a trader is not a trader"):
            self.env["fx.strategy.provider"].create(
                {"name": "X", "partner_id": stranger.id}
            )

    def test_fee_bounds(self):
        for field, value in [
            ("performance_fee_pct", 50.01),
            ("performance_fee_pct", -1),
            ("management_fee_pct", 10.5),
            ("min_investment", -100),
        ]:
            with (
                self.subTest(field=field, value=value),
                mute_logger("odoo.sql_db"),
                self.assertRaises(IntegrityError),
                self.env.cr.savepoint(),
            ):
                self.provider.write({field: value})
                self.provider.flush_recordset()

    def test_publish_needs_description(self):
        with self.assertRaisesRegex(UserError, "Describe strategy Gold Runner"):
            self.provider.action_publish()
        self.assertEqual(self.provider.state, "draft")
        self.provider.description = "<p>Gold momentum</p>"
        self.provider.action_publish()
        self.assertEqual(self.provider.state, "published")
        self.provider.suspend_reason = "Review of the risk notes"
        self.provider.action_suspend()
        self.assertEqual(self.provider.state, "suspended")
        self.provider.action_reset_to_draft()
        self.assertEqual(self.provider.state, "draft")

    def test_users_edit_only_their_providers(self):
        # everyone in the group reads it, only its account manager edits it
        as_b = self.provider.with_user(self.user_b)
        self.assertEqual(as_b.name, "Gold Runner")
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models"):
            as_b.write({"performance_fee_pct": 30})
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models"):
            self.provider.with_user(self.user_a).unlink()
        self.provider.with_user(self.user_a).write({"performance_fee_pct": 25})
        self.assertEqual(self.provider.performance_fee_pct, 25)
