from odoo import models


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _get_done_emails(self, mail_values_dict):
        # a campaign's send: the duplicate guard looks at this batch's addresses
        # only (see mailing.mailing._get_seen_list)
        composer = self
        if self.env.context.get("fx_campaign_send"):
            composer = self.with_context(fx_seen_res_ids=list(mail_values_dict))
        return super(MailComposeMessage, composer)._get_done_emails(mail_values_dict)
