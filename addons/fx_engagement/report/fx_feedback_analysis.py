from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.fx_feedback_request import TRIGGERS
from ..models.survey_survey import FEEDBACK_KINDS


class FxFeedbackAnalysis(models.Model):
    """Feedback KPIs per segment: each survey request once per segment its
    trader was in when it was sent (or once with no segment), with the
    per-answer values of the request, so that the mean of a column over a
    group is the group's KPI (docs/METRICS.md#feedback-and-channels)."""

    _name = "fx.feedback.analysis"
    _description = "Feedback Analysis"
    _auto = False
    _order = "sent_date desc, id desc"
    _rec_name = "survey_id"

    request_id = fields.Many2one("fx.feedback.request", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Trader", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    segment_id = fields.Many2one("fx.segment", readonly=True)
    survey_id = fields.Many2one("survey.survey", readonly=True)
    kind = fields.Selection(FEEDBACK_KINDS, readonly=True)
    trigger = fields.Selection(TRIGGERS, readonly=True)
    campaign_id = fields.Many2one("fx.campaign", readonly=True)
    sent_date = fields.Datetime(readonly=True)
    answered_date = fields.Datetime(readonly=True)
    responded_pct = fields.Float(
        string="Response Rate (%)", readonly=True, aggregator="avg"
    )
    csat_pct = fields.Float(string="CSAT (%)", readonly=True, aggregator="avg")
    ces_score = fields.Float(string="CES (mean)", readonly=True, aggregator="avg")
    ces_easy_pct = fields.Float(string="CES Easy (%)", readonly=True, aggregator="avg")
    nps_value = fields.Float(string="NPS", readonly=True, aggregator="avg")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                SELECT row_number() OVER (ORDER BY r.id, s.segment_id) AS id,
                       r.id AS request_id, r.partner_id, p.user_id, p.team_id,
                       p.company_id, s.segment_id, r.survey_id, r.kind, r.trigger,
                       r.campaign_id, r.sent_date, r.answered_date,
                       r.responded_pct, r.csat_pct, r.ces_score, r.ces_easy_pct,
                       r.nps_value
                  FROM fx_feedback_request r
                  JOIN res_partner p ON p.id = r.partner_id
                  LEFT JOIN LATERAL (
                      SELECT m.segment_id FROM fx_segment_membership m
                       WHERE m.partner_id = r.partner_id
                         AND m.date_entered <= r.sent_date
                         AND (m.date_left IS NULL OR m.date_left > r.sent_date)
                      UNION ALL
                      SELECT NULL WHERE NOT EXISTS (
                          SELECT 1 FROM fx_segment_membership m
                           WHERE m.partner_id = r.partner_id
                             AND m.date_entered <= r.sent_date
                             AND (m.date_left IS NULL OR m.date_left > r.sent_date))
                  ) s ON true
                )
                """,
                table=SQL.identifier(self._table),
            )
        )
