from odoo.tests import freeze_time

from .test_campaign import CampaignCase


class TestQuietHoursEnd(CampaignCase):
    @freeze_time("2026-11-23 07:00:00")
    def test_quiet_hours_ending_on_the_half_hour(self):
        params = self.env["ir.config_parameter"]
        params.set_param("fx_engagement.quiet_start", 21.0)
        params.set_param("fx_engagement.quiet_end", 8.5)
        campaign = self.campaign([{"action_type": "email", "subject": "Morning"}])
        [ann] = self.register("ann", at="2026-11-23T06:00:00Z")
        ann.tz = "UTC"
        campaign._fx_process()
        participant = self.participant(campaign, ann)
        # 07:00 is quiet until 08:30: the mail waits until 08:30, not 08:00
        self.assertEqual(str(participant.next_action_date), "2026-11-23 08:30:00")
        self.assertFalse(self.traces(ann))
