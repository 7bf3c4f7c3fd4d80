"""The feedback log: what traders say, from any channel, and its follow-up.

Negative feedback (and a detractor NPS answer, see fx.feedback.request) opens
a follow-up activity for the trader's salesperson, deduplicated: **at most one
open follow-up per trader**. A negative item arriving while the trader's
follow-up is still open is attached to it (no second activity); each item is
handled once (``is_followup_handled``), so re-sending the same feedback over
the API, editing it, or re-saving it never opens another. Once the follow-up
is done, the next negative item opens a new one (docs/METRICS.md#follow-up).
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

CHANNELS = [
    ("email", "E-mail"),
    ("sms", "SMS"),
    ("phone", "Phone"),
    ("chat", "Chat"),
    ("social", "Social media"),
    ("app_store", "App store"),
    ("web", "Web"),
    ("other", "Other"),
]
SENTIMENTS = [
    ("positive", "Positive"),
    ("neutral", "Neutral"),
    ("negative", "Negative"),
]
FOLLOWUP_TYPE = "fx_engagement.mail_activity_type_fx_feedback_followup"


class FxFeedback(models.Model):
    _name = "fx.feedback"
    _description = "Trader Feedback"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _rec_name = "summary"

    partner_id = fields.Many2one(
        "res.partner", string="Trader", required=True, index=True, ondelete="cascade"
    )
    user_id = fields.Many2one(
        related="partner_id.user_id", string="Salesperson", store=True, index=True
    )
    team_id = fields.Many2one(
        related="partner_id.team_id", string="Sales Team", store=True
    )
    company_id = fields.Many2one(related="partner_id.company_id", store=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    channel = fields.Selection(CHANNELS, required=True, default="phone")
    sentiment = fields.Selection(SENTIMENTS, tracking=True)
    summary = fields.Char(compute="_compute_summary")
    body = fields.Text(string="Feedback", required=True)
    source = fields.Char(
        default="staff",
        required=True,
        help="Who recorded it: 'staff', or the system that pushed it over the API "
        "(with its reference).",
    )
    ref = fields.Char(
        string="Reference", help="The pushing system's id of this feedback."
    )
    author_id = fields.Many2one(
        "res.users", string="Recorded By", default=lambda self: self.env.user
    )
    followup_activity_id = fields.Many2one(
        "mail.activity", string="Follow-up", readonly=True, ondelete="set null"
    )
    is_followup_handled = fields.Boolean(readonly=True, copy=False)
    _sql_constraints = [
        (
            "source_ref_unique",
            "UNIQUE(source, ref)",
            "This feedback reference is already recorded for this source.",
        ),
        (
            "date_range",
            "CHECK(date >= '1990-01-01' AND date < '2100-01-01')",
            "The date of a feedback must be between 1990 and 2099.",
        ),
        (
            "body_not_blank",
            "CHECK(btrim(body) <> '')",
            "A feedback needs its text.",
        ),
    ]

    @api.depends("body")
    def _compute_summary(self):
        for feedback in self:
            text = " ".join((feedback.body or "").split())
            feedback.summary = text[:80] + ("..." if len(text) > 80 else "")

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._fx_follow_up_negative()
        return records

    def write(self, vals):
        result = super().write(vals)
        if vals.get("sentiment") == "negative":
            self._fx_follow_up_negative()
        return result

    def _fx_follow_up_negative(self):
        todo = self.filtered(
            lambda f: f.sentiment == "negative" and not f.is_followup_handled
        )
        if todo:
            self._fx_follow_up(todo)

    # ------------------------------------------------------------ follow-up
    @api.model
    def _fx_follow_up(self, items):
        """Open the follow-ups of ``items`` (negative fx.feedback or detractor
        fx.feedback.request records not handled yet), at most one open per
        trader (see the module docstring); set-based: one search of the open
        follow-ups, one create of the missing ones."""
        activity_type = self.env.ref(FOLLOWUP_TYPE)
        partners = items.partner_id
        # shown in the salesperson's activities, without an assignment e-mail
        # per activity (a bulk push may open hundreds)
        Activity = (
            self.env["mail.activity"]
            .sudo()
            .with_context(mail_activity_quick_update=True)
        )
        open_by_partner = {
            activity.res_id: activity
            for activity in Activity.search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", partners.ids),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
        }
        missing = partners.filtered(lambda p: p.id not in open_by_partner)
        if missing:
            deadline = fields.Date.context_today(self) + timedelta(
                days=activity_type.delay_count or 1
            )
            model_id = self.env["ir.model"]._get_id("res.partner")
            first_item = {}
            for item in items:
                first_item.setdefault(item.partner_id.id, item)
            # the salesperson's to-do, whoever records the feedback (an FX
            # user, the integration, the public user answering a survey):
            # system work for these traders only
            created = Activity.create(
                [
                    {
                        "res_model_id": model_id,
                        "res_id": partner.id,
                        "activity_type_id": activity_type.id,
                        "summary": first_item[partner.id]._fx_followup_summary(),
                        "note": first_item[partner.id]._fx_followup_note(),
                        "date_deadline": deadline,
                        "user_id": partner._fx_followup_user().id,
                    }
                    for partner in missing
                ]
            )
            open_by_partner.update(zip(missing.ids, created, strict=True))
        for partner_id, group in items.grouped(lambda i: i.partner_id.id).items():
            group.sudo().write(
                {
                    "followup_activity_id": open_by_partner[partner_id].id,
                    "is_followup_handled": True,
                }
            )

    def _fx_followup_summary(self):
        self.ensure_one()
        return self.env._("Negative feedback: follow up")

    def _fx_followup_note(self):
        self.ensure_one()
        return self.body

    @api.model
    def _fx_count_open_followups(self, partner_ids):
        """{partner_id: open follow-up activities} (tests and reports)."""
        activity_type = self.env.ref(FOLLOWUP_TYPE)
        self.env["mail.activity"].flush_model()
        return dict(
            self.env.execute_query(
                SQL(
                    "SELECT res_id, count(*) FROM mail_activity "
                    "WHERE res_model = 'res.partner' AND res_id = ANY(%s) "
                    "AND activity_type_id = %s AND active GROUP BY res_id",
                    list(partner_ids),
                    activity_type.id,
                )
            )
        )
