from odoo import fields, models


class FxTrade(models.Model):
    _inherit = "fx.trade"

    # pushed with push_trades (fx.sync._push_declaration); the
    # responsible-behaviour points count the closed trades that had one
    stop_loss = fields.Float(digits=(16, 5), help="Stop-loss price (empty: none).")
