from odoo.tests import freeze_time

from .test_campaign import CampaignCase


@freeze_time("2026-11-23 10:00:00")
class TestDemoMoneyTriggersNothing(CampaignCase):
    def demo_deposit(self, name, amount, at):
        login = f"DEMO-{name}"
        self.sync.push_accounts(
            [self.account(login, client_ref=f"R-{name}", type="demo")]
        )
        self.sync.push_fundings(
            [self.funding(f"DD-{name}-{at}", amount, at, login=login)]
        )

    def test_demo_deposit_is_not_a_first_deposit(self):
        ftd = self.campaign([{"action_type": "email"}], event_type="ftd")
        deposit = self.campaign(
            [{"action_type": "email"}], event_type="deposit", name="Any deposit"
        )
        [ann] = self.register("ann")
        for campaign in (ftd, deposit):
            campaign._fx_process()
        with freeze_time("2026-11-23 11:00:00"):
            self.demo_deposit("ann", 10000, "2026-11-23T10:30:00Z")
            for campaign in (ftd, deposit):
                campaign._fx_process()
        self.assertFalse(ftd.participant_ids)
        self.assertFalse(deposit.participant_ids)
        # her first real deposit, after the demo one, is her first deposit
        with freeze_time("2026-11-23 12:00:00"):
            self.fund("ann", 250, "2026-11-23T11:30:00Z")
            for campaign in (ftd, deposit):
                campaign._fx_process()
        self.assertEqual(ftd.participant_ids.partner_id, ann)
        self.assertEqual(deposit.participant_ids.partner_id, ann)
