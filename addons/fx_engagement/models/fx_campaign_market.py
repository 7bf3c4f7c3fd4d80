"""The campaign trigger "market event": a campaign fires N hours before or after
the market events matching its filter (importance, currencies, instruments)
and enrols the traders each event concerns, each once per event
(docs/METRICS.md#market-event-campaigns)."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..lib.market_events import IMPORTANCE_RANK, fire_time
from .fx_market_event import IMPORTANCE

# a run fires the events whose firing time passed at most this long ago: a
# campaign started (or a cron resumed) later does not message traders about
# events long gone
MAX_LATE = timedelta(hours=6)
# the widest offset, in hours (a week)
MAX_OFFSET_HOURS = 168


class FxCampaign(models.Model):
    _inherit = "fx.campaign"  # pylint: disable=consider-merging-classes-inherited

    trigger_type = fields.Selection(
        selection_add=[("market_event", "Before / after a market event")],
        ondelete={"market_event": "set default"},
    )
    market_offset_hours = fields.Integer(
        string="Hours",
        default=2,
        help="How many hours before or after the event the campaign fires.",
    )
    market_timing = fields.Selection(
        [("before", "Before the event"), ("after", "After the event")],
        string="Timing",
        default="before",
    )
    market_importance = fields.Selection(
        IMPORTANCE,
        string="Minimum Importance",
        default="high",
        help="Only events of this importance or higher fire the campaign.",
    )
    market_currency_ids = fields.Many2many(
        "res.currency",
        "fx_campaign_market_currency_rel",
        "campaign_id",
        "currency_id",
        string="Event Currencies",
        context={"active_test": False},
        help="Only events on one of these currencies (any when empty).",
    )
    market_instrument_ids = fields.Many2many(
        "fx.instrument",
        "fx_campaign_market_instrument_rel",
        "campaign_id",
        "instrument_id",
        string="Event Instruments",
        help="Only events affecting one of these instruments (any when empty).",
    )
    market_fired_event_ids = fields.Many2many(
        "fx.market.event",
        "fx_campaign_market_fired_rel",
        "campaign_id",
        "event_id",
        string="Events Fired",
        readonly=True,
        copy=False,
        help="The market events this campaign has fired for (each once).",
    )

    @api.constrains("market_offset_hours", "trigger_type")
    def _check_market_offset(self):
        for campaign in self.filtered(lambda c: c.trigger_type == "market_event"):
            if not 0 <= campaign.market_offset_hours <= MAX_OFFSET_HOURS:
                raise ValidationError(
                    self.env._(
                        "Campaign %(campaign)s: the hours before or after the event "
                        "must be between 0 and %(max)s.",
                        campaign=campaign.name,
                        max=MAX_OFFSET_HOURS,
                    )
                )

    @api.onchange("trigger_type")
    def _onchange_market_trigger(self):
        # a market-event campaign usually messages a trader about each event
        if self.trigger_type == "market_event":
            self.reentry_policy = "any_time"

    # ------------------------------------------------------------------ enrolment
    def _fx_market_due_events(self, now):
        """The events this campaign fires for now: matching its filter, whose
        firing time (scheduled time -/+ the offset) has come, at most MAX_LATE
        ago and not before the campaign's start, not fired yet."""
        self.ensure_one()
        hours = self.market_offset_hours
        shift = timedelta(hours=hours)
        # firing time in [lower, now] <=> scheduled_at in [lower -/+ shift, ...]
        lower = max(now - MAX_LATE, self.start_date or now - MAX_LATE)
        if self.market_timing == "before":
            window = (lower + shift, now + shift)
        else:
            window = (lower - shift, now - shift)
        domain = [
            ("scheduled_at", ">=", window[0]),
            ("scheduled_at", "<=", window[1]),
            ("id", "not in", self.market_fired_event_ids.ids),
            (
                "importance",
                "in",
                [
                    code
                    for code, rank in IMPORTANCE_RANK.items()
                    if rank >= IMPORTANCE_RANK[self.market_importance or "low"]
                ],
            ),
        ]
        if self.market_currency_ids:
            domain.append(("currency_id", "in", self.market_currency_ids.ids))
        events = self.env["fx.market.event"].sudo().search(domain, order="scheduled_at")
        events._fx_update_affected()  # the catalogue as it is when it fires
        if self.market_instrument_ids:
            wanted = set(self.market_instrument_ids.ids)
            events = events.filtered(
                lambda e: wanted & set(e.affected_instrument_ids.ids)
            )
        return events.filtered(
            lambda e: fire_time(e.scheduled_at, hours, self.market_timing) <= now
        )

    def _fx_enrol(self, now):
        if self.trigger_type != "market_event":
            return super()._fx_enrol(now)
        self.ensure_one()
        if not self._fx_due_for_enrolment(now) or not self._fx_lock_enrolment():
            return 0
        total = 0
        for event in self._fx_market_due_events(now):
            total += self._fx_enrol_market_event(event, now)
        self.last_enrol_date = now
        return total

    def _fx_enrol_market_event(self, event, now):
        """Enrol the traders ``event`` concerns (the test contacts in test
        mode), each once per event, and mark the event fired."""
        self.ensure_one()
        Event = self.env["fx.market.event"].sudo()
        if self.is_test:
            candidates = SQL("SELECT p.id AS partner_id FROM res_partner p")
        else:
            symbols, ids = event._fx_affected()[event.id]
            candidates = Event._fx_concerned_sql(symbols, ids, now)
        with Event._fx_hash_joins():
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT p.id FROM (%(candidates)s) c
                      JOIN res_partner p ON p.id = c.partner_id
                     WHERE %(audience)s %(reentry)s
                       AND NOT EXISTS (SELECT 1 FROM fx_campaign_participant cp
                                        WHERE cp.campaign_id = %(campaign)s
                                          AND cp.market_event_id = %(event)s
                                          AND cp.partner_id = p.id)
                     ORDER BY p.id
                    """,
                    candidates=candidates,
                    audience=self._fx_audience_sql(),
                    # re-entry across events: "any time", every event; "after
                    # leaving", not while in an earlier event's journey; "never",
                    # one event only
                    reentry=self._fx_reentry_sql(),
                    campaign=self.id,
                    event=event.id,
                )
            )
        partner_ids = [row[0] for row in rows]
        self.env.cr.execute(
            SQL(
                "INSERT INTO fx_campaign_market_fired_rel (campaign_id, event_id) "
                "VALUES (%s, %s) ON CONFLICT DO NOTHING",
                self.id,
                event.id,
            )
        )
        self.invalidate_recordset(["market_fired_event_ids"])
        return self._fx_insert_participants(
            partner_ids,
            now,
            extra=[("market_event_id", [event.id] * len(partner_ids))],
        )
