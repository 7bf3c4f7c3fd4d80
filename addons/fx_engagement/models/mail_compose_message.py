from markupsafe import Markup

from odoo import models

from ..lib.compliance import append_html, carries_warning


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _prepare_mail_values_dynamic(self, res_ids):
        """Marketing e-mails of a mass mailing to traders carry the risk
        warning of each trader's rule set, in the trader's language, appended
        to the rendered body unless the body already contains it
        (docs/COMPLIANCE.md#risk-warning)."""
        values = super()._prepare_mail_values_dynamic(res_ids)
        if not self._fx_needs_risk_warning():
            return values
        warnings = self.env["res.partner"].browse(res_ids)._fx_risk_warnings("email")
        for res_id, warning in warnings.items():
            mail_values = values.get(res_id)
            if not mail_values:
                continue
            key = "body_html" if "body_html" in mail_values else "body"
            body = str(mail_values.get(key) or "")
            if carries_warning(body, warning):
                continue
            body = Markup(append_html(body, warning))
            mail_values[key] = body
            if "body" in mail_values:
                mail_values["body"] = body
        return values

    def _fx_needs_risk_warning(self):
        mailing = self.mass_mailing_id
        return (
            self.composition_mode == "mass_mail"
            and self.model == "res.partner"
            and mailing
            and not mailing.fx_is_transactional
        )
