from odoo import api, fields, models
from odoo.tools import SQL


class FxPointsTotal(models.Model):
    """Score per trader, programme and period (``YYYY-MM`` or ``all``), kept by
    the ledger (fx.points.entry._fx_add_totals) for leaderboards and levels:
    a leaderboard reads one index range instead of aggregating the ledger
    (docs/REFERRALS.md#leaderboards)."""

    _name = "fx.points.total"
    _description = "Points Total per Period"
    _log_access = False
    _order = "points desc, partner_id"

    partner_id = fields.Many2one(
        "res.partner", required=True, ondelete="cascade", index=True
    )
    programme_id = fields.Many2one(
        "fx.referral.programme", required=True, ondelete="cascade"
    )
    period = fields.Char(required=True)
    points = fields.Integer()

    _sql_constraints = [
        (
            "period_unique",
            "UNIQUE(programme_id, period, partner_id)",
            "One total per trader, programme and period.",
        ),
    ]

    def init(self):
        # top N of a board: the first rows of this index; own rank: a count of
        # the rows before the viewer's in it
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS fx_points_total_board "
            "ON fx_points_total (programme_id, period, points DESC, partner_id)"
        )

    @api.model
    def _fx_board(self, programme, period, limit=50, viewer=None):
        """The leaderboard of ``programme`` for ``period`` (``YYYY-MM`` or
        ``all``): the top ``limit`` as ``[{"rank", "partner_id", "points"}]``
        (ties ranked the same: 1, 1, 3) and the viewer's own
        ``{"rank", "points"}`` (None when not on the board). Two index reads
        (docs/REFERRALS.md#leaderboards)."""
        top = self.env.execute_query_dict(
            SQL(
                """
                SELECT rank() OVER (ORDER BY points DESC) AS rank, partner_id, points
                  FROM fx_points_total
                 WHERE programme_id = %s AND period = %s AND points > 0
                 ORDER BY points DESC, partner_id
                 LIMIT %s
                """,
                programme.id,
                period,
                limit,
            )
        )
        own = None
        if viewer:
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT v.points, (SELECT count(*) FROM fx_points_total o
                                       WHERE o.programme_id = v.programme_id
                                         AND o.period = v.period
                                         AND o.points > v.points) + 1
                      FROM fx_points_total v
                     WHERE v.programme_id = %s AND v.period = %s
                       AND v.partner_id = %s AND v.points > 0
                    """,
                    programme.id,
                    period,
                    viewer.id,
                )
            )
            if rows:
                own = {"points": rows[0][0], "rank": rows[0][1]}
        return top, own
