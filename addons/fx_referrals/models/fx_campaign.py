from odoo import fields, models


class FxCampaign(models.Model):
    _inherit = "fx.campaign"

    # A campaign trigger raised by referral programmes: a campaign with it
    # enrols the traders passed to
    # env["fx.campaign"]._fx_trigger_event("referral_converted", partner_ids)
    # (docs/METRICS.md#campaign-triggers). Without fx_referrals such campaigns
    # have no trigger event and enrol no one.
    event_type = fields.Selection(
        selection_add=[("referral_converted", "Referral converted")],
        ondelete={"referral_converted": "set null"},
    )
