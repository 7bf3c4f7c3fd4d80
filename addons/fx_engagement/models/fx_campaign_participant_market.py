from odoo import fields, models
from odoo.tools import SQL


class FxCampaignParticipant(models.Model):
    _inherit = "fx.campaign.participant"

    market_event_id = fields.Many2one(
        "fx.market.event",
        index="btree_not_null",
        ondelete="restrict",
        readonly=True,
        help="The market event this journey is about (market-event campaigns).",
    )

    def init(self):
        result = super().init()
        # once per event: a trader enters a market-event campaign at most once
        # for each event, whatever runs at once (ON CONFLICT DO NOTHING)
        self._fx_create_unique_index(
            "fx_campaign_participant_market_event_uniq",
            SQL(
                "ON fx_campaign_participant (campaign_id, market_event_id, "
                "partner_id) WHERE market_event_id IS NOT NULL"
            ),
        )
        return result
