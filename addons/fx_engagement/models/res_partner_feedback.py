"""The trader's feedback KPIs (last score and 90-day average of CSAT, CES and
NPS), the onboarding trigger of the feedback surveys and the channel
timeline's smart button."""

from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .fx_feedback_request import ROLLING_DAYS
from .res_partner import FX_READ

# computed from the answers, written in SQL by the system only
FEEDBACK_FIELDS = frozenset(
    f"fx_{kind}_{what}"
    for kind in ("csat", "ces", "nps")
    for what in ("last", "last_date", "avg_90d", "count_90d")
)
# a trader reaching these stages from an earlier one has completed onboarding
ONBOARDED = ("funded", "active")
ONBOARDED_OR_LATER = ("funded", "active", "dormant", "churned")
# the onboarding survey asks traders whose first deposit is this recent
ONBOARDING_RECENT_DAYS = 2

# the feedback part of the model, kept apart from the main file (its own part)
# pylint: disable=consider-merging-classes-inherited


class ResPartner(models.Model):
    _inherit = "res.partner"

    fx_csat_last = fields.Integer(
        string="Last CSAT", readonly=True, groups=FX_READ, help="Latest CSAT (1-5)."
    )
    fx_csat_last_date = fields.Datetime(
        string="Last CSAT Date", readonly=True, groups=FX_READ
    )
    fx_csat_avg_90d = fields.Float(
        string="CSAT 90-Day Average",
        readonly=True,
        digits=(16, 2),
        groups=FX_READ,
        help="Mean CSAT answer (1-5) of the last 90 days.",
    )
    fx_csat_count_90d = fields.Integer(
        string="CSAT Answers (90 days)", readonly=True, groups=FX_READ
    )
    fx_ces_last = fields.Integer(
        string="Last CES", readonly=True, groups=FX_READ, help="Latest CES (1-7)."
    )
    fx_ces_last_date = fields.Datetime(
        string="Last CES Date", readonly=True, groups=FX_READ
    )
    fx_ces_avg_90d = fields.Float(
        string="CES 90-Day Average",
        readonly=True,
        digits=(16, 2),
        groups=FX_READ,
        help="Mean CES answer (1-7) of the last 90 days.",
    )
    fx_ces_count_90d = fields.Integer(
        string="CES Answers (90 days)", readonly=True, groups=FX_READ
    )
    fx_nps_last = fields.Integer(
        string="Last NPS Score",
        readonly=True,
        groups=FX_READ,
        help="Latest likelihood-to-recommend answer (0-10).",
    )
    fx_nps_last_date = fields.Datetime(
        string="Last NPS Date", readonly=True, groups=FX_READ
    )
    fx_nps_avg_90d = fields.Float(
        string="NPS Score 90-Day Average",
        readonly=True,
        digits=(16, 2),
        groups=FX_READ,
        help="Mean likelihood-to-recommend answer (0-10) of the last 90 days.",
    )
    fx_nps_count_90d = fields.Integer(
        string="NPS Answers (90 days)", readonly=True, groups=FX_READ
    )
    fx_feedback_count = fields.Integer(
        string="Feedback", compute="_compute_fx_feedback_count", groups=FX_READ
    )
    fx_touch_count = fields.Integer(
        string="Touches", compute="_compute_fx_feedback_count", groups=FX_READ
    )

    def _compute_fx_feedback_count(self):
        feedback = dict(
            self.env["fx.feedback"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        touches = dict(
            self.env["fx.channel.touch"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.fx_feedback_count = feedback.get(partner, 0)
            partner.fx_touch_count = touches.get(partner, 0)

    def _fx_check_write_access(self, fnames):
        refused = set(fnames) & FEEDBACK_FIELDS
        if refused and not self.env.su:
            raise AccessError(
                self.env._(
                    "You may not change %(fields)s: feedback scores are computed "
                    "from the traders' survey answers.",
                    fields=", ".join(
                        self._fields[name].string for name in sorted(refused)
                    ),
                )
            )
        return super()._fx_check_write_access(fnames)

    # ------------------------------------------------------------- KPIs
    def _fx_recompute_feedback_scores(self, all_traders=False):
        """One UPDATE of the feedback KPIs of these traders (or of every
        trader with answers, or with KPIs to clear: ``all_traders``) from their
        answered requests (docs/METRICS.md#trader-feedback-scores)."""
        now = fields.Datetime.now()
        self.env["fx.feedback.request"].flush_model()
        if all_traders:
            targets = SQL(
                "(SELECT partner_id AS id FROM fx_feedback_request "
                "WHERE state = 'done' AND has_score "
                "UNION SELECT id FROM res_partner "
                "WHERE fx_csat_count_90d > 0 OR fx_ces_count_90d > 0 "
                "OR fx_nps_count_90d > 0)"
            )
        else:
            if not self.ids:
                return
            targets = SQL("(SELECT unnest(%s::int4[]) AS id)", self.ids)
        per_kind = []
        for kind in ("csat", "ces", "nps"):
            per_kind.append(
                SQL(
                    """
                    (array_agg(r.score ORDER BY r.answered_date DESC, r.id DESC)
                        FILTER (WHERE r.kind = %(kind)s))[1] AS %(last)s,
                    max(r.answered_date) FILTER (WHERE r.kind = %(kind)s)
                        AS %(last_date)s,
                    round(avg(r.score) FILTER (WHERE r.kind = %(kind)s
                        AND r.answered_date >= %(since)s), 2) AS %(avg)s,
                    count(*) FILTER (WHERE r.kind = %(kind)s
                        AND r.answered_date >= %(since)s) AS %(count)s
                    """,
                    kind=kind,
                    since=now - timedelta(days=ROLLING_DAYS),
                    last=SQL.identifier(f"fx_{kind}_last"),
                    last_date=SQL.identifier(f"fx_{kind}_last_date"),
                    avg=SQL.identifier(f"fx_{kind}_avg_90d"),
                    count=SQL.identifier(f"fx_{kind}_count_90d"),
                )
            )
        names = sorted(FEEDBACK_FIELDS)
        sets = SQL(", ").join(
            SQL(
                "%s = %s",
                SQL.identifier(name),
                SQL("coalesce(s.%s, 0)", SQL.identifier(name))
                if name.endswith("_count_90d")
                else SQL.identifier("s", name),
            )
            for name in names
        )
        self.env.cr.execute(
            SQL(
                """
                WITH t AS %(targets)s,
                s AS (
                    SELECT t.id, %(aggregates)s
                      FROM t LEFT JOIN fx_feedback_request r
                        ON r.partner_id = t.id AND r.state = 'done' AND r.has_score
                     GROUP BY t.id
                )
                UPDATE res_partner p SET %(sets)s
                  FROM s WHERE p.id = s.id
                   AND (%(old)s) IS DISTINCT FROM (%(new)s)
                """,
                targets=targets,
                aggregates=SQL(", ").join(per_kind),
                sets=sets,
                old=SQL(", ").join(SQL.identifier("p", n) for n in names),
                new=SQL(", ").join(
                    SQL("coalesce(s.%s, 0)", SQL.identifier(n))
                    if n.endswith("_count_90d")
                    else SQL.identifier("s", n)
                    for n in names
                ),
            )
        )
        self.env["res.partner"].invalidate_model(list(FEEDBACK_FIELDS))

    def _fx_followup_user(self):
        """Who follows up this trader's negative feedback: the salesperson,
        else the sales team's leader, else the administrator."""
        self.ensure_one()
        return (
            self.user_id
            or self.team_id.user_id
            or self.env.ref("base.user_admin", raise_if_not_found=False)
            or self.env.user
        )

    # ------------------------------------------------------------- triggers
    def _fx_write_stage_changes(self, changes, now):
        result = super()._fx_write_stage_changes(changes, now)
        onboarded = [
            partner_id
            for partner_id, old, new in changes
            if new in ONBOARDED and old not in ONBOARDED_OR_LATER
        ]
        Request = self.env["fx.feedback.request"]
        if onboarded and Request._fx_trigger_survey("onboarding"):
            # only a recent first deposit: loading a book's history onboards
            # thousands of traders at once, none of whom is asked
            since = now - timedelta(days=ONBOARDING_RECENT_DAYS)
            recent = [
                row[0]
                for row in self.env.execute_query(
                    SQL(
                        "SELECT id FROM res_partner WHERE id = ANY(%s) "
                        "AND fx_ftd_date >= %s ORDER BY id",
                        onboarded,
                        since,
                    )
                )
            ]
            Request._fx_on_interaction("onboarding", self.browse(recent))
        return result

    # ------------------------------------------------------------- actions
    def action_fx_view_feedback(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fx_engagement.fx_feedback_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_fx_view_touches(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fx_engagement.fx_channel_touch_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {}
        return action

    def _fx_scores(self):
        return super()._fx_scores() | FEEDBACK_FIELDS
