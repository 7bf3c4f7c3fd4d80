"""Market events: an economic calendar (central-bank decisions, payrolls,
earnings ...), pushed by a calendar feed through ``fx.sync.push_market_events``
or entered by staff, and the traders each event concerns (its *exposure*,
docs/METRICS.md#market-events).
"""

from contextlib import contextmanager
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.market_events import affected_symbols, rate, uplift

IMPORTANCE = [("low", "Low"), ("medium", "Medium"), ("high", "High")]
AFFECTED_REL = "fx_market_event_affected_rel"
DEFAULT_RECENT_DAYS = 7
RECENT_DAYS_PARAM = "fx_engagement.market_recent_days"
# events whose affected instruments are kept current when the catalogue of
# instruments changes: those from this long ago on
REFRESH_WINDOW = timedelta(days=2)


class FxMarketEvent(models.Model):
    _name = "fx.market.event"
    _description = "Market Event"
    _inherit = ["mail.thread"]
    _order = "scheduled_at desc, id desc"

    name = fields.Char(string="Title", required=True, tracking=True)
    key = fields.Char(
        required=True,
        copy=False,
        help="The event's identity in the calendar feed (its id there); the sync "
        "API updates the event with this key.",
    )
    scheduled_at = fields.Datetime(required=True, index=True, tracking=True)
    importance = fields.Selection(
        IMPORTANCE, required=True, default="medium", tracking=True
    )
    country_id = fields.Many2one("res.country")
    currency_id = fields.Many2one(
        "res.currency",
        context={"active_test": False},
        help="The currency the event moves: every forex pair containing it, gold "
        "and the indices priced in it are affected.",
    )
    actual = fields.Char(help="The published figure, once known.")
    forecast = fields.Char()
    previous = fields.Char()
    instrument_ids = fields.Many2many(
        "fx.instrument",
        "fx_market_event_instrument_rel",
        "event_id",
        "instrument_id",
        string="Instruments",
        help="Instruments named explicitly (e.g. an earnings date on a stock CFD); "
        "added to those derived from the currency.",
    )
    affected_instrument_ids = fields.Many2many(
        "fx.instrument",
        AFFECTED_REL,
        "event_id",
        "instrument_id",
        string="Affected Instruments",
        readonly=True,
        copy=False,
        help="The instruments named plus those derived from the currency (see "
        "docs: market events), kept current as instruments are added.",
    )
    # the symbols as pushed (sorted, comma-separated): a push that only changes
    # them is an update, and a re-sent event is unchanged
    pushed_symbols = fields.Char(readonly=True, copy=False)
    participant_ids = fields.One2many(
        "fx.campaign.participant", "market_event_id", string="Participants"
    )
    # exposure, live for the viewing user (the traders they may see)
    exposure_count = fields.Integer(
        string="Traders Concerned", compute="_compute_exposure"
    )
    exposure_position_count = fields.Integer(
        string="Open Positions", compute="_compute_exposure"
    )
    exposure_recent_count = fields.Integer(
        string="Traded Recently", compute="_compute_exposure"
    )
    exposure_watch_count = fields.Integer(
        string="Watching", compute="_compute_exposure"
    )
    exposure_by_segment = fields.Html(
        string="Concerned by Segment", compute="_compute_exposure", sanitize=False
    )
    # reporting (fx.market.event.report, docs/METRICS.md#market-event-reporting)
    report_messaged = fields.Integer(string="Messaged", compute="_compute_report")
    report_opened = fields.Integer(string="Opened", compute="_compute_report")
    report_holdout = fields.Integer(string="Holdout", compute="_compute_report")
    report_traded_rate = fields.Float(
        string="Traded in 24 h (%)", compute="_compute_report"
    )
    report_holdout_traded_rate = fields.Float(
        string="Holdout Traded in 24 h (%)", compute="_compute_report"
    )
    report_deposit_rate = fields.Float(
        string="Deposited in 72 h (%)", compute="_compute_report"
    )
    report_holdout_deposit_rate = fields.Float(
        string="Holdout Deposited in 72 h (%)", compute="_compute_report"
    )
    report_traded_uplift = fields.Float(
        string="Trading Uplift (points)", compute="_compute_report"
    )
    report_deposit_uplift = fields.Float(
        string="Deposit Uplift (points)", compute="_compute_report"
    )

    _sql_constraints = [
        ("key_unique", "UNIQUE(key)", "A market event with this key already exists."),
        (
            "key_title_not_blank",
            "CHECK(btrim(key) <> '' AND btrim(name) <> '')",
            "A market event needs a key and a title.",
        ),
        (
            "scheduled_range",
            "CHECK(scheduled_at >= '1990-01-01' AND scheduled_at < '2100-01-01')",
            "A market event must be scheduled between 1990 and 2099.",
        ),
    ]

    def init(self):
        # exposure and enrolment join the concerned traders to their contacts:
        # a narrow index of the traders, read without the wide contact rows
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS res_partner_fx_trader_scope_idx "
            "ON res_partner (id) INCLUDE (active, user_id, company_id) "
            "WHERE fx_is_trader"
        )
        return super().init()

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        events._fx_update_affected()
        return events

    def write(self, vals):
        result = super().write(vals)
        if {"currency_id", "instrument_ids"} & set(vals):
            self._fx_update_affected()
        return result

    # ------------------------------------------------------------ instruments
    @api.model
    def _fx_catalogue(self):
        """(symbol, asset class, base, quote, id) of the active instruments."""
        return self.env.execute_query(
            SQL(
                "SELECT name, asset_class, base_currency, quote_currency, id "
                "FROM fx_instrument WHERE active"
            )
        )

    def _fx_affected(self, catalogue=None):
        """{event id: (symbols, instrument ids)} of the instruments each event
        affects (docs/METRICS.md#market-events), from the current catalogue."""
        catalogue = self._fx_catalogue() if catalogue is None else catalogue
        ids_by_symbol = {row[0]: row[4] for row in catalogue}
        explicit = dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT r.event_id, array_agg(i.name)
                      FROM fx_market_event_instrument_rel r
                      JOIN fx_instrument i ON i.id = r.instrument_id
                     WHERE r.event_id = ANY(%s) GROUP BY r.event_id
                    """,
                    self.ids,
                )
            )
        )
        result = {}
        for event in self:
            extra = {
                symbol: ids_by_symbol.get(symbol)
                for symbol in explicit.get(event.id, ())
            }
            symbols = affected_symbols(
                event.currency_id.name,
                [row[:4] for row in catalogue],
                explicit=extra,
            )
            ids = []
            for symbol in symbols:
                instrument_id = ids_by_symbol.get(symbol) or extra.get(symbol)
                if instrument_id:
                    ids.append(instrument_id)
            if explicit.get(event.id):
                # explicit instruments count even when archived
                ids += [
                    row[0]
                    for row in self.env.execute_query(
                        SQL(
                            "SELECT instrument_id FROM fx_market_event_instrument_rel "
                            "WHERE event_id = %s",
                            event.id,
                        )
                    )
                    if row[0] not in ids
                ]
            result[event.id] = (symbols, sorted(set(ids)))
        return result

    def _fx_update_affected(self):
        """Write the affected instruments of ``self`` (only the differences)."""
        if not self:
            return
        self.env.flush_all()
        affected = self._fx_affected()
        pairs = [(eid, iid) for eid, (_s, ids) in affected.items() for iid in ids]
        event_ids = [p[0] for p in pairs]
        instrument_ids = [p[1] for p in pairs]
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM %(rel)s r
                 WHERE r.event_id = ANY(%(events)s)
                   AND (r.event_id, r.instrument_id) NOT IN (
                        SELECT * FROM unnest(%(eids)s::int4[], %(iids)s::int4[]))
                """,
                rel=SQL.identifier(AFFECTED_REL),
                events=self.ids,
                eids=event_ids,
                iids=instrument_ids,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO %(rel)s (event_id, instrument_id)
                SELECT * FROM unnest(%(eids)s::int4[], %(iids)s::int4[])
                ON CONFLICT DO NOTHING
                """,
                rel=SQL.identifier(AFFECTED_REL),
                eids=event_ids,
                iids=instrument_ids,
            )
        )
        self.invalidate_recordset(["affected_instrument_ids"])

    @api.model
    def _fx_refresh_upcoming(self):
        """Recompute the affected instruments of recent and upcoming events
        (the catalogue of instruments changed)."""
        since = fields.Datetime.now() - REFRESH_WINDOW
        self.sudo().search([("scheduled_at", ">=", since)])._fx_update_affected()

    # ------------------------------------------------------------------ exposure
    @api.model
    def _fx_recent_days(self):
        value = self.env["ir.config_parameter"].sudo().get_param(RECENT_DAYS_PARAM)
        return int(value) if value else DEFAULT_RECENT_DAYS

    @api.model
    def _fx_concerned_sql(self, symbols, instrument_ids, now, days=None):
        """SQL selecting ``(partner_id, has_position, traded_recently,
        watching)`` for every trader concerned by an event affecting
        ``symbols`` (``instrument_ids``): an open position in one of them, a
        trade of one opened in the last ``days`` days, or one of them watched
        (docs/METRICS.md#market-event-exposure). Set-based: three index scans
        and one aggregate, whatever the number of traders."""
        days = self._fx_recent_days() if days is None else days
        # one hash aggregate of a bit per rule over three index-only scans
        # (fx_trade_open_symbol_idx, fx_trade_symbol_time_idx, the watch list)
        return SQL(
            """
            SELECT c.partner_id, (c.kinds & 1) > 0 AS has_position,
                   (c.kinds & 2) > 0 AS traded_recently,
                   (c.kinds & 4) > 0 AS watching
              FROM (SELECT u.partner_id, bit_or(u.kind) AS kinds
                      FROM (SELECT t.partner_id, 1 AS kind FROM fx_trade t
                             WHERE t.state = 'open' AND t.symbol = ANY(%(symbols)s)
                            UNION ALL
                            SELECT t.partner_id, 2 FROM fx_trade t
                             WHERE t.symbol = ANY(%(symbols)s)
                               AND t.open_time >= %(since)s AND t.open_time <= %(now)s
                            UNION ALL
                            SELECT w.partner_id, 4 FROM res_partner_fx_watch_rel w
                             WHERE w.instrument_id = ANY(%(instruments)s)) u
                     WHERE u.partner_id IS NOT NULL
                     GROUP BY u.partner_id) c
            """,
            symbols=list(symbols),
            instruments=list(instrument_ids),
            since=now - timedelta(days=days),
            now=now,
        )

    def _fx_visible_traders_sql(self):
        """SQL condition on ``p``: the traders the current user may see
        (record rules of res.partner), all of them for the superuser."""
        if self.env.su:
            return SQL("TRUE")
        query = (
            self.env["res.partner"]
            .with_context(active_test=False)
            ._search([("fx_is_trader", "=", True)])
        )
        return SQL("p.id IN (%s)", query.subselect())

    @api.model
    @contextmanager
    def _fx_hash_joins(self):
        """Run the statements of the block without nested loops: PostgreSQL
        cannot estimate how many traders an aggregate over a union yields (it
        assumes 200) and would probe the contacts once per concerned trader
        (120,000 probes for a USD event); hash joins read them once. Only for
        the block (SET LOCAL, then the previous value)."""
        [(previous,)] = self.env.execute_query(
            SQL("SELECT current_setting('enable_nestloop')")
        )
        self.env.cr.execute(SQL("SET LOCAL enable_nestloop = off"))
        try:
            yield
        finally:
            self.env.cr.execute(
                SQL("SELECT set_config('enable_nestloop', %s, true)", previous)
            )

    def _compute_exposure(self):
        now = fields.Datetime.now()
        self.env.flush_all()
        catalogue = self._fx_catalogue()
        visible = self._fx_visible_traders_sql()
        segment_names = {}
        for event in self:
            if not event.id:
                event.update(
                    {
                        "exposure_count": 0,
                        "exposure_position_count": 0,
                        "exposure_recent_count": 0,
                        "exposure_watch_count": 0,
                        "exposure_by_segment": False,
                    }
                )
                continue
            symbols, ids = event._fx_affected(catalogue)[event.id]
            # one pass: the totals (segment NULL), then the count per segment
            with self._fx_hash_joins():
                rows = self.env.execute_query(
                    SQL(
                        """
                        WITH c AS MATERIALIZED (
                             SELECT c.* FROM (%(concerned)s) c
                               JOIN res_partner p ON p.id = c.partner_id
                              WHERE p.fx_is_trader AND p.active AND %(visible)s)
                        SELECT NULL::int, count(*),
                               count(*) FILTER (WHERE has_position),
                               count(*) FILTER (WHERE traded_recently),
                               count(*) FILTER (WHERE watching)
                          FROM c
                        UNION ALL
                        SELECT r.segment_id, count(*), 0, 0, 0
                          FROM c JOIN fx_segment_res_partner_rel r
                            ON r.partner_id = c.partner_id
                         GROUP BY r.segment_id
                        """,
                        concerned=self._fx_concerned_sql(symbols, ids, now),
                        visible=visible,
                    )
                )
            counts = rows[0][1:]
            by_segment = sorted(
                ((row[0], row[1]) for row in rows[1:]), key=lambda r: (-r[1], r[0])
            )
            for segment_id, _count in by_segment:
                if segment_id not in segment_names:
                    segment_names[segment_id] = (
                        self.env["fx.segment"].browse(segment_id).name
                    )
            event.exposure_count = counts[0]
            event.exposure_position_count = counts[1]
            event.exposure_recent_count = counts[2]
            event.exposure_watch_count = counts[3]
            event.exposure_by_segment = self._fx_segment_table(
                by_segment, segment_names
            )

    def _fx_segment_table(self, rows, names):
        if not rows:
            return Markup("<p class='text-muted'>%s</p>") % self.env._(
                "No concerned trader is in a segment."
            )
        body = Markup().join(
            Markup("<tr><td>%s</td><td class='text-end'>%s</td></tr>")
            % (names[segment_id], count)
            for segment_id, count in rows
        )
        return Markup(
            "<table class='table table-sm o_fx_exposure'><thead><tr><th>%s</th>"
            "<th class='text-end'>%s</th></tr></thead><tbody>%s</tbody></table>"
        ) % (self.env._("Segment"), self.env._("Traders"), body)

    def _fx_concerned_ids(self, now=None):
        """Ids of the active traders concerned by this event, as the current
        user may see them."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        self.env.flush_all()
        symbols, ids = self._fx_affected()[self.id]
        rows = self.env.execute_query(
            SQL(
                "SELECT c.partner_id FROM (%s) c JOIN res_partner p "
                "ON p.id = c.partner_id WHERE p.fx_is_trader AND p.active AND %s",
                self._fx_concerned_sql(symbols, ids, now),
                self._fx_visible_traders_sql(),
            )
        )
        return [row[0] for row in rows]

    def action_view_concerned(self):
        """The traders concerned by this event (as the user may see them)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fx_engagement.res_partner_action_trader"
        )
        action["domain"] = [("fx_market_concerned_event_id", "=", self.id)]
        action["context"] = {}
        action["name"] = self.env._("Concerned by %s", self.name)
        return action

    def action_view_report(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fx_engagement.fx_market_event_report_action"
        )
        action["domain"] = [("event_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------ reporting
    def _compute_report(self):
        """Messaged traders against the holdout (participants of market-event
        campaigns, test runs excluded): docs/METRICS.md#market-event-reporting."""
        groups = self.env["fx.market.event.report"]._read_group(
            [("event_id", "in", self.ids), ("is_test", "=", False)],
            ["event_id", "is_holdout", "messaged"],
            ["__count", "opened:sum", "traded_24h:sum", "deposited_72h:sum"],
        )
        data = {
            (event.id, holdout, bool(messaged)): values
            for event, holdout, messaged, *values in groups
        }
        for event in self:
            messaged, opened, traded, deposited = data.get(
                (event.id, False, True), (0, 0, 0, 0)
            )
            holdout, _opened, hold_traded, hold_deposited = data.get(
                (event.id, True, False), (0, 0, 0, 0)
            )
            event.report_messaged = messaged
            event.report_opened = opened
            event.report_holdout = holdout
            event.report_traded_rate = rate(traded, messaged)
            event.report_deposit_rate = rate(deposited, messaged)
            event.report_holdout_traded_rate = rate(hold_traded, holdout)
            event.report_holdout_deposit_rate = rate(hold_deposited, holdout)
            event.report_traded_uplift = uplift(
                event.report_traded_rate, event.report_holdout_traded_rate
            )
            event.report_deposit_uplift = uplift(
                event.report_deposit_rate, event.report_holdout_deposit_rate
            )
