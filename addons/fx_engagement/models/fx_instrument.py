from odoo import fields, models


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
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "name_unique",
            "UNIQUE(name)",
            "An instrument with this symbol already exists.",
        ),
    ]
