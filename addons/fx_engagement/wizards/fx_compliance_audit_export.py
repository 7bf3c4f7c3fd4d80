from urllib.parse import urlencode

from odoo import fields, models
from odoo.exceptions import ValidationError


class FxComplianceAuditExport(models.TransientModel):
    _name = "fx.compliance.audit.export"
    _description = "Export of the Compliance Audit Trail"

    date_from = fields.Date(string="From")
    date_to = fields.Date(string="To")
    partner_id = fields.Many2one("res.partner", string="Client")
    campaign_id = fields.Many2one("fx.campaign")

    def action_export(self):
        """The CSV of the audit entries matching the filters, streamed by
        the server (``/fx_engagement/compliance/audit.csv``)."""
        self.ensure_one()
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValidationError(self.env._("The period ends before it starts."))
        params = {
            key: value
            for key, value in (
                ("date_from", self.date_from and fields.Date.to_string(self.date_from)),
                ("date_to", self.date_to and fields.Date.to_string(self.date_to)),
                ("partner_id", self.partner_id.id or None),
                ("campaign_id", self.campaign_id.id or None),
            )
            if value
        }
        return {
            "type": "ir.actions.act_url",
            "url": "/fx_engagement/compliance/audit.csv?" + urlencode(params),
            "target": "self",
        }
