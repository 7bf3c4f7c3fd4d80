"""The sync API's invariants as database CHECK constraints: the ORM path (anyone
with create rights on the fact models, over RPC too) cannot bypass them."""

import xmlrpc.client

import psycopg2

from odoo.tests import HttpCase, freeze_time, new_test_user, tagged
from odoo.tests.common import Transport
from odoo.tools import mute_logger

from .common import SyncCase

NOW = "2026-11-23 12:00:00"


@freeze_time(NOW)
class TestDatabaseChecks(SyncCase):
    """The API's invariants as CHECK constraints: the ORM (anyone with create
    rights, or a server action) cannot bypass them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sync.push_accounts([cls.account("1001")])
        cls.account_id = cls.env["fx.trading.account"].search([("login", "=", "1001")])
        cls.trader = cls.account_id.partner_id
        cls.usd = cls.company.currency_id

    def assertViolates(self, model, vals, constraint):
        with (
            self.assertRaises(psycopg2.errors.CheckViolation) as ctx,
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env[model].with_user(self.integration).create(vals)
            self.env.flush_all()
        self.assertEqual(ctx.exception.diag.constraint_name, constraint)

    def funding(self, **kw):
        return {
            "ref": "ORM1",
            "account_id": self.account_id.id,
            "kind": "deposit",
            "amount": 100,
            "currency_id": self.usd.id,
            "date": "2026-11-20 10:00:00",
            **kw,
        }

    def trade(self, **kw):
        return {
            "account_id": self.account_id.id,
            "ticket": "ORM1",
            "symbol": "EURUSD",
            "side": "buy",
            "volume": 1.0,
            "open_time": "2026-11-20 10:00:00",
            **kw,
        }

    def test_negative_deposit_dated_2999_is_refused(self):
        self.assertViolates(
            "fx.funding",
            self.funding(amount=-500, date="2999-01-01 00:00:00"),
            "fx_funding_amount_positive",
        )
        self.assertViolates(
            "fx.funding",
            self.funding(date="2999-01-01 00:00:00"),
            "fx_funding_date_range",
        )
        self.assertFalse(self.env["fx.funding"].search([("ref", "=", "ORM1")]))

    def test_each_invariant(self):
        account = {
            "partner_id": self.trader.id,
            "platform": "mt5",
            "server": "ORM",
            "login": "1",
            "currency_id": self.usd.id,
        }
        cases = [
            ("fx.funding", self.funding(amount=0), "fx_funding_amount_positive"),
            (
                "fx.funding",
                self.funding(date="1989-12-31 23:59:59"),
                "fx_funding_date_range",
            ),
            ("fx.funding", self.funding(ref=" "), "fx_funding_ref_source_not_blank"),
            ("fx.funding", self.funding(source=""), "fx_funding_ref_source_not_blank"),
            ("fx.trade", self.trade(volume=-1), "fx_trade_volume_positive"),
            ("fx.trade", self.trade(volume=0), "fx_trade_volume_positive"),
            (
                "fx.trade",
                self.trade(close_time="2026-11-20 09:00:00"),
                "fx_trade_close_after_open",
            ),
            (
                "fx.trade",
                self.trade(open_time="2999-01-01 00:00:00"),
                "fx_trade_time_range",
            ),
            (
                "fx.trade",
                self.trade(close_time="2999-01-01 00:00:00"),
                "fx_trade_time_range",
            ),
            ("fx.trade", self.trade(open_price=-1.1), "fx_trade_prices_positive"),
            ("fx.trade", self.trade(close_price=-1.1), "fx_trade_prices_positive"),
            ("fx.trade", self.trade(ticket="  "), "fx_trade_ticket_symbol_not_blank"),
            (
                "fx.equity.point",
                {"account_id": self.account_id.id, "date": "1900-01-01", "equity": 1},
                "fx_equity_point_date_range",
            ),
            (
                "fx.client.event",
                {
                    "partner_id": self.trader.id,
                    "event_type": "login",
                    "date": "2100-01-01 00:00:00",
                },
                "fx_client_event_date_range",
            ),
            (
                "fx.client.event",
                {
                    "partner_id": self.trader.id,
                    "event_type": "kyc",
                    "date": "2026-11-20 10:00:00",
                },
                "fx_client_event_kyc_status_required",
            ),
            (
                "fx.trading.account",
                {**account, "leverage": -100},
                "fx_trading_account_leverage_positive",
            ),
            (
                "fx.trading.account",
                {**account, "credit": -5},
                "fx_trading_account_credit_positive",
            ),
            (
                "fx.trading.account",
                {**account, "opened_at": "1970-01-01 00:00:00"},
                "fx_trading_account_opened_at_range",
            ),
            (
                "fx.trading.account",
                {**account, "login": " "},
                "fx_trading_account_server_login_not_blank",
            ),
        ]
        for model, vals, constraint in cases:
            with self.subTest(constraint=constraint, vals=str(vals)):
                self.assertViolates(model, vals, constraint)

    def test_edges_of_the_ranges_are_accepted(self):
        Funding = self.env["fx.funding"].with_user(self.integration)
        Funding.create(self.funding(ref="LOW", date="1990-01-01 00:00:00"))
        Funding.create(self.funding(ref="HIGH", date="2099-12-31 23:59:59"))
        self.env["fx.trade"].with_user(self.integration).create(
            self.trade(open_price=0, close_price=0, close_time="2026-11-20 10:00:00")
        )
        self.env["fx.trading.account"].with_user(self.integration).create(
            {"partner_id": self.trader.id, "platform": "mt5", "server": "ORM",
             "login": "2", "currency_id": self.usd.id, "leverage": 0}
        )  # fmt: skip
        self.env.flush_all()
        self.assertEqual(
            self.env["fx.funding"].search_count([("ref", "in", ("LOW", "HIGH"))]), 2
        )


@tagged("post_install", "-at_install")
class TestChecksOverXmlRpc(HttpCase):
    def test_orm_create_over_xmlrpc_hits_the_checks(self):
        """The integration user may create facts with the ORM over XML-RPC: the
        database refuses a negative deposit dated 2999 with the constraint's
        message, and nothing is written."""
        bridge = new_test_user(
            self.env,
            login="fx_orm_bridge",
            password="fx_orm_bridge_pw",
            groups="base.group_user,fx_engagement.group_fx_integration",
        )
        self.env["fx.sync"].with_user(bridge).push_accounts([SyncCase.account("1001")])
        account = self.env["fx.trading.account"].search([("login", "=", "1001")])
        proxy = xmlrpc.client.ServerProxy(
            self.xmlrpc_url + "object", transport=Transport(self.cr), allow_none=True
        )
        vals = {
            "ref": "ORM-RPC",
            "account_id": account.id,
            "kind": "deposit",
            "amount": -500,
            "currency_id": self.env.ref("base.USD").id,
            "date": "2999-01-01 00:00:00",
        }
        for bad, message in (
            ({}, "The amount of a funding event must be positive"),
            ({"amount": 500}, "The date of a funding event must be between 1990"),
        ):
            with (
                self.subTest(message=message),
                self.assertRaises(xmlrpc.client.Fault) as ctx,
                mute_logger("odoo.sql_db", "odoo.http"),
            ):
                proxy.execute_kw(
                    self.env.cr.dbname,
                    bridge.id,
                    "fx_orm_bridge_pw",
                    "fx.funding",
                    "create",
                    [{**vals, **bad}],
                )
            self.assertIn(message, ctx.exception.faultString)
        self.assertFalse(self.env["fx.funding"].search([("ref", "=", "ORM-RPC")]))
