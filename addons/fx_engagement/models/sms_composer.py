from odoo import models

from ..lib.compliance import append_text, carries_warning


class SmsComposer(models.TransientModel):
    _inherit = "sms.composer"

    def _prepare_body_values(self, records):
        """Marketing SMS of a mass mailing to traders carry the short risk
        warning of each trader's rule set, in the trader's language, unless
        the text already contains it (docs/COMPLIANCE.md#risk-warning)."""
        bodies = super()._prepare_body_values(records)
        mailing = self.mailing_id
        if (
            self.composition_mode != "mass"
            or records._name != "res.partner"
            or not mailing
            or mailing.fx_is_transactional
        ):
            return bodies
        for res_id, warning in records._fx_risk_warnings("sms").items():
            body = bodies.get(res_id) or ""
            if not carries_warning(body, warning):
                bodies[res_id] = append_text(body, warning)
        return bodies
