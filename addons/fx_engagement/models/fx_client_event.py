from odoo import fields, models

EVENT_TYPES = [
    ("registration", "Registration"),
    ("login", "Login"),
    ("kyc", "KYC Status Change"),
]


class FxClientEvent(models.Model):
    _name = "fx.client.event"
    _description = "Client Event"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Trader", required=True, index=True, ondelete="cascade"
    )
    event_type = fields.Selection(EVENT_TYPES, string="Type", required=True)
    date = fields.Datetime(required=True)
    kyc_status = fields.Selection(
        [("pending", "Pending"), ("approved", "Approved"), ("rejected", "Rejected")],
        string="KYC Status",
    )
    reason = fields.Char(help="Why the KYC was rejected, as the provider says.")
    country_code = fields.Char(string="Country")
    kyc_document_ref = fields.Char(
        string="KYC Document ID",
        help="Number of the identity document, as the KYC provider sent it; the "
        "latest one is kept on the trader (duplicate detection).",
    )

    _sql_constraints = [
        (
            "event_unique",
            "UNIQUE(partner_id, event_type, date)",
            "This event is already recorded.",
        ),
        # the sync API's rules, for every other path too (see README)
        (
            "date_range",
            "CHECK(date >= '1990-01-01' AND date < '2100-01-01')",
            "The date of a client event must be between 1990 and 2099.",
        ),
        (
            "kyc_status_required",
            "CHECK(event_type <> 'kyc' OR kyc_status IS NOT NULL)",
            "A KYC event needs its KYC status.",
        ),
    ]
