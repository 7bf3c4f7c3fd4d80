from datetime import datetime, timedelta
from datetime import time as dtime

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.kpi import RFM_SEGMENTS
from .res_partner import TRADER_STAGES


class FxKpiDaily(models.Model):
    """Per-day KPI figures of all traders (docs/METRICS.md#kpi-snapshots), one
    row per (day, scope, team, salesperson, stage, RFM segment, segment): the
    trend graphs of months read these few thousand rows a day rather than the
    per-trader snapshots. Scope *book* counts each trader once; scope *segment*
    counts a trader once per segment it belongs to (and traders in no segment
    under an empty segment)."""

    _name = "fx.kpi.daily"
    _description = "Daily KPI Figures"
    _order = "date desc, id"
    _log_access = False

    date = fields.Date(required=True, readonly=True, index=True)
    scope = fields.Selection(
        [("book", "Whole book"), ("segment", "Per segment")],
        required=True,
        readonly=True,
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    stage = fields.Selection(TRADER_STAGES, readonly=True)
    rfm_segment = fields.Selection(RFM_SEGMENTS, string="RFM Segment", readonly=True)
    segment_id = fields.Many2one("fx.segment", readonly=True)
    traders = fields.Integer(readonly=True)
    funded = fields.Integer(readonly=True)
    engaged = fields.Integer(readonly=True)
    at_risk = fields.Integer(readonly=True)
    churn_risk_sum = fields.Integer(
        string="Churn Risk (sum)",
        readonly=True,
        help="Sum of the funded traders' churn risk; divide by Funded for the mean.",
    )
    high_value = fields.Integer(readonly=True)
    repeat_depositors = fields.Integer(readonly=True)
    churned_today = fields.Integer(
        string="Churned That Day",
        readonly=True,
        help="Traders who moved to the churned stage on that day.",
    )
    ltv = fields.Float(string="Lifetime Value", readonly=True)
    net_deposits_90d = fields.Float(string="Net Deposits (90 days)", readonly=True)

    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS fx_kpi_daily_scope_date_idx "
            "ON fx_kpi_daily (scope, date)"
        )

    @api.model
    def _fx_aggregate(self, now, settings):
        """Rewrite the day's rows from the traders' facts and scores."""
        self.env.flush_all()
        day = self.env["fx.kpi.snapshot"]._fx_day(now)
        start = datetime.combine(day, dtime.min)
        self.env.cr.execute(SQL("DELETE FROM fx_kpi_daily WHERE date = %s", day))
        measures = SQL(
            """
            count(*), count(*) FILTER (WHERE p.fx_is_funded),
            count(*) FILTER (WHERE p.fx_last_engagement_date >= %(engaged_since)s),
            count(*) FILTER (WHERE p.fx_is_funded
                             AND p.fx_churn_risk >= %(threshold)s),
            coalesce(sum(p.fx_churn_risk) FILTER (WHERE p.fx_is_funded), 0),
            count(*) FILTER (WHERE p.fx_is_high_value),
            count(*) FILTER (WHERE p.fx_is_repeat_depositor),
            count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM fx_trader_stage_history h
                 WHERE h.partner_id = p.id AND h.stage_to = 'churned'
                   AND h.date >= %(start)s AND h.date < %(end)s)),
            coalesce(sum(p.fx_ltv), 0), coalesce(sum(p.fx_net_deposits_90d), 0)
            """,
            engaged_since=now - timedelta(days=settings["engagement_days"]),
            threshold=settings["churn_threshold"],
            start=start,
            end=start + timedelta(days=1),
        )
        columns = SQL(
            "date, scope, team_id, user_id, stage, rfm_segment, segment_id, traders, "
            "funded, engaged, at_risk, churn_risk_sum, high_value, "
            "repeat_depositors, churned_today, ltv, net_deposits_90d"
        )
        traders = SQL("p.fx_is_trader AND p.active")
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO fx_kpi_daily (%(columns)s)
                SELECT %(day)s, 'book', p.team_id, p.user_id, p.fx_stage,
                       p.fx_rfm_segment, NULL, %(measures)s
                  FROM res_partner p WHERE %(traders)s
                 GROUP BY p.team_id, p.user_id, p.fx_stage, p.fx_rfm_segment
                """,
                columns=columns,
                day=day,
                measures=measures,
                traders=traders,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO fx_kpi_daily (%(columns)s)
                SELECT %(day)s, 'segment', p.team_id, p.user_id, p.fx_stage,
                       p.fx_rfm_segment, r.segment_id, %(measures)s
                  FROM res_partner p
                  LEFT JOIN fx_segment_res_partner_rel r ON r.partner_id = p.id
                 WHERE %(traders)s
                 GROUP BY p.team_id, p.user_id, p.fx_stage, p.fx_rfm_segment,
                       r.segment_id
                """,
                columns=columns,
                day=day,
                measures=measures,
                traders=traders,
            )
        )
        self.invalidate_model()
