"""Daily KPI snapshots (docs/METRICS.md#kpi-snapshots).

One compact row per funded trader per day (the traders churn risk and RFM are
about), kept ``snapshot_keep_days`` days (default 400: a year of backtests and
its horizon); the per-team / salesperson / segment figures of every trader are
aggregated per day in ``fx.kpi.daily`` (small, kept for good). The nightly run
(``_cron_fx_kpi``) scores the book, raises the churn alerts, writes the day's
rows in batches and then its aggregates; rerun on the same day it rewrites that
day, never duplicates.
"""

import logging
import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.kpi import RFM_SEGMENTS
from .res_partner import TRADER_STAGES

_logger = logging.getLogger(__name__)

SNAPSHOT_BATCH = 50000
SCORED_PARAM = "fx_engagement.kpi_scored_on"


def _factor_points(code):
    """The unweighted points of factor ``code`` in ``p.fx_churn_factors``."""
    factor = SQL(
        "jsonb_path_query_first(p.fx_churn_factors, %s::jsonpath)",
        f'$[*] ? (@.code == "{code}")',
    )
    # "base" is the factor's points before its weight (older rows: "points")
    return SQL(
        "coalesce((%s ->> 'base')::int, (%s ->> 'points')::int, 0)", factor, factor
    )


class FxKpiSnapshot(models.Model):
    _name = "fx.kpi.snapshot"
    _description = "Trader KPI Snapshot"
    _order = "date desc, partner_id"
    _log_access = False
    _rec_name = "partner_id"

    date = fields.Date(required=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Trader", required=True, readonly=True, ondelete="cascade"
    )
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    stage = fields.Selection(TRADER_STAGES, readonly=True)
    churn_risk = fields.Integer(readonly=True, aggregator="avg")
    at_risk = fields.Boolean(
        readonly=True, help="Churn risk at or above the threshold."
    )
    pts_recency = fields.Integer(string="Recency Points", readonly=True)
    pts_volume = fields.Integer(string="Falling Volume Points", readonly=True)
    pts_deposits = fields.Integer(string="Falling Deposits Points", readonly=True)
    pts_withdrawals = fields.Integer(string="Withdrawals Points", readonly=True)
    idle_days = fields.Integer(
        string="Days Without Trade",
        readonly=True,
        aggregator="avg",
        help="Whole days since the last trade, or since the first deposit for a "
        "trader who never traded.",
    )
    rfm_cell = fields.Char(string="RFM Cell", readonly=True)
    rfm_segment = fields.Selection(RFM_SEGMENTS, string="RFM Segment", readonly=True)
    ltv = fields.Float(string="Lifetime Value", readonly=True)
    net_deposits_90d = fields.Float(string="Net Deposits (90 days)", readonly=True)
    engaged = fields.Boolean(readonly=True)
    high_value = fields.Boolean(readonly=True)
    repeat_depositor = fields.Boolean(readonly=True)
    traders = fields.Integer(
        readonly=True, help="1 per row: the count of traders in a pivot."
    )

    _sql_constraints = [
        (
            "date_partner_unique",
            "UNIQUE(date, partner_id)",
            "A trader has one snapshot per day.",
        ),
    ]

    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS fx_kpi_snapshot_partner_date_idx "
            "ON fx_kpi_snapshot (partner_id, date)"
        )

    # ------------------------------------------------------------- nightly
    @api.model
    def _fx_day(self, now):
        """The snapshot day of a run: the UTC date of ``now``."""
        return now.date()

    @api.model
    def _fx_kpi_run(self, now=None):
        """The whole nightly run in this transaction (tests, benchmark, the
        Settings button): score, alerts, every snapshot row, the aggregates."""
        now = now or fields.Datetime.now()
        start = time.monotonic()
        partners = self.env["res.partner"]
        settings = partners._fx_kpi_settings()
        funded = partners._fx_kpi_score(now, settings)
        crossed = partners._fx_churn_alerts(now, settings)
        rows = self._fx_write_snapshots(now, settings)
        self.env["fx.kpi.daily"]._fx_aggregate(now, settings)
        self._fx_prune(now, settings)
        seconds = round(time.monotonic() - start, 3)
        _logger.info(
            "KPI snapshot of %s: %s funded traders, %s rows, %s churn alerts, %.1fs",
            self._fx_day(now),
            funded,
            rows,
            len(crossed),
            seconds,
        )
        return {
            "funded": funded,
            "snapshots": rows,
            "alerts": len(crossed),
            "seconds": seconds,
        }

    @api.model
    def _cron_fx_kpi(self):
        """Nightly, in committed steps (Odoo runs the cron again while work
        remains): first the scores and alerts of the day, then the snapshot
        rows by batches of SNAPSHOT_BATCH traders, then the day's aggregates.
        Safe to rerun: the day's scores run once, rows are upserted."""
        now = fields.Datetime.now()
        day = self._fx_day(now)
        params = self.env["ir.config_parameter"].sudo()
        partners = self.env["res.partner"]
        settings = partners._fx_kpi_settings()
        if params.get_param(SCORED_PARAM) != str(day):
            funded = partners._fx_kpi_score(now, settings)
            partners._fx_churn_alerts(now, settings)
            params.set_param(SCORED_PARAM, str(day))
            self.env["ir.cron"]._notify_progress(done=1, remaining=funded or 1)
            return
        batch = [
            r[0]
            for r in self.env.execute_query(
                SQL(
                    """
                    SELECT p.id FROM res_partner p
                     WHERE p.fx_is_funded AND p.active AND NOT EXISTS (
                           SELECT 1 FROM fx_kpi_snapshot s
                            WHERE s.date = %s AND s.partner_id = p.id)
                     ORDER BY p.id LIMIT %s
                    """,
                    day,
                    SNAPSHOT_BATCH,
                )
            )
        ]
        done = self._fx_write_snapshots(now, settings, ids=batch) if batch else 0
        if len(batch) < SNAPSHOT_BATCH:
            self.env["fx.kpi.daily"]._fx_aggregate(now, settings)
            self._fx_prune(now, settings)
            self.env["ir.cron"]._notify_progress(done=done or 1, remaining=0)
            return
        self.env["ir.cron"]._notify_progress(done=done, remaining=1)

    @api.model
    def _fx_write_snapshots(self, now, settings, ids=None):
        """Upsert the day's row of every funded trader (or of ``ids``), from
        the trader's facts and scores; returns the number of rows."""
        self.env.flush_all()
        day = self._fx_day(now)
        only = SQL("AND p.id = ANY(%s)", ids) if ids is not None else SQL()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO fx_kpi_snapshot
                       (date, partner_id, user_id, team_id, stage, churn_risk,
                        at_risk, pts_recency, pts_volume, pts_deposits,
                        pts_withdrawals, idle_days, rfm_cell, rfm_segment, ltv,
                        net_deposits_90d, engaged, high_value, repeat_depositor,
                        traders)
                SELECT %(day)s, p.id, p.user_id, p.team_id, p.fx_stage,
                       p.fx_churn_risk, p.fx_churn_risk >= %(threshold)s,
                       %(recency)s, %(volume)s, %(deposits)s, %(withdrawals)s,
                       floor(extract(epoch FROM %(now)s - coalesce(
                           p.fx_last_trade_date, p.fx_ftd_date)) / 86400)::int,
                       p.fx_rfm_cell, p.fx_rfm_segment, p.fx_ltv,
                       p.fx_net_deposits_90d,
                       coalesce(p.fx_last_engagement_date >= %(engaged_since)s,
                                false),
                       p.fx_is_high_value, p.fx_is_repeat_depositor, 1
                  FROM res_partner p
                 WHERE p.fx_is_funded AND p.active %(only)s
                ON CONFLICT (date, partner_id) DO UPDATE SET
                       user_id = EXCLUDED.user_id, team_id = EXCLUDED.team_id,
                       stage = EXCLUDED.stage, churn_risk = EXCLUDED.churn_risk,
                       at_risk = EXCLUDED.at_risk,
                       pts_recency = EXCLUDED.pts_recency,
                       pts_volume = EXCLUDED.pts_volume,
                       pts_deposits = EXCLUDED.pts_deposits,
                       pts_withdrawals = EXCLUDED.pts_withdrawals,
                       idle_days = EXCLUDED.idle_days,
                       rfm_cell = EXCLUDED.rfm_cell,
                       rfm_segment = EXCLUDED.rfm_segment, ltv = EXCLUDED.ltv,
                       net_deposits_90d = EXCLUDED.net_deposits_90d,
                       engaged = EXCLUDED.engaged,
                       high_value = EXCLUDED.high_value,
                       repeat_depositor = EXCLUDED.repeat_depositor
                """,
                day=day,
                now=now,
                threshold=settings["churn_threshold"],
                recency=_factor_points("recency"),
                volume=_factor_points("falling_volume"),
                deposits=_factor_points("falling_deposits"),
                withdrawals=_factor_points("withdrawals"),
                engaged_since=now - timedelta(days=settings["engagement_days"]),
                only=only,
            )
        )
        count = self.env.cr.rowcount
        self.invalidate_model()
        return count

    @api.model
    def _fx_prune(self, now, settings):
        """Drop the rows older than the retention (``snapshot_keep_days``)."""
        self.env.cr.execute(
            SQL(
                "DELETE FROM fx_kpi_snapshot WHERE date < %s",
                self._fx_day(now) - timedelta(days=settings["keep_days"]),
            )
        )
