from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.fx_campaign import LIVE_FUNDING
from ..models.fx_market_event import AFFECTED_REL, IMPORTANCE

# the windows of docs/METRICS.md#market-event-reporting, from the enrolment
TRADE_WINDOW_HOURS = 24
DEPOSIT_WINDOW_HOURS = 72


class FxMarketEventReport(models.Model):
    """Market-event reporting: one row per participant of a market-event
    campaign (docs/METRICS.md#market-event-reporting). ``messaged``: the step
    sent it a message; ``opened``: it opened one; ``traded_24h``: it opened a
    trade in an affected instrument within 24 h of entering; ``deposited_72h``:
    it deposited on a live account within 72 h. Holdout participants are
    measured the same way, from the moment they entered."""

    _name = "fx.market.event.report"
    _description = "Market Event Analysis"
    _auto = False
    _order = "date desc"

    event_id = fields.Many2one("fx.market.event", readonly=True)
    campaign_id = fields.Many2one("fx.campaign", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Trader", readonly=True)
    date = fields.Datetime(string="Entered", readonly=True)
    scheduled_at = fields.Datetime(string="Event Time", readonly=True)
    importance = fields.Selection(IMPORTANCE, readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    is_holdout = fields.Boolean(string="Holdout", readonly=True)
    is_test = fields.Boolean(string="Test", readonly=True)
    participants = fields.Integer(string="Traders", readonly=True)
    messaged = fields.Integer(readonly=True)
    opened = fields.Integer(readonly=True)
    traded_24h = fields.Integer(string="Traded in 24 h", readonly=True)
    deposited_72h = fields.Integer(string="Deposited in 72 h", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(view)s AS (
                SELECT cp.id, cp.market_event_id AS event_id, cp.campaign_id,
                       cp.partner_id, cp.enrolled_date AS date, e.scheduled_at,
                       e.importance, e.currency_id, cp.is_holdout,
                       coalesce(cp.is_test, false) AS is_test, 1 AS participants,
                       EXISTS (SELECT 1 FROM fx_campaign_log l
                                WHERE l.participant_id = cp.id
                                  AND l.result = 'sent')::int AS messaged,
                       EXISTS (SELECT 1 FROM fx_campaign_log l
                                 JOIN mailing_trace t
                                   ON t.mass_mailing_id = l.mailing_id
                                  AND t.model = 'res.partner'
                                  AND t.res_id = l.partner_id
                                WHERE l.participant_id = cp.id
                                  AND l.result = 'sent'
                                  AND t.open_datetime IS NOT NULL)::int AS opened,
                       EXISTS (SELECT 1 FROM fx_trade t
                                 JOIN fx_instrument i ON i.name = t.symbol
                                 JOIN %(affected)s a ON a.instrument_id = i.id
                                WHERE a.event_id = cp.market_event_id
                                  AND t.partner_id = cp.partner_id
                                  AND t.open_time >= cp.enrolled_date
                                  AND t.open_time < cp.enrolled_date
                                      + make_interval(hours => %(trade_hours)s)
                               )::int AS traded_24h,
                       EXISTS (SELECT 1 FROM fx_funding f %(live)s
                                WHERE f.partner_id = cp.partner_id
                                  AND f.kind = 'deposit'
                                  AND f.date >= cp.enrolled_date
                                  AND f.date < cp.enrolled_date
                                      + make_interval(hours => %(deposit_hours)s)
                               )::int AS deposited_72h
                  FROM fx_campaign_participant cp
                  JOIN fx_market_event e ON e.id = cp.market_event_id
                )
                """,
                view=SQL.identifier(self._table),
                affected=SQL.identifier(AFFECTED_REL),
                live=LIVE_FUNDING,
                trade_hours=TRADE_WINDOW_HOURS,
                deposit_hours=DEPOSIT_WINDOW_HOURS,
            )
        )
