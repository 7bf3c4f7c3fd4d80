from odoo import api, models


class SmsSms(models.Model):
    _inherit = "sms.sms"

    @api.model_create_multi
    def create(self, vals_list):
        """Every mass-mailing SMS to a trader enters the compliance audit
        trail (sent, or blocked with Odoo's cancel reason), one statement per
        batch of SMS the composer creates."""
        messages = super().create(vals_list)
        if any(vals.get("mailing_trace_ids") for vals in vals_list):
            # the trail is the system's: written whoever sends (set-based SQL)
            self.env["fx.compliance.audit"].sudo()._fx_record_traces(
                messages.mailing_trace_ids.ids
            )
        return messages
