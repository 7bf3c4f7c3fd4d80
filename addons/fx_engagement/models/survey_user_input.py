from odoo import models


class SurveyUserInput(models.Model):
    _inherit = "survey.user_input"

    def _mark_done(self):
        result = super()._mark_done()
        # the trader answers as the public user: recording the score on the
        # feedback request (and the trader's KPIs) is system work, limited to
        # the requests of these answers
        self.env["fx.feedback.request"].sudo()._fx_on_answers_done(self.ids)
        return result
