"""The platform bridge's API of the referral programme (XML-RPC), see README,
"fx_referrals: integrators"."""

from odoo import api, models
from odoo.exceptions import AccessError, ValidationError

MAX_PULL = 1000


class FxReferralApi(models.AbstractModel):
    _name = "fx.referral.api"
    _description = "Referral Programme API"

    def _check_caller(self):
        user = self.env.user
        if not (
            self.env.su
            or user.has_group("fx_engagement.group_fx_integration")
            or user.has_group("fx_referrals.group_fx_referral_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only members of the group 'FX Integration' (or referral "
                    "managers) may call the referral API; user %s is not one.",
                    user.login,
                )
            )

    def _check_limit(self, limit):
        if (
            not isinstance(limit, int)
            or isinstance(limit, bool)
            or not (0 < limit <= MAX_PULL)
        ):
            raise ValidationError(
                self.env._("limit: expected a whole number from 1 to %s.", MAX_PULL)
            )

    @api.model
    def pull_bonus_requests(self, limit=100):
        """Approved reward redemptions waiting for the platform, oldest first."""
        self._check_caller()
        self._check_limit(limit)
        return self.env["fx.reward.redemption"]._fx_pull(limit)

    @api.model
    def ack_bonus_requests(self, acks):
        """Acknowledge pulled redemptions: ``[{"id": 7, "status": "executed",
        "ref": "BON-1"}, {"id": 8, "status": "rejected", "message": "..."}]``."""
        self._check_caller()
        return self.env["fx.reward.redemption"]._fx_ack(acks)

    @api.model
    def pull_ib_payouts(self, limit=100):
        """Confirmed IB statements waiting for payment, oldest first."""
        self._check_caller()
        self._check_limit(limit)
        return self.env["fx.ib.statement"]._fx_pull(limit)

    @api.model
    def ack_ib_payouts(self, acks):
        """``[{"id": 3, "status": "paid", "ref": "PAY-9"}]`` (or ``rejected``)."""
        self._check_caller()
        return self.env["fx.ib.statement"]._fx_ack(acks)
