"""One conversion into the company currency for the sync API and the ORM
(docs/METRICS.md#company-currency-conversion)."""

from odoo.exceptions import ValidationError
from odoo.tests import freeze_time

from .common import SyncCase

NOW = "2026-11-23 12:00:00"


@freeze_time(NOW)
class TestCompanyCurrencyConversion(SyncCase):
    """EUR at 0.8 per USD (1 EUR = 1.25 USD) from 2026-01-01, USD company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sync.push_accounts([cls.account("2001", currency="EUR")])
        cls.eur_account = cls.env["fx.trading.account"].search([("login", "=", "2001")])
        cls.Funding = cls.env["fx.funding"].with_user(cls.integration)
        cls.Trade = cls.env["fx.trade"].with_user(cls.integration)

    def test_sync_and_orm_give_the_same_amounts(self):
        # 333.33 EUR = 416.6625 USD, kept in cents: 416.66; a commission of
        # 0.35 EUR = 0.4375 USD of revenue: 0.44 (half away from zero)
        self.sync.push_fundings(
            [self.funding("S1", 333.33, "2026-11-20T10:00:00Z", login="2001",
                          currency="EUR")]
        )  # fmt: skip
        self.sync.push_trades(
            [self.trade("S1", "2026-11-20T10:00:00Z", login="2001", commission=-0.35)]
        )
        orm_funding = self.Funding.create(
            {
                "ref": "O1",
                "account_id": self.eur_account.id,
                "kind": "deposit",
                "amount": 333.33,
                "currency_id": self.eur.id,
                "date": "2026-11-20 10:00:00",
            }
        )
        orm_trade = self.Trade.create(
            {
                "account_id": self.eur_account.id,
                "ticket": "O1",
                "symbol": "EURUSD",
                "side": "buy",
                "volume": 1.0,
                "open_time": "2026-11-20 10:00:00",
                "commission": -0.35,
            }
        )
        self.env.flush_all()
        self.env.invalidate_all()
        synced_funding = self.env["fx.funding"].search([("ref", "=", "S1")])
        synced_trade = self.env["fx.trade"].search([("ticket", "=", "S1")])
        self.assertEqual(synced_funding.amount_company, 416.66)
        self.assertEqual(orm_funding.amount_company, 416.66)
        self.assertEqual(synced_trade.revenue_company, 0.44)
        self.assertEqual(orm_trade.revenue_company, 0.44)
        # what is stored, not only what the ORM shows
        self.env.cr.execute(
            "SELECT ref, amount_company::text FROM fx_funding WHERE ref IN %s "
            "ORDER BY ref",
            [("O1", "S1")],
        )
        self.assertEqual(self.env.cr.fetchall(), [("O1", "416.66"), ("S1", "416.66")])
        # an edit through the ORM converts again, at the same rule
        orm_trade.broker_revenue = 2.14  # EUR: 2.675 USD
        self.assertEqual(orm_trade.revenue_company, 2.68)

    def test_orm_refuses_an_amount_without_rate_like_the_sync(self):
        vals = {
            "ref": "O2",
            "account_id": self.eur_account.id,
            "kind": "deposit",
            "amount": 10,
            "currency_id": self.eur.id,
            "date": "2025-12-31 10:00:00",  # EUR has a rate from 2026-01-01
        }
        with (
            self.assertRaisesRegex(
                ValidationError,
                "O2: no exchange rate for EUR on 2025-12-31 or before in company "
                f"{self.company.name}",
            ),
            self.env.cr.savepoint(),
        ):
            self.Funding.create(vals)
        self.assertFalse(self.env["fx.funding"].search([("ref", "=", "O2")]))
        with (
            self.assertRaisesRegex(ValidationError, "O2: no exchange rate for EUR"),
            self.env.cr.savepoint(),
        ):
            self.Trade.create(
                {
                    "account_id": self.eur_account.id,
                    "ticket": "O2",
                    "symbol": "EURUSD",
                    "side": "buy",
                    "volume": 1.0,
                    "open_time": "2025-12-31 10:00:00",
                    "commission": -7,
                }
            )
        self.assertFalse(self.env["fx.trade"].search([("ticket", "=", "O2")]))
        # moving an existing funding before the first rate is refused too
        funding = self.Funding.create({**vals, "date": "2026-01-02 10:00:00"})
        self.assertEqual(funding.amount_company, 12.5)
        with (
            self.assertRaisesRegex(ValidationError, "O2: no exchange rate for EUR"),
            self.env.cr.savepoint(),
        ):
            funding.date = "2025-06-01 00:00:00"
        self.assertEqual(str(funding.date), "2026-01-02 10:00:00")
        # the company currency needs no rate
        usd = self.Funding.create(
            {**vals, "ref": "O3", "currency_id": self.company.currency_id.id}
        )
        self.assertEqual(usd.amount_company, 10.0)
