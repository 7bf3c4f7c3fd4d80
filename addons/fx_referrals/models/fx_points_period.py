from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class FxPointsPeriod(models.Model):
    """A calendar month, the source of the monthly responsible-behaviour
    points (once per trader and month)."""

    _name = "fx.points.period"
    _description = "Points Period"
    _order = "date_start desc"

    name = fields.Char(required=True)
    date_start = fields.Date(required=True)
    date_end = fields.Date(required=True)

    _sql_constraints = [
        ("start_unique", "UNIQUE(date_start)", "One period per month."),
    ]

    @api.model
    def _fx_previous_month(self, day):
        start = day.replace(day=1) - relativedelta(months=1)
        period = self.sudo().search([("date_start", "=", start)], limit=1)
        return period or self.sudo().create(
            {
                "name": start.strftime("%Y-%m"),
                "date_start": start,
                "date_end": start + relativedelta(months=1, days=-1),
            }
        )
