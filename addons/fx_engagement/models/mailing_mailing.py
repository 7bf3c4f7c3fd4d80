from odoo import fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

# what changes a mailing's rendering: editing one of these retries a step that
# stopped on its content
CONTENT_FIELDS = {
    "subject",
    "preview",
    "body_html",
    "body_arch",
    "body_plaintext",
    "email_from",
    "reply_to",
}


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    fx_is_transactional = fields.Boolean(
        string="Transactional",
        help="Service message of a trader campaign: not counted in the marketing "
        "frequency cap.",
    )
    # market-event campaigns send a copy of the step's mailing per event
    fx_market_event_id = fields.Many2one(
        "fx.market.event",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="This mailing is a campaign step's message for this market event.",
    )
    fx_source_mailing_id = fields.Many2one(
        "mailing.mailing",
        string="Step Mailing",
        readonly=True,
        copy=False,
        ondelete="cascade",
        help="The campaign step's mailing this event's copy was made from.",
    )

    # ------------------------------------------------------------------ guard
    # A campaign step's mailing is only ever sent by its campaign, to explicit
    # participants of that step. Its own filter selects nobody, and sending it
    # from Email Marketing (Send, Schedule, Retry, the queue: no explicit
    # recipients) is refused: it would skip the campaign's consent, cap and
    # quiet-hour checks, or reach every contact.
    def _fx_steps(self):
        """{mailing id: step id} for the mailings of ``self`` that are the
        content of a campaign step or of one of its A/B variants (or a copy of
        one made for a market event)."""
        if not self.ids:
            return {}
        return dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT mailing_id, id FROM fx_campaign_step
                     WHERE mailing_id = ANY(%(ids)s)
                    UNION ALL
                    SELECT mailing_id, step_id FROM fx_campaign_variant
                     WHERE mailing_id = ANY(%(ids)s)
                    UNION ALL
                    SELECT m.id, coalesce(s.id, v.step_id) FROM mailing_mailing m
                      LEFT JOIN fx_campaign_step s
                             ON s.mailing_id = m.fx_source_mailing_id
                      LEFT JOIN fx_campaign_variant v
                             ON v.mailing_id = m.fx_source_mailing_id
                     WHERE m.id = ANY(%(ids)s)
                       AND m.fx_source_mailing_id IS NOT NULL
                    """,
                    ids=self.ids,
                )
            )
        )

    def _fx_refuse_step_mailings(self):
        steps = self._fx_steps()
        if steps:
            mailing = self.browse(next(iter(steps)))
            raise UserError(
                self.env._(
                    "Mailing %(mailing)s is the content of a campaign step: only its "
                    "campaign sends it, to the participants of that step. Run the "
                    "campaign instead, or duplicate the mailing to send it to "
                    "other contacts.",
                    mailing=mailing.subject or mailing.id,
                )
            )

    def _fx_check_step_send(self, res_ids):
        """Sending a step mailing needs explicit recipients (the campaign
        passes its participants): without them, mass mailing would compute them
        from the mailing's filter, i.e. from Email Marketing's Send."""
        if not res_ids:
            self._fx_refuse_step_mailings()

    def action_launch(self):
        self._fx_refuse_step_mailings()
        return super().action_launch()

    def action_schedule(self):
        self._fx_refuse_step_mailings()
        return super().action_schedule()

    def action_put_in_queue(self):
        self._fx_refuse_step_mailings()
        return super().action_put_in_queue()

    def _action_send_mail(self, res_ids=None):
        self._fx_check_step_send(res_ids)
        return super()._action_send_mail(res_ids=res_ids)

    def action_send_sms(self, res_ids=None):
        self._fx_check_step_send(res_ids)
        return super().action_send_sms(res_ids=res_ids)

    def _get_recipients_domain(self):
        # whatever its filter says (it can be edited), a step mailing selects
        # nobody by itself: the queue marks it done without sending
        if self._fx_steps():
            return [("id", "in", [])]
        domain = super()._get_recipients_domain()
        if self.mailing_model_real == "res.partner" and not self.fx_is_transactional:
            # vulnerable clients get service messages only, and no marketing
            # goes out under an undated loss percentage (docs/COMPLIANCE.md)
            held = self.env["res.partner"]._fx_marketing_held_ids()
            if held:
                domain = expression.AND([domain, [("id", "not in", held)]])
        return domain

    def write(self, vals):
        result = super().write(vals)
        if CONTENT_FIELDS & set(vals):
            step_ids = set(self._fx_steps().values())
            if step_ids:
                steps = self.env["fx.campaign.step"].sudo().browse(step_ids)
                steps._fx_clear_error()
        return result
