from odoo.tests import freeze_time

from .test_campaign import CampaignCase


@freeze_time("2026-11-23 10:00:00")
class TestCampaignSeenList(CampaignCase):
    """A campaign's send reads Odoo's duplicate guard (the addresses a mailing
    already reached) for the batch's addresses only: the same answer for them."""

    def test_seen_list_for_a_batch_is_odoos_for_its_addresses(self):
        campaign = self.campaign([{"action_type": "email", "subject": "Hello"}])
        ann, bob, twin, cem = self.register("ann", "bob", "twin", "cem")
        twin.email = "ann@example.com"  # shares ann's address
        campaign._fx_process()
        mailing = campaign.step_ids.mailing_id
        everything = mailing._get_seen_list()  # Odoo's own query
        self.assertEqual(
            everything, {"ann@example.com", "bob@example.com", "cem@example.com"}
        )
        for batch, expected in (
            (twin, {"ann@example.com"}),
            (twin | bob, {"ann@example.com", "bob@example.com"}),
            (self.env["res.partner"], set()),
        ):
            with self.subTest(batch=batch.mapped("name")):
                seen = mailing.with_context(fx_seen_res_ids=batch.ids)._get_seen_list()
                self.assertEqual(seen, expected)
                self.assertLessEqual(seen, everything)
        # outside a campaign's send, Odoo's query is untouched
        self.assertEqual(
            mailing.with_context(fx_seen_res_ids=None)._get_seen_list(), everything
        )
