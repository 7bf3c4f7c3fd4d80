from odoo import models

from .fx_campaign_step import MESSAGE_ACTIONS
from .res_partner_compliance import MARKETING


class FxCampaignStep(models.Model):
    _inherit = "fx.campaign.step"

    def _fx_compliance_kind(self):
        """What the compliance rules judge at this step: ``marketing`` for a
        marketing message, ``bonus`` for a bonus offer, None otherwise
        (transactional messages and staff actions are not restricted)."""
        self.ensure_one()
        if self.action_type in MESSAGE_ACTIONS:
            return None if self.is_transactional else MARKETING
        if self.action_type == "bonus":
            return "bonus"
        return None

    def _fx_promotes_binary_options(self):
        return self.campaign_id.fx_promotes_binary_options

    def _fx_audit_what(self):
        """The audit trail's description of what this step sends or grants."""
        self.ensure_one()
        if self.action_type == "bonus":
            return self.env._(
                "%(description)s: %(amount)s %(currency)s",
                description=self.bonus_description or self.name,
                amount=self.bonus_amount,
                currency=(self.currency_id or self.env.company.currency_id).name,
            )
        return self.mailing_id.subject or self.subject or self.name

    def _fx_compliance_gate(self, participants, now):
        """The participants the compliance rules let through this step
        (docs/COMPLIANCE.md#rules), set-based. The others are recorded on
        their journey as blocked with the rule ("blocked by rule X") and in the
        audit trail, and go on to the next step; the bonus offers allowed are
        recorded as granted."""
        self.ensure_one()
        kind = self._fx_compliance_kind()
        if not kind or not participants:
            return participants
        partners = participants.partner_id
        if kind == MARKETING:
            reasons = partners._fx_marketing_decide(
                self.action_type,
                binary_options=self._fx_promotes_binary_options(),
                origin=self,
            )
        else:
            _allowed, _blocked, reasons = partners._fx_incentive_decide(
                kind, origin=self
            )
        if not reasons:
            return participants
        blocked = participants.filtered(lambda p: p.partner_id.id in reasons)
        by_reason = blocked.grouped(lambda p: reasons[p.partner_id.id])
        Log = self.env["fx.campaign.log"]
        for reason, group in by_reason.items():
            Log._fx_record(group, self, "blocked", reason[:255])
        blocked._fx_advance(self, now)
        return participants - blocked
