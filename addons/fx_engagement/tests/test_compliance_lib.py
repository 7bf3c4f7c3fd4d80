"""lib/compliance.py: leverage classes, the warning's percentage, and whether a
message already carries the warning (no database)."""

import unittest

from odoo.addons.fx_engagement.lib.compliance import (
    append_html,
    append_text,
    carries_warning,
    format_percent,
    leverage_class,
    render_warning,
)


class TestComplianceLib(unittest.TestCase):
    def test_leverage_classes(self):
        cases = {
            ("EURUSD", "forex"): "fx_major",
            ("USDJPY", "forex"): "fx_major",
            ("GBPCHF", "forex"): "fx_major",
            ("EURTRY", "forex"): "major",
            ("AUDUSD", "forex"): "major",
            ("XAUUSD", "metal"): "major",
            ("XAGUSD", "metal"): "commodity",
            ("US500", "index"): "major",
            ("GER40", "index"): "major",
            ("HK50", "index"): "commodity",
            ("WTI", "commodity"): "commodity",
            ("BTCUSD", "crypto"): "crypto",
            ("AAPL", "stock"): "share",
            ("XYZ", "other"): "share",
        }
        for (symbol, asset_class), expected in cases.items():
            with self.subTest(symbol=symbol):
                self.assertEqual(leverage_class(symbol, asset_class), expected)

    def test_percent_and_warning(self):
        self.assertEqual(format_percent(74), "74")
        self.assertEqual(format_percent(74.45), "74.5")
        self.assertEqual(format_percent(0), "0")
        self.assertEqual(
            render_warning("{percent}% of retail CFD accounts lose money. ", 68.0),
            "68% of retail CFD accounts lose money.",
        )
        self.assertEqual(render_warning(False, 68.0), "")

    def test_carries_warning_ignores_markup_case_and_spaces(self):
        warning = "74% of retail CFD accounts lose money."
        self.assertTrue(
            carries_warning(
                "<p>Hi</p><p><b>74%</b>  of retail\nCFD accounts lose money.</p>",
                warning,
            )
        )
        self.assertTrue(
            carries_warning("Hi. 74% OF RETAIL CFD ACCOUNTS LOSE MONEY.", warning)
        )
        self.assertFalse(
            carries_warning("<p>75% of retail CFD accounts lose money.</p>", warning)
        )
        self.assertFalse(carries_warning("<p>Hi</p>", ""))

    def test_append(self):
        self.assertEqual(
            append_html("<p>Hi</p>", "A & B"),
            '<p>Hi</p><p class="fx_risk_warning" style="font-size:12px;color:#555;">'
            "A &amp; B</p>",
        )
        self.assertEqual(
            append_html("<html><body><p>Hi</p></body></html>", "W"),
            '<html><body><p>Hi</p><p class="fx_risk_warning" '
            'style="font-size:12px;color:#555;">W</p></body></html>',
        )
        self.assertEqual(append_text("Trade now.  ", "W"), "Trade now.\nW")
        self.assertEqual(append_text("", "W"), "W")
