from odoo import fields, models
from odoo.tools import SQL


class FxReferralCostReport(models.Model):
    """Cost per funded referral, per programme and month of registration
    (docs/REFERRALS.md#reports): the points the referrals earned (net of
    reversals) at the programme's point value, over the referrals funded."""

    _name = "fx.referral.cost.report"
    _description = "Referral Cost Report"
    _auto = False
    _order = "month desc, programme_id"

    programme_id = fields.Many2one("fx.referral.programme", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    month = fields.Date(string="Registration Month", readonly=True)
    referral_count = fields.Integer(string="Referrals", readonly=True)
    funded_count = fields.Integer(string="Funded", readonly=True)
    qualified_count = fields.Integer(string="Qualified", readonly=True)
    points = fields.Integer(string="Points Earned", readonly=True)
    cost = fields.Monetary(readonly=True)
    cost_per_funded = fields.Monetary(
        string="Cost per Funded Referral", readonly=True, aggregator=None
    )

    @property
    def _table_query(self):
        return SQL(
            """
            WITH pts AS (
                SELECT res_id, sum(points) AS points FROM fx_points_entry
                 WHERE res_model = 'fx.referral' GROUP BY res_id
            )
            SELECT min(r.id) AS id, r.programme_id, r.company_id, c.currency_id,
                   date_trunc('month', r.date_registered)::date AS month,
                   count(*) AS referral_count,
                   count(r.date_funded) AS funded_count,
                   count(r.date_qualified) AS qualified_count,
                   coalesce(sum(pts.points), 0) AS points,
                   coalesce(sum(pts.points), 0) * coalesce(g.point_value, 0) AS cost,
                   CASE WHEN count(r.date_funded) > 0
                        THEN coalesce(sum(pts.points), 0) * coalesce(g.point_value, 0)
                             / count(r.date_funded) END AS cost_per_funded
              FROM fx_referral r
              JOIN fx_referral_programme g ON g.id = r.programme_id
              JOIN res_company c ON c.id = r.company_id
              LEFT JOIN pts ON pts.res_id = r.id
             WHERE r.date_registered IS NOT NULL
             GROUP BY r.programme_id, r.company_id, c.currency_id, g.point_value,
                      date_trunc('month', r.date_registered)
            """
        )
