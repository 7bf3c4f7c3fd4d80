from odoo import fields, models

from .res_partner import REFERRAL_READ


class FxClientEvent(models.Model):
    _inherit = "fx.client.event"

    # stored by push_events (fx.sync._push_declaration), kept even when it
    # matches no referrer
    referral_code = fields.Char(
        help="Referral code sent with the registration, as sent (kept even when "
        "it matches no referrer).",
        groups=REFERRAL_READ,
    )
