"""Next best offer: per trader, the instruments that similar traders trade and
this trader never tried, ranked (docs/METRICS.md#next-best-offer)."""

import logging
import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

DEFAULT_MIN_SUPPORT = 3
DEFAULT_WINDOW_DAYS = 90
OFFERS_PER_TRADER = 3
# a group offers its most shared instruments only (bounds the work per trader)
TOP_PER_GROUP = 10


class FxNextBestOffer(models.Model):
    _name = "fx.next.best.offer"
    _description = "Next Best Offer"
    _order = "partner_id, rank"
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", string="Trader", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", related="partner_id.company_id", string="Company"
    )
    rank = fields.Integer(required=True, help="1 is the best offer.")
    symbol = fields.Char(required=True, index=True)
    instrument_id = fields.Many2one("fx.instrument")
    segment_id = fields.Many2one(
        "fx.segment",
        string="Similar Traders (Segment)",
        ondelete="cascade",
        help="The segment whose members trade this instrument the most.",
    )
    rfm_cell = fields.Char(
        string="Similar Traders (RFM Cell)",
        help="The RFM cell whose traders trade this instrument the most (when RFM "
        "scores are computed).",
    )
    group_size = fields.Integer(string="Similar Traders")
    takers = fields.Integer(
        string="Traded It", help="Similar traders who traded the instrument lately."
    )
    share = fields.Float(
        string="Share (%)",
        digits=(5, 1),
        help="Takers out of the similar traders, in percent.",
    )
    computed_on = fields.Datetime()
    reason = fields.Char(compute="_compute_reason")

    _sql_constraints = [
        ("rank_unique", "UNIQUE(partner_id, rank)", "One offer per rank and trader."),
    ]

    @api.depends("share", "segment_id", "rfm_cell", "symbol")
    def _compute_reason(self):
        for offer in self:
            group = (
                offer.segment_id.name
                if offer.segment_id
                else self.env._("RFM cell %s traders", offer.rfm_cell)
            )
            offer.reason = self.env._(
                "%(share)s %% of %(group)s trade %(symbol)s",
                share=round(offer.share),
                group=group,
                symbol=offer.symbol,
            )

    # --------------------------------------------------------------- compute
    @api.model
    def _fx_settings(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        return {
            "min_support": int(
                get("fx_engagement.nbo_min_support") or DEFAULT_MIN_SUPPORT
            ),
            "days": DEFAULT_WINDOW_DAYS,
        }

    @api.model
    def _fx_groups_sql(self):
        """(group key, segment id, rfm cell, trader id) of every similarity
        group: the members of each active segment, and each RFM cell when the
        RFM scores exist (field ``fx_rfm_cell`` on the contact)."""
        segments = SQL(
            """
            SELECT 's' || r.segment_id AS gkey, r.segment_id, NULL::varchar AS rfm,
                   r.partner_id
              FROM fx_segment_res_partner_rel r
              JOIN fx_segment s ON s.id = r.segment_id AND s.active
              JOIN res_partner p ON p.id = r.partner_id
             WHERE p.fx_is_trader AND p.active
            """
        )
        field = self.env["res.partner"]._fields.get("fx_rfm_cell")
        if not (field and field.store):
            return segments
        return SQL(
            """%s
            UNION ALL
            SELECT 'r' || p.fx_rfm_cell, NULL, p.fx_rfm_cell::varchar, p.id
              FROM res_partner p
             WHERE p.fx_is_trader AND p.active AND p.fx_rfm_cell IS NOT NULL
            """,
            segments,
        )

    @api.model
    def _fx_recompute(self):
        """Recompute the offers of every trader in a few statements; only the
        rows that change are written. Returns
        ``{"traders": n, "offers": n, "seconds": s}``."""
        start = time.monotonic()
        self.env.flush_all()
        settings = self._fx_settings()
        now = fields.Datetime.now()
        since = now - timedelta(days=settings["days"])
        cr = self.env.cr
        # the sorts and hashes below hold a few hundred thousand rows: in
        # memory for this transaction only (the server's default is 4 MB);
        # no JIT compilation (seconds of compiling for statements run once);
        # hash joins over the whole book: with the trade indexes by symbol the
        # planner otherwise probes the trades per candidate (minutes, not seconds)
        cr.execute(SQL("SET LOCAL work_mem = '128MB'"))
        cr.execute(SQL("SET LOCAL jit = off"))
        cr.execute(SQL("SET LOCAL enable_nestloop = off"))
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE fx_nbo_member ON COMMIT DROP AS %s
                """,
                self._fx_groups_sql(),
            )
        )
        cr.execute(SQL("ANALYZE fx_nbo_member"))
        # what each member ever traded, and when last (any account): one pass
        # over the trades serves both the takers and "never tried"
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE fx_nbo_tried ON COMMIT DROP AS
                SELECT partner_id, symbol, max(open_time) AS last_trade
                  FROM fx_trade
                 WHERE partner_id IN (SELECT partner_id FROM fx_nbo_member)
                 GROUP BY partner_id, symbol
                """
            )
        )
        cr.execute(SQL("ANALYZE fx_nbo_tried"))
        # the instruments each group shares most: takers among its members
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE fx_nbo_offer ON COMMIT DROP AS
                WITH size AS (
                    SELECT gkey, count(*) AS n FROM fx_nbo_member GROUP BY gkey
                ),
                taken AS (
                    SELECT m.gkey, min(m.segment_id) AS segment_id,
                           min(m.rfm) AS rfm, r.symbol, count(*) AS takers
                      FROM fx_nbo_member m
                      JOIN fx_nbo_tried r ON r.partner_id = m.partner_id
                                         AND r.last_trade >= %(since)s
                     GROUP BY m.gkey, r.symbol
                    HAVING count(*) >= %(min_support)s
                ),
                ranked AS (
                    SELECT t.*, size.n AS size,
                           round(100.0 * t.takers / size.n, 1) AS share,
                           row_number() OVER (
                               PARTITION BY t.gkey
                               ORDER BY t.takers DESC, t.symbol) AS place
                      FROM taken t JOIN size USING (gkey)
                )
                SELECT gkey, segment_id, rfm, symbol, takers, size, share
                  FROM ranked WHERE place <= %(top)s
                """,
                since=since,
                min_support=settings["min_support"],
                top=TOP_PER_GROUP,
            )
        )
        # per trader: the instruments never traded, each from its best group
        # (the highest share, then the most takers, i.e. the larger group),
        # top 3
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE fx_nbo_result ON COMMIT DROP AS
                WITH candidate AS (
                    SELECT m.partner_id, o.symbol, o.segment_id, o.rfm, o.takers,
                           o.size, o.share, o.gkey
                      FROM fx_nbo_member m
                      JOIN fx_nbo_offer o ON o.gkey = m.gkey
                      LEFT JOIN fx_nbo_tried t
                             ON t.partner_id = m.partner_id AND t.symbol = o.symbol
                     WHERE t.partner_id IS NULL
                ),
                best AS (
                    SELECT DISTINCT ON (c.partner_id, c.symbol) c.*
                      FROM candidate c
                     ORDER BY c.partner_id, c.symbol, c.share DESC, c.takers DESC,
                              c.gkey
                ),
                ranked AS (
                    SELECT b.*, row_number() OVER (
                               PARTITION BY b.partner_id
                               ORDER BY b.share DESC, b.takers DESC, b.symbol) AS rank
                      FROM best b
                )
                SELECT r.partner_id, r.rank::int4 AS rank, r.symbol,
                       i.id AS instrument_id, r.segment_id, r.rfm,
                       r.size::int4 AS size, r.takers::int4 AS takers,
                       r.share::float8 AS share
                  FROM ranked r LEFT JOIN fx_instrument i ON i.name = r.symbol
                 WHERE r.rank <= %(limit)s
                """,
                limit=OFFERS_PER_TRADER,
            )
        )
        # write the differences only: rows that are not in the result as
        # they are go, the result's rows that are missing come in (two hash
        # anti-joins; a night without changes writes nothing)
        same = SQL(
            """
            r.partner_id = n.partner_id AND r.rank = n.rank
            AND (r.symbol, r.instrument_id, r.segment_id, r.rfm, r.size, r.takers,
                 r.share)
                IS NOT DISTINCT FROM
                (n.symbol, n.instrument_id, n.segment_id, n.rfm_cell, n.group_size,
                 n.takers, n.share)
            """
        )
        cr.execute(
            SQL(
                """
                DELETE FROM fx_next_best_offer n
                 WHERE NOT EXISTS (SELECT 1 FROM fx_nbo_result r WHERE %s)
                """,
                same,
            )
        )
        cr.execute(
            SQL(
                """
                INSERT INTO fx_next_best_offer
                       (partner_id, rank, symbol, instrument_id, segment_id, rfm_cell,
                        group_size, takers, share, computed_on)
                SELECT r.partner_id, r.rank, r.symbol, r.instrument_id,
                       r.segment_id, r.rfm, r.size, r.takers, r.share, %s
                  FROM fx_nbo_result r
                 WHERE NOT EXISTS (SELECT 1 FROM fx_next_best_offer n WHERE %s)
                """,
                now,
                same,
            )
        )
        [(traders, offers)] = self.env.execute_query(
            SQL("SELECT count(DISTINCT partner_id), count(*) FROM fx_nbo_result")
        )
        for table in ("fx_nbo_result", "fx_nbo_tried", "fx_nbo_offer", "fx_nbo_member"):
            cr.execute(SQL("DROP TABLE %s", SQL.identifier(table)))
        self.invalidate_model()
        self.env["res.partner"].invalidate_model(["fx_next_best_offer_ids"])
        seconds = round(time.monotonic() - start, 3)
        _logger.info(
            "Next best offers: %s offers for %s traders in %.2fs",
            offers,
            traders,
            seconds,
        )
        return {"traders": traders, "offers": offers, "seconds": seconds}

    @api.model
    def _cron_recompute(self):
        """Nightly: every trader's offers, in one transaction (a few seconds
        for 200,000 traders, see README); safe to kill and run again."""
        result = self._fx_recompute()
        self.env["ir.cron"]._notify_progress(done=result["traders"], remaining=0)
        return result
