from odoo import api, models


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    @api.model_create_multi
    def create(self, vals_list):
        """Every mass-mailing message to a trader enters the compliance audit
        trail (sent, or blocked with Odoo's cancel reason)."""
        traces = super().create(vals_list)
        # the trail is the system's: written whoever sends (set-based SQL)
        self.env["fx.compliance.audit"].sudo()._fx_record_traces(traces.ids)
        return traces
