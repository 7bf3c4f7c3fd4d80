from odoo.addons.fx_engagement.tests.common import SyncCase


class SocialCase(SyncCase):
    """A provider (account 2001, equity 50,000) with a published strategy and
    three followers (accounts 3001-3003) pushed through the sync API."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sync.push_accounts(
            [
                cls.account(
                    "2001",
                    equity=50000,
                    name="Paula Provider",
                    email="paula@example.com",
                ),
                cls.account(
                    "3001", equity=2345, name="Fred Follower", email="fred@example.com"
                ),
                cls.account(
                    "3002", equity=10000, name="Gina Follower", email="gina@example.com"
                ),
                cls.account(
                    "3003", equity=1000, name="Hugo Follower", email="hugo@example.com"
                ),
            ]
        )
        Account = cls.env["fx.trading.account"]
        cls.acc = {
            login: Account.search([("login", "=", login)])
            for login in ("2001", "3001", "3002", "3003")
        }
        cls.provider = cls.acc["2001"].partner_id
        cls.fred, cls.gina, cls.hugo = (
            cls.acc[x].partner_id for x in ("3001", "3002", "3003")
        )
        cls.strategy = cls.env["fx.strategy.provider"].create(
            {
                "name": "Gold Runner",
                "partner_id": cls.provider.id,
                "account_ids": [(6, 0, cls.acc["2001"].ids)],
                "description": "<p>Gold momentum</p>",
                "performance_fee_pct": 20,
                "management_fee_pct": 2,
                "subscription_fee": 30,
                "min_investment": 500,
            }
        )
        cls.strategy.action_publish()

    @classmethod
    def start_copy(cls, follower, login, **kw):
        sub = cls.env["fx.copy.subscription"].create(
            {
                "partner_id": follower.id,
                "strategy_id": cls.strategy.id,
                "kind": "copy",
                "account_id": cls.acc[login].id,
                "allocation": kw.pop("allocation", 1000),
                **kw,
            }
        )
        sub.action_activate()
        return sub

    @classmethod
    def fund(cls, ref, amount, at, kind="deposit", login="1001"):
        return {
            "ref": ref,
            **cls.keys(login),
            "kind": kind,
            "amount": amount,
            "currency": "USD",
            "at": at,
        }

    @classmethod
    def deal(cls, ticket, open_time, login="1001", **kw):
        return {
            **cls.keys(login),
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
