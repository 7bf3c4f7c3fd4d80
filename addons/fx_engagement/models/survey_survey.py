from odoo import fields, models

from ..lib.feedback import response_rate
from .res_partner import FX_READ

FEEDBACK_KINDS = [
    ("csat", "CSAT (1-5)"),
    ("ces", "CES (1-7)"),
    ("nps", "NPS (0-10)"),
]


class SurveySurvey(models.Model):
    _inherit = "survey.survey"

    fx_feedback_kind = fields.Selection(
        FEEDBACK_KINDS,
        string="Feedback KPI",
        help="The survey measures this KPI: its first scale question is the "
        "score (docs/METRICS.md). Surveys sent to traders by campaigns and "
        "feedback triggers need one.",
    )
    fx_request_count = fields.Integer(
        string="Feedback Requests",
        compute="_compute_fx_feedback_stats",
        groups=FX_READ,
    )
    fx_response_count = fields.Integer(
        string="Feedback Responses",
        compute="_compute_fx_feedback_stats",
        groups=FX_READ,
    )
    fx_response_rate = fields.Float(
        string="Response Rate (%)",
        compute="_compute_fx_feedback_stats",
        digits=(16, 1),
        groups=FX_READ,
        help="Completed answers / requests sent x 100, over the requests the "
        "viewer may see; empty when none was sent.",
    )

    def _compute_fx_feedback_stats(self):
        groups = {
            (survey, state): count
            for survey, state, count in self.env["fx.feedback.request"]._read_group(
                [("survey_id", "in", self.ids)], ["survey_id", "state"], ["__count"]
            )
        }
        for survey in self:
            sent = sum(n for (s, _state), n in groups.items() if s == survey)
            done = groups.get((survey, "done"), 0)
            survey.fx_request_count = sent
            survey.fx_response_count = done
            survey.fx_response_rate = response_rate(done, sent) or False
