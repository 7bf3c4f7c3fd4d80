from odoo import models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        """The "done activity" trigger of the feedback surveys: a done activity
        on a trader (or on an opportunity of a trader) asks them, once per
        activity (its done message is the origin)."""
        messages, next_activities = super()._action_done(
            feedback=feedback, attachment_ids=attachment_ids
        )
        Request = self.env["fx.feedback.request"]
        survey = Request._fx_trigger_survey("activity")
        if survey and messages:
            # who the activity was about: reading the trader behind the done
            # activity is system work (the user marking it done may be any
            # employee); the request is made for these traders only
            targets = []
            for message in messages.sudo():
                if message.model == "res.partner":
                    partner = self.env["res.partner"].sudo().browse(message.res_id)
                elif message.model == "crm.lead":
                    partner = self.env["crm.lead"].sudo().browse(message.res_id)
                    partner = partner.partner_id
                else:
                    continue
                if partner:
                    targets.append((partner, message))
            if targets:
                Request._fx_send(survey, targets, "activity", cooldown=True)
        return messages, next_activities
