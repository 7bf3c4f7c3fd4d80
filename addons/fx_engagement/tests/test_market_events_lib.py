"""Market events, pure rules: no database."""

import unittest
from datetime import datetime

from odoo.addons.fx_engagement.lib.market_events import (
    affected_symbols,
    fire_time,
    instrument_currencies,
    rate,
    uplift,
)
from odoo.addons.fx_engagement.lib.validation import (
    BatchError,
    Field,
    validate_batch,
)

CATALOGUE = [
    ("EURUSD", "forex", "EUR", "USD"),
    ("USDJPY", "forex", "USD", "JPY"),
    ("EURGBP", "forex", "EUR", "GBP"),
    ("XAUUSD", "metal", "XAU", "USD"),
    ("XAGUSD", "metal", "XAG", "USD"),
    ("XAUEUR", "metal", "XAU", "EUR"),
    ("US30", "index", None, "USD"),
    ("DE40", "index", None, "EUR"),
    ("USOIL", "commodity", None, "USD"),
    ("BTCUSD", "crypto", "BTC", "USD"),
]


class TestInstrumentCurrencies(unittest.TestCase):
    def test_from_symbol_and_asset_class(self):
        cases = {
            ("EURUSD", "forex"): ("EUR", "USD"),
            ("eurusd.m", "forex"): ("EUR", "USD"),
            ("USDJPY-ECN", "forex"): ("USD", "JPY"),
            ("XAUUSD", "metal"): ("XAU", "USD"),
            ("BTCUSD", "crypto"): ("BTC", "USD"),
            ("US30", "index"): (None, "USD"),
            ("NAS100", "index"): (None, "USD"),
            ("DE40", "index"): (None, "EUR"),
            ("UK100", "index"): (None, "GBP"),
            ("JP225", "index"): (None, "JPY"),
            ("USOIL", "commodity"): (None, "USD"),
            ("EURXYZ", "forex"): (None, None),  # not two currencies
            ("AAPL", "stock"): (None, None),
            ("", "forex"): (None, None),
        }
        for (symbol, asset_class), expected in cases.items():
            self.assertEqual(
                instrument_currencies(symbol, asset_class), expected, symbol
            )


class TestAffectedSymbols(unittest.TestCase):
    def test_usd_every_usd_pair_gold_and_us_indices(self):
        self.assertEqual(
            affected_symbols("USD", CATALOGUE),
            ["EURUSD", "US30", "USDJPY", "XAUUSD"],
        )

    def test_eur(self):
        self.assertEqual(
            affected_symbols("EUR", CATALOGUE),
            ["DE40", "EURGBP", "EURUSD", "XAUEUR"],
        )

    def test_explicit_symbols_added(self):
        self.assertEqual(
            affected_symbols("JPY", CATALOGUE, explicit=["USOIL"]),
            ["USDJPY", "USOIL"],
        )
        self.assertEqual(affected_symbols(None, CATALOGUE, ["AAPL"]), ["AAPL"])
        self.assertEqual(affected_symbols(None, CATALOGUE), [])


class TestFireTimeAndRates(unittest.TestCase):
    def test_fire_time(self):
        at = datetime(2026, 11, 20, 12, 30)
        self.assertEqual(fire_time(at, 2, "before"), datetime(2026, 11, 20, 10, 30))
        self.assertEqual(fire_time(at, 1, "after"), datetime(2026, 11, 20, 13, 30))
        self.assertEqual(fire_time(at, 0, "before"), at)

    def test_rates(self):
        self.assertEqual(rate(1, 3), 33.3)
        self.assertEqual(rate(0, 0), 0.0)
        self.assertEqual(uplift(50.0, 12.5), 37.5)
        self.assertEqual(uplift(0.0, 33.3), -33.3)


class TestListField(unittest.TestCase):
    SCHEMA = {
        "instruments": Field("list", max_len=8, upper=True, extra={"max_items": 3})
    }

    def check(self, value):
        return validate_batch(
            [{"instruments": value}], self.SCHEMA, datetime(2026, 1, 1), max_records=10
        )[0]["instruments"]

    def test_normalised(self):
        self.assertEqual(
            self.check([" eurusd", "XAUUSD", "EURUSD"]), ["EURUSD", "XAUUSD"]
        )
        self.assertEqual(self.check([]), [])

    def test_refused(self):
        for value, reason in (
            ("EURUSD", "expected a list of strings, got str"),
            (["A", "B", "C", "D"], "more than 3 items"),
            (["EURUSD", " "], "item 1: blank (only white space)"),
            (["EURUSD", "TOOLONGSYM"], "item 1: longer than 8 characters"),
            (["EUR\x00USD"], "item 0: control character U+0000 not allowed"),
            ([{"a": 1}], "item 0: expected a string, got dict"),
        ):
            with self.assertRaises(BatchError) as caught:
                self.check(value)
            self.assertEqual(caught.exception.errors, [(0, "instruments", reason)])
