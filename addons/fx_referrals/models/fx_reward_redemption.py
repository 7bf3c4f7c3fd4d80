"""Redemption requests (docs/REFERRALS.md#rewards): requested by the trader,
approved by a manager (compliance checked, points spent), executed by the
platform bridge (pull and acknowledge over XML-RPC)."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

REDEMPTION_STATES = [
    ("requested", "Requested"),
    ("approved", "Approved"),
    ("executed", "Executed"),
    ("failed", "Rejected by the Platform"),
    ("refused", "Refused"),
    ("blocked", "Blocked by Compliance"),
]


class FxRewardRedemption(models.Model):
    _name = "fx.reward.redemption"
    _description = "Reward Redemption"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Trader", required=True, index=True, readonly=True
    )
    reward_id = fields.Many2one("fx.reward", required=True, readonly=True)
    programme_id = fields.Many2one(related="reward_id.programme_id", store=True)
    company_id = fields.Many2one(related="reward_id.company_id", store=True)
    currency_id = fields.Many2one(related="reward_id.currency_id")
    kind = fields.Selection(related="reward_id.kind", store=True)
    points = fields.Integer(readonly=True)
    amount = fields.Monetary(readonly=True)
    state = fields.Selection(
        REDEMPTION_STATES,
        default="requested",
        required=True,
        index=True,
        tracking=True,
        readonly=True,
    )
    reason = fields.Char(
        readonly=True, help="Why it was refused, blocked or rejected by the platform."
    )
    approver_id = fields.Many2one("res.users", readonly=True)
    date_approved = fields.Datetime(readonly=True)
    entry_id = fields.Many2one("fx.points.entry", string="Spent Entry", readonly=True)
    bridge_ref = fields.Char(
        string="Platform Reference", readonly=True, help="As acknowledged."
    )
    date_done = fields.Datetime(string="Acknowledged On", readonly=True)

    @api.depends("reward_id", "partner_id")
    def _compute_display_name(self):
        for redemption in self:
            redemption.display_name = self.env._(
                "%(reward)s for %(trader)s",
                reward=redemption.reward_id.name or "",
                trader=redemption.partner_id.name or "",
            )

    @api.model
    def _fx_request(self, partner, reward):
        """A trader's request (the portal's system work): refused now when the
        spendable balance cannot pay it."""
        if not reward.active:
            raise UserError(self.env._("This reward is no longer offered."))
        vested = (
            self.env["fx.points.entry"]
            ._fx_balances([partner.id])
            .get(partner.id, (0, 0))[1]
        )
        if vested < reward.points_cost:
            raise UserError(
                self.env._(
                    "%(reward)s needs %(cost)s spendable points; you have %(have)s.",
                    reward=reward.name,
                    cost=reward.points_cost,
                    have=vested,
                )
            )
        return self.sudo().create(
            {
                "partner_id": partner.id,
                "reward_id": reward.id,
                "points": reward.points_cost,
                "amount": reward.amount,
            }
        )

    def _fx_check_manager(self):
        if not self.env.user.has_group("fx_referrals.group_fx_referral_manager"):
            raise UserError(self.env._("Only referral managers decide on rewards."))

    def action_fx_approve(self):
        """Approve requests: the compliance hook first (blocked ones recorded
        with the reason), then the points are spent from the vested balance
        (refused when it no longer pays) and the request waits for the
        platform bridge."""
        self._fx_check_manager()
        if self.filtered(lambda r: r.state != "requested"):
            raise UserError(self.env._("Only requested rewards can be approved."))
        now = fields.Datetime.now()
        Entry = self.env["fx.points.entry"].sudo()
        for redemption in self:
            partner = redemption.partner_id
            _allowed, blocked = partner._fx_incentive_check("reward", origin=redemption)
            if blocked:
                redemption.write(
                    {
                        "state": "blocked",
                        "reason": self.env._("Blocked by the incentive rules"),
                    }
                )
                continue
            # one trader's spending at a time: two approvals in parallel must
            # not both spend the same points
            self.env.cr.execute(
                SQL("SELECT pg_advisory_xact_lock(%s, %s)", 8174, partner.id)
            )
            vested = Entry._fx_balances([partner.id]).get(partner.id, (0, 0))[1]
            if vested < redemption.points:
                raise UserError(
                    self.env._(
                        "%(trader)s has %(have)s spendable points, %(cost)s needed.",
                        trader=partner.name,
                        have=vested,
                        cost=redemption.points,
                    )
                )
            entry = Entry._fx_insert(
                [
                    {
                        "partner_id": partner.id,
                        "programme_id": redemption.programme_id.id,
                        "company_id": redemption.company_id.id,
                        "kind": "spent",
                        "points": -redemption.points,
                        "vested_points": -redemption.points,
                        "res_model": redemption._name,
                        "res_id": redemption.id,
                        "event_code": "reward",
                        "reason": redemption.reward_id.name,
                    }
                ]
            )
            redemption.write(
                {
                    "state": "approved",
                    "approver_id": self.env.uid,
                    "date_approved": now,
                    "entry_id": entry.id,
                }
            )
        return True

    def action_fx_refuse(self, reason=None):
        self._fx_check_manager()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for the refusal."))
        if self.filtered(lambda r: r.state != "requested"):
            raise UserError(self.env._("Only requested rewards can be refused."))
        self.write({"state": "refused", "reason": reason, "approver_id": self.env.uid})
        return True

    def action_fx_open_refuse(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": "fx.referral.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"default_redemption_ids": self.ids},
        }

    # ------------------------------------------------------------ the bridge
    @api.model
    def _fx_pull(self, limit):
        """Approved requests not acknowledged yet, oldest first."""
        requests = self.sudo().search(
            [("state", "=", "approved")], order="id", limit=limit
        )
        return [
            {
                "id": r.id,
                "client_ref": r.partner_id.fx_client_ref or False,
                "kind": r.kind,
                "amount": r.amount,
                "currency": r.currency_id.name,
                "points": r.points,
                "reward": r.reward_id.name,
            }
            for r in requests
        ]

    @api.model
    def _fx_ack(self, acks):
        """Acknowledge ``acks`` (``{"id", "status": "executed"|"rejected",
        "ref", "message"}``): the whole batch is checked first; a rejected
        request gets its points back (a *reversed* entry of the spending)."""
        if not isinstance(acks, list):
            raise ValidationError(self.env._("Expected a list of acknowledgements."))
        errors = []
        ids = []
        for index, ack in enumerate(acks):
            if not isinstance(ack, dict):
                errors.append(self.env._("record %s: expected an object", index))
                continue
            if ack.get("status") not in ("executed", "rejected"):
                errors.append(
                    self.env._(
                        "record %(i)s, field 'status': expected executed or "
                        "rejected",
                        i=index,
                    )
                )
            if not isinstance(ack.get("id"), int) or isinstance(ack.get("id"), bool):
                errors.append(
                    self.env._("record %s, field 'id': expected a number", index)
                )
            else:
                ids.append(ack["id"])
            for key in ("ref", "message"):
                if ack.get(key) is not None and not isinstance(ack[key], str):
                    errors.append(
                        self.env._(
                            "record %(i)s, field '%(k)s': expected a string",
                            i=index,
                            k=key,
                        )
                    )
        if len(set(ids)) != len(ids):
            errors.append(self.env._("the same request is acknowledged twice"))
        found = self.sudo().browse(ids).exists()
        for rid in set(ids) - set(found.ids):
            errors.append(self.env._("request %s: unknown", rid))
        for redemption in found.filtered(lambda r: r.state != "approved"):
            errors.append(
                self.env._(
                    "request %(id)s: not waiting for the platform (%(state)s)",
                    id=redemption.id,
                    state=redemption.state,
                )
            )
        if errors:
            raise ValidationError(
                self.env._("Acknowledgement refused, nothing was written:")
                + "\n"
                + "\n".join(errors)
            )
        now = fields.Datetime.now()
        Entry = self.env["fx.points.entry"].sudo()
        for ack in acks:
            redemption = self.sudo().browse(ack["id"])
            if ack["status"] == "executed":
                redemption.write(
                    {
                        "state": "executed",
                        "bridge_ref": ack.get("ref"),
                        "date_done": now,
                    }
                )
                continue
            entry = redemption.entry_id
            Entry._fx_insert(
                [
                    {
                        "partner_id": entry.partner_id.id,
                        "programme_id": entry.programme_id.id,
                        "company_id": entry.company_id.id,
                        "kind": "reversed",
                        "points": -entry.points,
                        "vested_points": -entry.vested_points,
                        "origin_entry_id": entry.id,
                        "res_model": redemption._name,
                        "res_id": redemption.id,
                        "event_code": "reward",
                        "reason": ack.get("message")
                        or self.env._("Rejected by the platform"),
                    }
                ]
            )
            redemption.write(
                {
                    "state": "failed",
                    "reason": ack.get("message")
                    or self.env._("Rejected by the platform"),
                    "bridge_ref": ack.get("ref"),
                    "date_done": now,
                }
            )
        return {"acknowledged": len(acks)}
