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
    # compared with the referrer's to detect self-referrals and bursts
    # (docs/REFERRALS.md#anti-fraud); staff only
    ip_address = fields.Char(
        string="IP Address", index="btree_not_null", groups=REFERRAL_READ
    )
    device_id = fields.Char(
        string="Device Fingerprint",
        index="btree_not_null",
        help="Opaque device fingerprint from the registration site or app.",
        groups=REFERRAL_READ,
    )
    kyc_identity = fields.Char(
        string="KYC Identity",
        index="btree_not_null",
        help="Opaque hash of the identity document checked by the KYC provider.",
        groups=REFERRAL_READ,
    )
    referral_token = fields.Char(
        help="The referral link's cookie value, forwarded by the registration site.",
        groups=REFERRAL_READ,
    )
