from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SurveySurvey(models.Model):
    _inherit = "survey.survey"

    fx_is_education = fields.Boolean(
        string="Education Course",
        help="A trader who completes it (and passes it, when it is scored) earns "
        "the responsible-behaviour points of 'Education course completed', once. "
        "Other surveys, feedback surveys included, earn no points.",
    )

    @api.constrains("fx_is_education", "fx_feedback_kind")
    def _check_fx_education_not_feedback(self):
        for survey in self:
            if survey.fx_is_education and survey.fx_feedback_kind:
                raise ValidationError(
                    self.env._(
                        "Survey %s: a feedback survey cannot be an education "
                        "course (points for feedback would bias it).",
                        survey.title,
                    )
                )
