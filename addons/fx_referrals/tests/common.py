from odoo.tests import new_test_user

from odoo.addons.fx_engagement.tests.common import SyncCase

T0 = "2026-11-10 12:00:00"


class ReferralCase(SyncCase):
    """The default programme with known thresholds and points, a referrer
    (Alice, code ALICE234) and a referral manager; trading data goes through
    the sync API as the bridge sends it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.programme = cls.env.ref("fx_referrals.fx_referral_programme_default")
        cls.programme.write(
            {
                "min_ftd_amount": 100,
                "min_lots": 1,
                "lots_days": 30,
                "hold_days": 30,
                "cap_count": 0,
                "segment_id": False,
                "date_start": False,
                "date_end": False,
            }
        )
        # the points of the data file, restated: the tests compute with them
        points = {
            "referral_registered": 10,
            "referral_funded": 50,
            "referral_qualified": 200,
            "kyc_completed": 20,
            "stop_loss_month": 30,
            "low_leverage_month": 20,
            "survey_completed": 25,
        }
        for rule in cls.programme.rule_ids:
            rule.points = points[rule.event_code]
        cls.env["fx.referral.level"].search([]).unlink()
        Partner = cls.env["res.partner"]
        cls.alice = Partner.create(
            {
                "name": "Alice Martin",
                "email": "alice@example.com",
                "phone": "+44 20 7946 0001",
                "fx_is_trader": True,
                "fx_client_ref": "REF-A",
                "fx_referral_code": "ALICE234",
            }
        )
        cls.manager = new_test_user(
            cls.env,
            login="ref_manager",
            groups="base.group_user,fx_referrals.group_fx_referral_manager",
        )
        cls.Entry = cls.env["fx.points.entry"]

    def register(self, client_ref, code="ALICE234", at="2026-11-01T08:00:00Z", **kw):
        event = {"type": "registration", "at": at, "client_ref": client_ref, **kw}
        if code:
            event["referral_code"] = code
        self.sync.push_events([event])
        return self.partner(client_ref)

    def referral_of(self, partner):
        return self.env["fx.referral"].search([("referee_id", "=", partner.id)])

    def ledger(self, partner):
        """[(kind, points, vested points, event)] of ``partner``, oldest first."""
        return [
            (e.kind, e.points, e.vested_points, e.event_code)
            for e in self.Entry.search([("partner_id", "=", partner.id)], order="id")
        ]
