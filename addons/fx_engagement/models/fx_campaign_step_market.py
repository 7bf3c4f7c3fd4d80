"""Campaign steps of market-event campaigns: each event's participants get the
step's message about that event, from a copy of the step's mailing made for
the event (Odoo's mass mailing never sends one mailing twice to a contact, and
opens are then counted per event)."""

from odoo import fields, models

SERVICE_HELP = (
    "Service messages and risk notices (a KYC reminder, a margin or volatility "
    "warning before a market event) are not marketing: they are exempt from the "
    "frequency cap and quiet hours and do not count towards the cap. Consent "
    "(blacklist, bounces, missing address) still applies."
)


class FxCampaignStep(models.Model):
    _inherit = "fx.campaign.step"  # pylint: disable=consider-merging-classes-inherited

    is_transactional = fields.Boolean(
        string="Service Message / Risk Notice", help=SERVICE_HELP
    )

    def _fx_execute(self, participants, now):
        """Participants of market-event journeys run per event, with the event
        in the context (the message names it: res.partner's fx_market_*
        fields)."""
        by_event = participants.grouped("market_event_id")
        if len(by_event) == 1 and not participants[:1].market_event_id:
            return super()._fx_execute(participants, now)
        for event, group in by_event.items():
            step = self.with_context(fx_market_event_id=event.id or False)
            super(FxCampaignStep, step)._fx_execute(
                group.with_context(fx_market_event_id=event.id or False), now
            )
        return None

    def _fx_event_mailing(self, mailing):
        """The mailing to send for the event in the context: ``mailing``
        itself without one, else its copy for that event (made once)."""
        event_id = self.env.context.get("fx_market_event_id")
        if not (event_id and mailing):
            return mailing
        Mailing = self.env["mailing.mailing"].sudo()
        copy = Mailing.search(
            [
                ("fx_source_mailing_id", "=", mailing.id),
                ("fx_market_event_id", "=", event_id),
            ],
            limit=1,
        )
        if not copy:
            copy = mailing.sudo().copy(
                {
                    "fx_source_mailing_id": mailing.id,
                    "fx_market_event_id": event_id,
                    "subject": mailing.subject,
                    "fx_is_transactional": mailing.fx_is_transactional,
                    "campaign_id": mailing.campaign_id.id,
                }
            )
        return copy.with_env(self.env)
