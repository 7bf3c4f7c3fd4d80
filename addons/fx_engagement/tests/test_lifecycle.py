from odoo.tests import freeze_time

from .common import SyncCase


class TestLifecycle(SyncCase):
    def push_event(self, kind, at, **kw):
        return self.sync.push_events(
            [{"type": kind, "at": at, "client_ref": "L1", **kw}]
        )

    def test_full_lifecycle_from_facts(self):
        with freeze_time("2026-01-01 09:00:00"):
            self.push_event("registration", "2026-01-01T08:00:00Z", name="Lina")
            trader = self.partner("L1")
            self.assertEqual(trader.fx_stage, "registered")
        with freeze_time("2026-01-02 09:00:00"):
            self.push_event("kyc", "2026-01-02T08:00:00Z", kyc_status="pending")
            self.assertEqual(trader.fx_stage, "kyc_pending")
        with freeze_time("2026-01-03 09:00:00"):
            self.push_event("kyc", "2026-01-03T08:00:00Z", kyc_status="approved")
            self.assertEqual(trader.fx_stage, "kyc_approved")
        with freeze_time("2026-01-05 09:00:00"):
            self.sync.push_accounts([self.account("7001", client_ref="L1")])
            self.assertEqual(trader.fx_stage, "kyc_approved")
            self.sync.push_fundings(
                [self.funding("D1", 250, "2026-01-05T08:00:00Z", login="7001")]
            )
            self.assertEqual(trader.fx_stage, "funded")
            self.assertEqual(str(trader.fx_stage_date), "2026-01-05 09:00:00")
        with freeze_time("2026-01-06 09:00:00"):
            self.sync.push_trades(
                [self.trade("1", "2026-01-06T08:00:00Z", login="7001")]
            )
            self.assertEqual(trader.fx_stage, "active")
        # time passes without any push: the daily job moves the trader
        with freeze_time("2026-01-27 07:00:00"):  # 20 days 23 hours after the trade
            self.env["res.partner"]._cron_fx_recompute_facts()
            self.assertEqual(trader.fx_stage, "active")
        with freeze_time("2026-01-28 09:00:00"):  # 22 days after the trade
            result = (
                self.env["fx.sync"].with_user(self.integration).action_recompute_all()
            )
            self.assertGreaterEqual(result["traders"], 1)
            self.assertEqual(trader.fx_stage, "dormant")
        with freeze_time("2026-03-08 09:00:00"):  # 61 days after trade and deposit
            self.env["res.partner"]._cron_fx_recompute_facts()
            self.assertEqual(trader.fx_stage, "churned")
        with freeze_time("2026-03-09 09:00:00"):
            self.sync.push_trades(
                [self.trade("2", "2026-03-09T08:00:00Z", login="7001")]
            )
            self.assertEqual(trader.fx_stage, "active")
        history = self.env["fx.trader.stage.history"].search(
            [("partner_id", "=", trader.id)], order="date, id"
        )
        self.assertEqual(
            [(h.stage_from, h.stage_to, str(h.date)) for h in history],
            [
                ("lead", "registered", "2026-01-01 09:00:00"),
                ("registered", "kyc_pending", "2026-01-02 09:00:00"),
                ("kyc_pending", "kyc_approved", "2026-01-03 09:00:00"),
                ("kyc_approved", "funded", "2026-01-05 09:00:00"),
                ("funded", "active", "2026-01-06 09:00:00"),
                ("active", "dormant", "2026-01-28 09:00:00"),
                ("dormant", "churned", "2026-03-08 09:00:00"),
                ("churned", "active", "2026-03-09 09:00:00"),
            ],
        )

    def test_settings_change_thresholds(self):
        with freeze_time("2026-02-01 09:00:00"):
            self.sync.push_accounts([self.account("7002", client_ref="L2")])
            self.sync.push_fundings(
                [self.funding("D2", 100, "2026-01-20T08:00:00Z", login="7002")]
            )
            self.sync.push_trades(
                [self.trade("1", "2026-01-25T08:00:00Z", login="7002")]
            )
            trader = self.partner("L2")
            self.assertEqual(trader.fx_stage, "active")
            settings = self.env["res.config.settings"].create(
                {"fx_dormant_days": 5, "fx_churn_days": 30}
            )
            settings.execute()
            self.env["res.partner"]._cron_fx_recompute_facts()
            self.assertEqual(trader.fx_stage, "dormant")
