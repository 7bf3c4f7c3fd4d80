from odoo import api, fields, models

from odoo.addons.fx_engagement.facts import Fact, Source
from odoo.addons.fx_engagement.models.res_partner import FX_READ


class ResPartner(models.Model):
    _inherit = "res.partner"

    # a fact over an existing source: one declaration
    x_fx_bonus_count = fields.Integer(
        string="Bonuses Received",
        groups=FX_READ,
        fx_fact=Fact("fund", "count(*) FILTER (WHERE kind = 'bonus')", 0),
    )
    # a fact over a source of its own (daily equity points)
    x_fx_peak_equity = fields.Monetary(
        string="Peak Equity",
        currency_field="fx_currency_id",
        groups=FX_READ,
        fx_fact=Fact("peak", "max(e.equity)", 0),
    )

    @api.model
    def _fx_fact_sources(self):
        sources = super()._fx_fact_sources()
        sources["peak"] = Source(
            "SELECT e.partner_id",
            "FROM fx_equity_point e JOIN live ON live.id = e.account_id "
            "WHERE e.partner_id = ANY(%(ids)s) GROUP BY e.partner_id",
            ("live",),
        )
        return sources
