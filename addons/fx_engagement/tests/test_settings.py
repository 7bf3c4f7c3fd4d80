from odoo.tests import Form, TransactionCase


class TestSettings(TransactionCase):
    def test_zero_is_kept_where_it_means_something(self):
        form = Form(self.env["res.config.settings"])
        form.fx_cap_messages = 0  # no cap
        form.fx_quiet_start = 0.0  # quiet from midnight
        form.fx_quiet_end = 6.0
        form.fx_sync_inline_limit = 0  # every push queued
        form.save().execute()
        get = self.env["ir.config_parameter"].sudo().get_param
        self.assertEqual(get("fx_engagement.cap_messages"), "0")
        self.assertEqual(get("fx_engagement.quiet_start"), "0")
        Participant = self.env["fx.campaign.participant"]
        self.assertEqual(Participant._fx_cap()[0], 0)
        self.assertEqual(Participant._fx_quiet_hours(), (0.0, 6.0))
        self.assertEqual(self.env["fx.sync"]._inline_limit(), 0)
        # and the settings screen shows them as saved, not the defaults
        form = Form(self.env["res.config.settings"])
        self.assertEqual((form.fx_cap_messages, form.fx_quiet_start), (0, 0.0))
