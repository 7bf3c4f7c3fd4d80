"""The trader portal over HTTP: the leaderboard and its filters, a follower
sees only their own subscriptions, fees and statements (pages and XML-RPC),
and a browser tour from the leaderboard to a copy and its statement."""

from datetime import date
from xmlrpc.client import Fault

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import SocialCase


@tagged("post_install", "-at_install")
class TestPortal(HttpCase, SocialCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        icp = cls.env["ir.config_parameter"]
        icp.set_param("fx_social_trading.listing_min_weeks", "0")
        icp.set_param("fx_social_trading.listing_min_trades", "0")
        cls.env["fx.instrument"]._fx_ids_by_symbol(["XAUUSD", "EURUSD"])
        cls.strategy.instrument_ids = cls.env["fx.instrument"].search(
            [("name", "=", "XAUUSD")]
        )
        cls.strategy.write({"risk_score": 3, "ranking_score": 55.5})
        cls.strategy._fx_update_listing()
        cls.fred_user = new_test_user(
            cls.env,
            login="fred_portal",
            groups="base.group_portal",
            partner_id=cls.fred.id,
        )
        cls.gina_user = new_test_user(
            cls.env,
            login="gina_portal",
            groups="base.group_portal",
            partner_id=cls.gina.id,
        )
        cls.gina_sub = cls.start_copy(cls.gina, "3002", allocation=10000)
        cls.gina_fee = cls.gina_sub.fee_ids

    def rpc(self, login, model, method, *args, **kw):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, login, {})
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, uid, login, model, method, list(args), kw
        )

    def test_leaderboard_and_filters(self):
        self.authenticate("fred_portal", "fred_portal")
        page = self.url_open("/my/strategies").text
        self.assertIn("Gold Runner", page)
        self.assertNotIn("Gold Runner", self.url_open("/my/strategies?risk=2").text)
        self.assertIn(
            "Gold Runner", self.url_open("/my/strategies?risk=3&instrument=xauusd").text
        )
        self.assertNotIn(
            "Gold Runner", self.url_open("/my/strategies?instrument=EURUSD").text
        )
        self.assertIn(
            "Risk: a number from 0 to 10.", self.url_open("/my/strategies?risk=11").text
        )
        # a private strategy is not listed and its page is not found
        self.strategy.visibility = "private"
        self.strategy._fx_update_listing()
        self.assertNotIn("Gold Runner", self.url_open("/my/strategies").text)
        with mute_logger("odoo.http"):
            self.assertEqual(
                self.url_open(f"/my/strategies/{self.strategy.id}").status_code, 404
            )
        # Gina copies it: she still sees it
        self.authenticate("gina_portal", "gina_portal")
        self.assertEqual(
            self.url_open(f"/my/strategies/{self.strategy.id}").status_code, 200
        )

    def test_follower_sees_only_own_subscriptions(self):
        self.authenticate("fred_portal", "fred_portal")
        with mute_logger("odoo.http"):
            self.assertEqual(
                self.url_open(f"/my/copy/{self.gina_sub.id}").status_code, 404
            )
            self.assertEqual(
                self.url_open(f"/my/copy/{self.gina_sub.id}/stop").status_code, 404
            )
        self.assertNotIn("Gold Runner", self.url_open("/my/copy").text)
        self.assertNotIn("30.00", self.url_open("/my/copy/fees").text)
        # a stop posted for another's subscription changes nothing
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/my/copy/{self.gina_sub.id}/stop",
                data={"confirm": "1", "csrf_token": self.csrf_token_for_strategy()},
            )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.gina_sub.state, "active")
        # and over XML-RPC
        for model, record in (
            ("fx.copy.subscription", self.gina_sub),
            ("fx.copy.fee", self.gina_fee),
            ("fx.copy.subscription.history", self.gina_sub.history_ids),
        ):
            with (
                self.subTest(model=model),
                mute_logger("odoo.http", "odoo.addons.base.models.ir_rule"),
            ):
                with self.assertRaises(Fault) as cm:
                    self.rpc("fred_portal", model, "read", record.ids, ["id"])
                self.assertIn("doesn't have 'read' access", cm.exception.faultString)
                self.assertEqual(self.rpc("fred_portal", model, "search", []), [])
        with mute_logger("odoo.http"), self.assertRaises(Fault):
            self.rpc(
                "fred_portal",
                "fx.copy.subscription",
                "write",
                self.gina_sub.ids,
                {"allocation": 1},
            )
        with mute_logger("odoo.http"), self.assertRaises(Fault):
            self.rpc("fred_portal", "fx.copy.bridge", "pull_orders")
        # Gina sees hers
        self.assertEqual(
            self.rpc("gina_portal", "fx.copy.subscription", "search", []),
            self.gina_sub.ids,
        )
        self.assertEqual(
            self.rpc("gina_portal", "fx.copy.fee", "search", []), self.gina_fee.ids
        )
        self.authenticate("gina_portal", "gina_portal")
        page = self.url_open(f"/my/copy/{self.gina_sub.id}").text
        self.assertIn("Statement", page)
        self.assertIn("30.00", page)

    def test_follow_stop_and_review(self):
        self.authenticate("fred_portal", "fred_portal")
        token = self.csrf_token_for_strategy()
        response = self.url_open(
            f"/my/strategies/{self.strategy.id}/follow", data={"csrf_token": token}
        )
        self.assertIn("You follow this strategy.", response.text)
        follow = self.env["fx.copy.subscription"].search(
            [("partner_id", "=", self.fred.id)]
        )
        self.assertEqual((follow.kind, follow.state), ("follow", "active"))
        # one review per follower, editable
        for rating in ("4", "2"):
            response = self.url_open(
                f"/my/strategies/{self.strategy.id}/review",
                data={"csrf_token": token, "rating": rating, "comment": "Calm"},
            )
        reviews = self.env["fx.strategy.review"].search(
            [("partner_id", "=", self.fred.id)]
        )
        self.assertEqual((len(reviews), reviews.rating), (1, 2))
        response = self.url_open(
            f"/my/strategies/{self.strategy.id}/review",
            data={"csrf_token": token, "rating": "9"},
        )
        self.assertIn("Rating: from 1 to 5.", response.text)
        # copying with a bad allocation is refused, nothing created
        response = self.url_open(
            f"/my/strategies/{self.strategy.id}/copy",
            data={
                "csrf_token": token,
                "account_id": self.acc["3001"].id,
                "allocation": "-5",
                "confirm": "1",
            },
        )
        self.assertIn("Allocation: a positive amount.", response.text)
        # another trader's account cannot be used
        response = self.url_open(
            f"/my/strategies/{self.strategy.id}/copy",
            data={
                "csrf_token": token,
                "account_id": self.acc["3002"].id,
                "allocation": "1000",
                "confirm": "1",
            },
        )
        self.assertIn("Choose one of your live accounts.", response.text)
        # below the minimum investment: the model's message
        response = self.url_open(
            f"/my/strategies/{self.strategy.id}/copy",
            data={
                "csrf_token": token,
                "account_id": self.acc["3001"].id,
                "allocation": "100",
                "confirm": "1",
            },
        )
        self.assertIn("below the minimum investment", response.text)
        self.assertEqual(
            self.env["fx.copy.subscription"].search_count(
                [("partner_id", "=", self.fred.id), ("kind", "=", "copy")]
            ),
            0,
        )
        # stop the follow with confirmation
        self.assertIn("Confirm: stop", self.url_open(f"/my/copy/{follow.id}/stop").text)
        self.url_open(
            f"/my/copy/{follow.id}/stop", data={"csrf_token": token, "confirm": "1"}
        )
        self.assertEqual(follow.state, "stopped")

    def csrf_token_for_strategy(self):
        page = self.url_open(f"/my/strategies/{self.strategy.id}").text
        return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]

    def test_reproduce_csv(self):
        self.authenticate("fred_portal", "fred_portal")
        response = self.url_open(f"/my/strategies/{self.strategy.id}/reproduce.csv")
        self.assertEqual(response.headers["Content-Type"], "text/csv; charset=utf-8")
        self.assertTrue(response.text.startswith("section,date,equity,net_deposit"))

    def test_tour_from_leaderboard_to_copy_statement(self):
        self.start_tour("/my/strategies", "fx_social_copy_tour", login="fred_portal")
        sub = self.env["fx.copy.subscription"].search(
            [("partner_id", "=", self.fred.id)]
        )
        self.assertEqual(
            (
                sub.kind,
                sub.state,
                sub.allocation,
                sub.sizing_mode,
                sub.ratio,
                sub.account_id,
            ),
            ("copy", "active", 1000, "fixed_ratio", 2.0, self.acc["3001"]),
        )
        self.assertEqual(sub.fee_ids.mapped("amount"), [30.0])

    def test_leaderboard_in_arabic(self):
        self.env["res.lang"]._activate_lang("ar_001")
        self.env["ir.module.module"]._load_module_terms(
            ["fx_social_trading"], ["ar_001"]
        )
        self.fred_user.lang = "ar_001"
        self.authenticate("fred_portal", "fred_portal")
        page = self.url_open("/my/strategies").text
        self.assertIn("لوحة ترتيب الاستراتيجيات", page)  # Strategy Leaderboard
        self.assertIn("أقصى تراجع", page)  # Maximum drawdown
        self.assertIn("Gold Runner", page)

    def test_trader_applies_and_staff_approve(self):
        self.authenticate("fred_portal", "fred_portal")
        page = self.url_open("/my/strategies/apply").text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {
            "csrf_token": token,
            "name": "Fred's Scalper",
            "account_id": self.acc["3001"].id,
            "description": "EURUSD scalping <b>only</b>",
            "performance_fee_pct": "60",
            "management_fee_pct": "1",
            "subscription_fee": "0",
            "min_investment": "200",
        }
        Strategy = self.env["fx.strategy.provider"]
        response = self.url_open("/my/strategies/apply", data=form)
        self.assertIn("The performance fee is at most 50%", response.text)
        self.assertFalse(Strategy.search([("partner_id", "=", self.fred.id)]))
        # another trader's account is refused
        response = self.url_open(
            "/my/strategies/apply",
            data={
                **form,
                "performance_fee_pct": "20",
                "account_id": self.acc["3002"].id,
            },
        )
        self.assertIn("Choose one of your live accounts.", response.text)
        response = self.url_open(
            "/my/strategies/apply", data={**form, "performance_fee_pct": "20"}
        )
        self.assertIn("waiting for the broker", response.text)
        strategy = Strategy.search([("partner_id", "=", self.fred.id)])
        self.assertEqual(
            (
                strategy.name,
                strategy.state,
                strategy.account_ids,
                strategy.performance_fee_pct,
            ),
            ("Fred's Scalper", "submitted", self.acc["3001"], 20.0),
        )
        self.assertIn(
            "&lt;b&gt;only&lt;/b&gt;", strategy.description
        )  # text, not markup
        # not listed nor open to others until approved
        self.authenticate("gina_portal", "gina_portal")
        with mute_logger("odoo.http"):
            self.assertEqual(
                self.url_open(f"/my/strategies/{strategy.id}").status_code, 404
            )
        strategy.action_approve()
        self.assertEqual(
            self.url_open(f"/my/strategies/{strategy.id}").status_code, 200
        )

    def test_pamm_statement_on_the_portal(self):
        self.sync.push_accounts(
            [self.account("4001", name="Pool", email="pool@example.com")]
        )
        pool = self.env["fx.pamm.pool"].create(
            {
                "name": "Balanced Pool",
                "manager_id": self.provider.id,
                "account_id": self.env["fx.trading.account"]
                .search([("login", "=", "4001")])
                .id,
                "performance_fee_pct": 20,
            }
        )
        Investor = self.env["fx.pamm.investor"]
        for partner, amount in ((self.gina, 750), (self.hugo, 250)):
            investor = Investor.create({"pool_id": pool.id, "partner_id": partner.id})
            self.env["fx.pamm.movement"].create(
                {
                    "pool_id": pool.id,
                    "investor_id": investor.id,
                    "kind": "deposit",
                    "amount": amount,
                }
            )
        pool.action_cutoff(date(2026, 1, 31), equity=0.0)
        # +100: Gina 75 (fee 15, net 60), Hugo 25 (fee 5, net 20)
        pool.action_cutoff(date(2026, 2, 28), equity=1100.0)
        self.authenticate("gina_portal", "gina_portal")
        page = self.url_open("/my/copy").text
        self.assertIn("Balanced Pool", page)
        self.assertIn("75.00", page)
        self.assertIn("60.00", page)
        self.assertNotIn(
            "20.00", page.split("o_fx_pamm_statements", 1)[1]
        )  # not Hugo's
        self.assertEqual(
            self.rpc("gina_portal", "fx.pamm.allocation", "search_count", []), 1
        )

    def test_provider_statement(self):
        new_test_user(
            self.env,
            login="paula_portal",
            groups="base.group_portal",
            partner_id=self.provider.id,
        )
        self.authenticate("paula_portal", "paula_portal")
        page = self.url_open("/my/copy/fees").text
        section = page.split("o_fx_provider_fees", 1)[1]
        # Gina's subscription fee of the month, still to charge
        self.assertIn("Gold Runner", section)
        self.assertIn("Subscription Fee", section)
        self.assertIn("30.00", section)
        # a follower who provides nothing has no such section
        self.authenticate("fred_portal", "fred_portal")
        self.assertNotIn("o_fx_provider_fees", self.url_open("/my/copy/fees").text)
