from odoo import fields, models


class FxSegmentRefresh(models.Model):
    _name = "fx.segment.refresh"
    _description = "Segment Refresh"
    _order = "date desc, id desc"

    segment_id = fields.Many2one(
        "fx.segment", required=True, index=True, ondelete="cascade"
    )
    date = fields.Datetime(required=True)
    member_count = fields.Integer(string="Members", aggregator="max")
    entered = fields.Integer()
    left = fields.Integer()
    duration = fields.Float(string="Duration (s)", digits=(16, 3), aggregator="avg")
