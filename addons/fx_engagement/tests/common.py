from odoo.tests import TransactionCase, new_test_user


class SyncCase(TransactionCase):
    """An integration user, EUR at 0.8 per USD, and helpers to build records."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.integration = new_test_user(
            cls.env,
            login="fx_integration",
            groups="base.group_user,fx_engagement.group_fx_integration",
        )
        cls.company = cls.env.company
        assert cls.company.currency_id.name == "USD", "tests expect a USD company"
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.env["res.currency.rate"].search([("currency_id", "=", cls.eur.id)]).unlink()
        cls.env["res.currency.rate"].create(
            {
                "currency_id": cls.eur.id,
                "name": "2026-01-01",
                "rate": 0.8,
                "company_id": cls.company.id,
            }
        )
        cls.sync = cls.env["fx.sync"].with_user(cls.integration)

    @staticmethod
    def account(login="1001", **kw):
        return {
            "platform": "mt5",
            "server": "Live01",
            "login": login,
            "client_ref": f"C{login}",
            "type": "live",
            "currency": "USD",
            "leverage": 100,
            "balance": 0,
            "equity": 0,
            "opened_at": "2025-11-01T09:00:00Z",
            **kw,
        }

    @staticmethod
    def keys(login="1001"):
        return {"platform": "mt5", "server": "Live01", "login": login}

    def funding(self, ref, amount, at, kind="deposit", login="1001", **kw):
        return {
            "ref": ref,
            **self.keys(login),
            "kind": kind,
            "amount": amount,
            "currency": "USD",
            "at": at,
            **kw,
        }

    def trade(self, ticket, open_time, login="1001", **kw):
        return {
            **self.keys(login),
            "ticket": ticket,
            "symbol": "EURUSD",
            "side": "buy",
            "volume": 1.0,
            "open_time": open_time,
            "open_price": 1.1,
            "profit": 0,
            "commission": -7,
            **kw,
        }

    def partner(self, client_ref):
        return self.env["res.partner"].search([("fx_client_ref", "=", client_ref)])

    def counts(self):
        return {
            model: self.env[model].search_count([])
            for model in (
                "fx.trading.account",
                "fx.funding",
                "fx.trade",
                "fx.equity.point",
                "fx.client.event",
                "res.partner",
            )
        }
