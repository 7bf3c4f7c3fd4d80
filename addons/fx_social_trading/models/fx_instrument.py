from odoo import fields, models


class FxInstrument(models.Model):
    _inherit = "fx.instrument"

    fx_lot_step = fields.Float(
        string="Lot Step",
        digits=(16, 4),
        default=0.01,
        help="Copied volumes are rounded to a multiple of this step.",
    )
    fx_min_lot = fields.Float(
        string="Minimum Lot",
        digits=(16, 4),
        default=0.01,
        help="A copied volume below it is skipped.",
    )

    _sql_constraints = [
        (
            "fx_lots_positive",
            "CHECK(fx_lot_step > 0 AND fx_min_lot > 0)",
            "The lot step and the minimum lot must be positive.",
        ),
    ]
