from odoo import api, fields, models
from odoo.exceptions import UserError


class FxSegmentMembership(models.Model):
    _name = "fx.segment.membership"
    _description = "Segment Membership"
    _order = "date_entered desc, id desc"
    _log_access = False  # written set-based by the thousands: no audit columns

    segment_id = fields.Many2one(
        "fx.segment", required=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        "res.partner", string="Trader", required=True, index=True, ondelete="cascade"
    )
    date_entered = fields.Datetime(string="Entered", required=True)
    date_left = fields.Datetime(string="Left")
    is_current = fields.Boolean(
        compute="_compute_is_current", search="_search_is_current", string="Current"
    )

    @api.depends("date_left")
    def _compute_is_current(self):
        for membership in self:
            membership.is_current = not membership.date_left

    def _search_is_current(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on Current."))
        current = (operator == "=") == bool(value)
        return [("date_left", "=" if current else "!=", False)]
