from odoo import fields, models


class FxReferralReject(models.TransientModel):
    _name = "fx.referral.reject"
    _description = "Reject with a Reason"

    referral_ids = fields.Many2many("fx.referral")
    redemption_ids = fields.Many2many("fx.reward.redemption")
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.ensure_one()
        if self.referral_ids:
            self.referral_ids.action_fx_reject(self.reason)
        if self.redemption_ids:
            self.redemption_ids.action_fx_refuse(self.reason)
        return {"type": "ir.actions.act_window_close"}
