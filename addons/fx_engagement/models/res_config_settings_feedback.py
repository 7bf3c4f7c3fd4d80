from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .fx_feedback_request import TRIGGER_PARAM

SURVEY_DOMAIN = [("fx_feedback_kind", "!=", False)]
TRIGGER_FIELDS = (
    "fx_feedback_survey_activity",
    "fx_feedback_survey_deposit",
    "fx_feedback_survey_onboarding",
    "fx_feedback_survey_ticket",
)

# the feedback part of the model, kept apart from the main file (its own part)
# pylint: disable=consider-merging-classes-inherited


def _trigger_field(trigger, label, help_text):
    return fields.Many2one(
        "survey.survey",
        string=label,
        config_parameter=TRIGGER_PARAM % trigger,
        domain=SURVEY_DOMAIN,
        help=help_text,
    )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    fx_feedback_survey_activity = _trigger_field(
        "activity",
        "Survey After a Done Activity",
        "Sent to the trader when an activity on them (or on their opportunity) "
        "is marked done.",
    )
    fx_feedback_survey_deposit = _trigger_field(
        "deposit",
        "Survey After a Deposit",
        "Sent to the trader after a deposit on a live account.",
    )
    fx_feedback_survey_onboarding = _trigger_field(
        "onboarding",
        "Survey After Onboarding",
        "Sent once to a trader who becomes funded or active for the first time.",
    )
    fx_feedback_survey_ticket = _trigger_field(
        "ticket",
        "Survey After a Closed Ticket",
        "Sent when a support ticket of the trader is closed (by a helpdesk addon "
        "calling the feedback hook).",
    )

    @api.constrains(
        "fx_feedback_survey_activity",
        "fx_feedback_survey_deposit",
        "fx_feedback_survey_onboarding",
        "fx_feedback_survey_ticket",
    )
    def _check_fx_feedback_surveys(self):
        for settings in self:
            for name in TRIGGER_FIELDS:
                survey = settings[name]
                if survey and not survey.fx_feedback_kind:
                    raise ValidationError(
                        self.env._(
                            "%(setting)s: the survey %(survey)s measures no "
                            "feedback KPI; set its Feedback KPI (CSAT, CES or NPS) "
                            "first.",
                            setting=settings._fields[name].string,
                            survey=survey.display_name,
                        )
                    )
