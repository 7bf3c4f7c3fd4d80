from odoo import api, fields, models

from ..lib.compliance import LEVERAGE_CLASSES, leverage_class
from ..lib.market_events import instrument_currencies
from ..tools import insert_missing

METALS = ("XAU", "XAG", "XPT", "XPD")
CRYPTO = ("BTC", "ETH", "LTC", "XRP", "SOL", "DOGE")
INDICES = ("US30", "US500", "SPX", "NAS", "GER", "DE40", "UK100", "JP225", "HK50")
COMMODITIES = ("OIL", "BRENT", "WTI", "NGAS", "COPPER")
CURRENCIES = (
    "USD EUR GBP JPY CHF CAD AUD NZD SEK NOK DKK PLN HUF CZK TRY ZAR MXN SGD HKD CNH"
).split()


def guess_asset_class(symbol):
    """Asset class of a new symbol from its name; staff can correct it."""
    symbol = symbol.upper()
    if symbol.startswith(METALS):
        return "metal"
    if symbol.startswith(CRYPTO):
        return "crypto"
    if any(symbol.startswith(i) for i in INDICES):
        return "index"
    if any(c in symbol for c in COMMODITIES):
        return "commodity"
    if len(symbol) >= 6 and symbol[:3] in CURRENCIES and symbol[3:6] in CURRENCIES:
        return "forex"
    return "other"


class FxInstrument(models.Model):
    _name = "fx.instrument"
    _description = "Tradable Instrument"
    _order = "asset_class, name"

    name = fields.Char(
        string="Symbol",
        required=True,
        help="Symbol as the trading platform reports it, e.g. EURUSD, XAUUSD.",
    )
    description = fields.Char(translate=True)
    asset_class = fields.Selection(
        [
            ("forex", "Forex"),
            ("metal", "Metals"),
            ("index", "Indices"),
            ("commodity", "Commodities"),
            ("crypto", "Crypto"),
            ("stock", "Stocks"),
            ("other", "Other"),
        ],
        required=True,
        default="forex",
    )
    leverage_class = fields.Selection(
        LEVERAGE_CLASSES,
        compute="_compute_leverage_class",
        store=True,
        readonly=False,
        precompute=True,
        help="Which retail leverage cap of a rule set applies to this instrument "
        "(guessed from the symbol and asset class; staff can correct it).",
    )
    # market events (docs/METRICS.md#market-events): the currencies an
    # instrument is made of, guessed from its symbol, editable by staff
    base_currency = fields.Char(
        compute="_compute_currencies",
        store=True,
        readonly=False,
        precompute=True,
        size=3,
        help="ISO code of the base currency or asset (EUR in EURUSD, XAU in "
        "XAUUSD); empty for indices and commodities.",
    )
    quote_currency = fields.Char(
        compute="_compute_currencies",
        store=True,
        readonly=False,
        precompute=True,
        size=3,
        help="ISO code of the currency the instrument is priced in (USD in EURUSD, "
        "XAUUSD and US30). A market event on a currency affects the forex pairs "
        "containing it, gold and the indices priced in it.",
    )
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "name_unique",
            "UNIQUE(name)",
            "An instrument with this symbol already exists.",
        ),
    ]

    @api.depends("name", "asset_class")
    def _compute_leverage_class(self):
        for instrument in self:
            instrument.leverage_class = leverage_class(
                instrument.name, instrument.asset_class
            )

    @api.depends("name", "asset_class")
    def _compute_currencies(self):
        for instrument in self:
            base, quote = instrument_currencies(instrument.name, instrument.asset_class)
            instrument.base_currency = base or False
            instrument.quote_currency = quote or False

    @api.model_create_multi
    def create(self, vals_list):
        instruments = super().create(vals_list)
        self.env["fx.market.event"]._fx_refresh_upcoming()
        return instruments

    def write(self, vals):
        result = super().write(vals)
        if {"name", "asset_class", "base_currency", "quote_currency", "active"} & set(
            vals
        ):
            self.env["fx.market.event"]._fx_refresh_upcoming()
        return result

    @api.model
    def _fx_ids_by_symbol(self, symbols):
        """{symbol: id}, creating the instruments the platform introduced."""
        symbols = set(symbols)
        found = {
            i.name: i.id
            for i in self.with_context(active_test=False).search_fetch(
                [("name", "in", list(symbols))], ["name"]
            )
        }
        missing = sorted(symbols - set(found))
        if missing:
            classes = [guess_asset_class(s) for s in missing]
            pairs = [
                instrument_currencies(s, c)
                for s, c in zip(missing, classes, strict=True)
            ]
            columns = [
                ("name", missing),
                ("asset_class", classes),
                ("base_currency", [p[0] for p in pairs]),
                ("quote_currency", [p[1] for p in pairs]),
                (
                    "leverage_class",
                    [leverage_class(*p) for p in zip(missing, classes, strict=True)],
                ),
                ("active", [True] * len(missing)),
            ]
            found.update(insert_missing(self, "name", columns))
        return found
