from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class FxReferralProgramme(models.Model):
    _name = "fx.referral.programme"
    _description = "Referral Programme"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    is_default = fields.Boolean(
        string="Default",
        help="New referrals join the default programme (one per company).",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_start = fields.Date(string="Valid From")
    date_end = fields.Date(string="Valid Until")
    segment_id = fields.Many2one(
        "fx.segment",
        string="Eligible Referrers",
        help="Only members of this segment earn points in the programme; empty: "
        "every trader.",
    )
    description = fields.Html(translate=True, help="Shown to traders on the portal.")
    rule_ids = fields.One2many("fx.points.rule", "programme_id", string="Point Rules")
    # qualification (docs/REFERRALS.md#qualified)
    min_ftd_amount = fields.Monetary(
        string="Minimum First Deposit",
        help="In the company currency; a referee qualifies with a first deposit of "
        "at least this amount...",
    )
    min_lots = fields.Float(
        string="Minimum Lots",
        digits=(16, 2),
        help="... and at least this many lots traded on live accounts ...",
    )
    lots_days = fields.Integer(
        string="Within Days",
        default=30,
        help="... within this many days of the first deposit.",
    )
    hold_days = fields.Integer(
        string="Hold Period (days)",
        default=30,
        help="Points earned vest (can be spent) after this many days; a withdrawal "
        "or chargeback of the qualifying deposit before then reverses them.",
    )
    cap_count = fields.Integer(
        string="Cap per Referrer",
        help="Qualified referrals per referrer and period that earn points; the "
        "ones over the cap are held for review. 0: no cap.",
    )
    cap_period = fields.Selection(
        [("month", "Calendar Month"), ("year", "Calendar Year")],
        default="month",
        required=True,
    )
    point_value = fields.Monetary(
        default=0.1,
        help="What one point costs the broker (company currency), for the cost "
        "per funded referral and the points liability.",
    )
    referral_count = fields.Integer(compute="_compute_referral_count")

    _sql_constraints = [
        (
            "numbers_positive",
            "CHECK(coalesce(min_ftd_amount, 0) >= 0 AND coalesce(min_lots, 0) >= 0 "
            "AND coalesce(lots_days, 0) >= 0 AND coalesce(hold_days, 0) >= 0 "
            "AND coalesce(cap_count, 0) >= 0)",
            "Thresholds, days and caps of a programme cannot be negative.",
        ),
        (
            "dates_order",
            "CHECK(date_end IS NULL OR date_start IS NULL OR date_end >= date_start)",
            "A programme cannot end before it starts.",
        ),
    ]

    @api.constrains("is_default", "company_id", "active")
    def _check_one_default(self):
        for programme in self.filtered(lambda p: p.is_default and p.active):
            if self.search_count(
                [
                    ("is_default", "=", True),
                    ("company_id", "=", programme.company_id.id),
                    ("id", "!=", programme.id),
                ]
            ):
                raise ValidationError(
                    self.env._(
                        "Only one default referral programme per company (%s).",
                        programme.company_id.name,
                    )
                )

    def _compute_referral_count(self):
        counts = dict(
            self.env["fx.referral"]._read_group(
                [("programme_id", "in", self.ids)], ["programme_id"], ["__count"]
            )
        )
        for programme in self:
            programme.referral_count = counts.get(programme, 0)

    @api.model
    def _fx_default(self, company=None):
        company = company or self.env.company
        return self.search(
            [("is_default", "=", True), ("company_id", "=", company.id)], limit=1
        )

    def _fx_is_running(self, day):
        """Whether the programme is valid on ``day``."""
        self.ensure_one()
        return (
            self.active
            and (not self.date_start or self.date_start <= day)
            and (not self.date_end or day <= self.date_end)
        )

    def _fx_eligible(self, partners):
        """The partners the programme's segment admits (all without one)."""
        self.ensure_one()
        if not self.segment_id:
            return partners
        members = {
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT partner_id FROM fx_segment_res_partner_rel "
                    "WHERE segment_id = %s AND partner_id = ANY(%s)",
                    self.segment_id.id,
                    partners.ids,
                )
            )
        }
        return partners.filtered(lambda p: p.id in members)

    def action_view_referrals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fx_referrals.fx_referral_action"
        )
        action["domain"] = [("programme_id", "=", self.id)]
        return action

    def _fx_hold_delta(self):
        self.ensure_one()
        return timedelta(days=self.hold_days or 0)
