from odoo.tests import freeze_time

from .common import SyncCase


class TestStageTracking(SyncCase):
    def test_stage_changes_are_logged_in_the_chatter(self):
        with freeze_time("2026-11-20 12:00:00"):
            self.sync.push_events(
                [
                    {
                        "type": "registration",
                        "at": "2026-11-20T09:00:00Z",
                        "client_ref": "TR1",
                        "name": "Tara",
                    }
                ]
            )
            trader = self.partner("TR1")
            self.sync.push_accounts([self.account("4001", client_ref="TR1")])
            self.sync.push_fundings(
                [self.funding("TD1", 300, "2026-11-20T11:00:00Z", login="4001")]
            )
        trackings = self.env["mail.tracking.value"].search(
            [
                ("mail_message_id.model", "=", "res.partner"),
                ("mail_message_id.res_id", "=", trader.id),
                ("field_id.name", "=", "fx_stage"),
            ],
            order="id",
        )
        self.assertEqual(
            [(t.old_value_char, t.new_value_char) for t in trackings],
            [("Lead", "Registered"), ("Registered", "Funded")],
        )
        # as the chatter shows it (Odoo's own formatting, as an FX user)
        shown = (
            trackings[-1]
            .with_user(self.env.ref("base.user_admin"))
            ._tracking_value_format()
        )
        self.assertEqual(
            [
                (v["changedField"], v["oldValue"]["value"], v["newValue"]["value"])
                for v in shown
            ],
            [("Trader Stage", "Registered", "Funded")],
        )
        message = trackings[-1].mail_message_id
        self.assertEqual(message.author_id, self.env.ref("base.partner_root"))
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(str(message.date), "2026-11-20 12:00:00")
        # a recompute that changes nothing logs nothing
        with freeze_time("2026-11-20 12:05:00"):
            trader._fx_recompute_facts()
        self.assertEqual(
            self.env["mail.tracking.value"].search_count(
                [
                    ("mail_message_id.res_id", "=", trader.id),
                    ("mail_message_id.model", "=", "res.partner"),
                    ("field_id.name", "=", "fx_stage"),
                ]
            ),
            2,
        )
