"""The campaign trigger fx_referrals adds to fx_engagement's campaigns."""

from odoo.tests import freeze_time

from odoo.addons.fx_engagement.tests.test_campaign import T0, CampaignCase


@freeze_time(T0)
class TestReferralConvertedTrigger(CampaignCase):
    def test_referral_converted_enrols_the_traders_passed(self):
        ann, bob = self.register("ann", "bob", at="2026-10-01T09:00:00Z")
        # events raised by other modules (e.g. a converted referral); moved
        # from fx_engagement's test_trading_events
        referral = self.campaign(
            [{"action_type": "email"}], event_type="referral_converted"
        )
        self.assertEqual(
            self.env["fx.campaign"]._fx_trigger_event("referral_converted", ann.ids), 1
        )
        self.assertEqual(referral.participant_ids.partner_id, ann)
        # a run enrols no one by itself: the event has no query, only the hook
        referral._fx_process()
        self.assertEqual(referral.participant_ids.partner_id, ann)
        # re-entry "never": ann does not enter twice, bob enters when raised
        self.assertEqual(
            self.env["fx.campaign"]._fx_trigger_event(
                "referral_converted", (ann | bob).ids
            ),
            1,
        )
        self.assertEqual(referral.participant_ids.partner_id, ann | bob)
        # a paused campaign is not triggered
        referral.action_pause()
        cem = self.register("cem")[0]
        self.assertEqual(
            self.env["fx.campaign"]._fx_trigger_event("referral_converted", cem.ids), 0
        )
        self.assertEqual(referral.participant_ids.partner_id, ann | bob)

    def test_the_trigger_is_declared_by_fx_referrals(self):
        value = self.env.ref(
            "fx_referrals.selection__fx_campaign__event_type__referral_converted"
        )
        self.assertEqual(value.value, "referral_converted")
        self.assertFalse(
            self.env.ref(
                "fx_engagement.selection__fx_campaign__event_type__referral_converted",
                raise_if_not_found=False,
            )
        )
        events = [
            key
            for key, _label in self.env["fx.campaign"]._fields["event_type"].selection
        ]
        self.assertEqual(
            events,
            [
                "registration",
                "kyc_approved",
                "ftd",
                "deposit",
                "withdrawal",
                "no_trade",
                "churn_risk",
                "churn_risk_crossed",
                "referral_converted",
            ],
        )
