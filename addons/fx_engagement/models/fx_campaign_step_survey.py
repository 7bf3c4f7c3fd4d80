from odoo import fields, models
from odoo.exceptions import UserError


class FxCampaignStep(models.Model):
    """The campaign step that sends a feedback survey (CSAT, CES, NPS): a
    personal link per participant, once per journey (fx.feedback.request)."""

    _inherit = "fx.campaign.step"  # pylint: disable=consider-merging-classes-inherited

    action_type = fields.Selection(
        selection_add=[("survey", "Send a feedback survey")],
        ondelete={"survey": "cascade"},
    )
    survey_id = fields.Many2one(
        "survey.survey",
        string="Feedback Survey",
        domain=[("fx_feedback_kind", "!=", False)],
        help="The CSAT, CES or NPS survey whose personal link is mailed to each "
        "participant.",
    )

    def _run_action_survey(self, participants):
        if not self.survey_id:
            raise UserError(
                self.env._("Step %s: choose the feedback survey to send.", self.name)
            )
        self.env["fx.feedback.request"]._fx_send(
            self.survey_id,
            [(participant.partner_id, participant) for participant in participants],
            "campaign",
            campaign=self.campaign_id,
        )
