from odoo import fields, models

from .res_partner import TRADER_STAGES


class FxTraderStageHistory(models.Model):
    _name = "fx.trader.stage.history"
    _description = "Trader Stage Change"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Trader", required=True, index=True, ondelete="cascade"
    )
    stage_from = fields.Selection(TRADER_STAGES, string="From")
    stage_to = fields.Selection(TRADER_STAGES, string="To", required=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now)
