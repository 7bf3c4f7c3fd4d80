from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import UserError


def _last_month_start():
    return fields.Date.today().replace(day=1) - relativedelta(months=1)


class FxIbCompute(models.TransientModel):
    _name = "fx.ib.compute"
    _description = "Compute IB Commissions"

    date_from = fields.Date(required=True, default=_last_month_start)
    date_to = fields.Date(
        required=True,
        default=lambda self: fields.Date.today().replace(day=1) - relativedelta(days=1),
    )

    def action_compute(self):
        """(Re)compute the period's draft statements
        (docs/REFERRALS.md#ib-commissions)."""
        self.ensure_one()
        if not self.env.user.has_group("fx_referrals.group_fx_referral_manager"):
            raise UserError(self.env._("Only referral managers compute commissions."))
        self.env["fx.ib.statement"].sudo()._fx_compute_period(
            self.date_from, self.date_to
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fx_referrals.fx_ib_statement_action"
        )
        action["domain"] = [
            ("date_from", "=", self.date_from),
            ("date_to", "=", self.date_to),
        ]
        return action
