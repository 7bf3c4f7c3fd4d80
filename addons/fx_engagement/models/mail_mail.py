from odoo import api, models


class MailMail(models.Model):
    _inherit = "mail.mail"

    @api.model_create_multi
    def create(self, vals_list):
        """Every mass-mailing e-mail to a trader enters the compliance audit
        trail (sent, or blocked with Odoo's cancel reason), one statement per
        batch of mails the composer creates."""
        mails = super().create(vals_list)
        if any(vals.get("mailing_trace_ids") for vals in vals_list):
            # the trail is the system's: written whoever sends (set-based SQL)
            self.env["fx.compliance.audit"].sudo()._fx_record_traces(
                mails.mailing_trace_ids.ids
            )
        return mails
