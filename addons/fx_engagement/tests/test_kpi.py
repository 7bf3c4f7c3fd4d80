"""Trader KPIs, churn alert and daily snapshots on a small fixed book
(docs/METRICS.md#trader-kpis, #churn-alert, #kpi-snapshots); every expected
value is worked out by hand in the comments."""

from datetime import datetime

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import freeze_time, new_test_user

from .common import SyncCase

NOW = "2026-06-30 12:00:00"


@freeze_time(NOW)
class TestKpis(SyncCase):
    """Funded traders A-E and a lead F, now = 2026-06-30 12:00 UTC.

    | trader | deposits | withdrawals | trades (1 lot, revenue 7) | recency | F | M |
    | A | 500 (06-01), 1000 (06-25) | 200 (06-15) | 06-10, 06-20, 06-28 | 2 | 5 | 1300 |
    | B | 2000 (04-02) | | 06-01 | 29 | 2 | 2000 |
    | C | 100 (06-20) | | | 10 | 1 | 100 |
    | D | 300 (01-01) | | 02-01 | 149 | 0 | 0 |
    | E | 100 (06-20) | | | 10 | 1 | 100 |

    (all at 12:00; F = trades + deposits in 90 days, M = net deposits in 90 days.)
    R ranks (recency descending, ties share the lowest rank): D 1, B 2, C = E 3,
    A 5; with n = 5, score = 1 + floor(5 x (rank - 1) / 5) = rank.
    F ranks (ascending): D 1, C = E 2, B 4, A 5. M ranks: D 1, C = E 2, A 4, B 5.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = new_test_user(
            cls.env,
            login="kpi_sales",
            groups="base.group_user,fx_engagement.group_fx_user",
        )
        # the book is exactly the traders below (demo traders are archived,
        # the demo's snapshots removed)
        cls.env["fx.kpi.snapshot"].search([]).unlink()
        cls.env["fx.kpi.daily"].search([]).unlink()
        cls.env["res.partner"].search(
            [("fx_is_trader", "=", True), ("user_ids", "=", False)]
        ).active = False
        with freeze_time(NOW):
            logins = {"A": "2001", "B": "2002", "C": "2003", "D": "2004", "E": "2005"}
            cls.sync.push_accounts([cls.account(login) for login in logins.values()])
            day = "2026-%s T12:00:00Z".replace(" ", "")
            cls.sync.push_fundings(
                [
                    cls.funding(cls, "a1", 500, day % "06-01", login="2001"),
                    cls.funding(cls, "a2", 1000, day % "06-25", login="2001"),
                    cls.funding(
                        cls, "a3", 200, day % "06-15", kind="withdrawal", login="2001"
                    ),
                    cls.funding(cls, "b1", 2000, day % "04-02", login="2002"),
                    cls.funding(cls, "c1", 100, day % "06-20", login="2003"),
                    cls.funding(cls, "d1", 300, day % "01-01", login="2004"),
                    cls.funding(cls, "e1", 100, day % "06-20", login="2005"),
                ]
            )
            cls.sync.push_trades(
                [
                    cls.trade(cls, "a1", day % "06-10", login="2001"),
                    cls.trade(cls, "a2", day % "06-20", login="2001"),
                    cls.trade(cls, "a3", day % "06-28", login="2001"),
                    cls.trade(cls, "b1", day % "06-01", login="2002"),
                    cls.trade(cls, "d1", day % "02-01", login="2004"),
                ]
            )
            cls.lead = cls.env["res.partner"].create(
                {"name": "Lead F", "fx_is_trader": True, "fx_client_ref": "F1"}
            )
            cls.sync.push_events(
                [
                    {
                        "client_ref": "F1",
                        "type": "login",
                        "at": "2026-06-29T08:00:00Z",
                    }
                ]
            )
            Partner = cls.env["res.partner"]
            cls.t = {
                name: cls.partner(cls, f"C{login}") for name, login in logins.items()
            }
            cls.t["A"].user_id = cls.salesperson
            cls.t["B"].user_id = cls.salesperson
            Partner._fx_recompute_all()

    def run_kpis(self):
        return self.env["fx.kpi.snapshot"]._fx_kpi_run()

    def set_param(self, key, value):
        self.env["ir.config_parameter"].sudo().set_param(f"fx_engagement.{key}", value)

    # ------------------------------------------------------------------ facts
    def test_facts(self):
        t = self.t
        self.assertEqual([t[n].fx_recency_days for n in "ABCDE"], [2, 29, 10, 149, 10])
        self.assertEqual([t[n].fx_rfm_frequency for n in "ABCDE"], [5, 2, 1, 0, 1])
        self.assertEqual(
            [t[n].fx_net_deposits_90d for n in "ABCDE"], [1300, 2000, 100, 0, 100]
        )
        # LTV = net deposits + revenue (|commission| 7 per trade)
        self.assertEqual([t[n].fx_ltv for n in "ABCDE"], [1321, 2007, 100, 307, 100])
        # tenure: days since the first deposit (06-01 -> 29, 04-02 -> 89, ...)
        self.assertEqual([t[n].fx_tenure_days for n in "ABCDE"], [29, 89, 10, 180, 10])
        self.assertEqual(
            [t[n].fx_is_repeat_depositor for n in "ABCDE"],
            [True, False, False, False, False],
        )
        self.assertEqual([t[n].fx_deposit_count for n in "ABCDE"], [2, 1, 1, 1, 1])
        # the lead: a login is an engagement; no deposit, no tenure
        self.assertEqual(self.lead.fx_last_engagement_date, datetime(2026, 6, 29, 8))
        self.assertEqual(self.lead.fx_tenure_days, 0)
        self.assertEqual(t["A"].fx_last_engagement_date, datetime(2026, 6, 28, 12))

    def test_churn_risk_of_the_book(self):
        # A: withdrew 200 of 1500 in 90 days: round(20 x 0.1333) = 3;
        # B: no deposit in 30 days against 1000 a month before: 15;
        # D: idle 149 days (more than the 60 of the churn setting): churned, so
        # 100 with the one factor "churned" (docs/METRICS.md#churn-risk)
        self.assertEqual([self.t[n].fx_churn_risk for n in "ABCDE"], [3, 15, 0, 100, 0])

    # -------------------------------------------------------------------- RFM
    def test_rfm_scores_segments_and_ties(self):
        result = self.run_kpis()
        self.assertEqual(result["funded"], 5)
        t = self.t
        self.assertEqual(
            [t[n].fx_rfm_cell for n in "ABCDE"], ["554", "245", "322", "111", "322"]
        )
        self.assertEqual(
            [t[n].fx_rfm_segment for n in "ABCDE"],
            [
                "champion",
                "at_risk",
                "needs_attention",
                "hibernating",
                "needs_attention",
            ],
        )
        self.assertEqual((t["A"].fx_rfm_r, t["A"].fx_rfm_f, t["A"].fx_rfm_m), (5, 5, 4))
        # top 10 % by LTV: ceil(5 x 0.1) = 1 trader, B (2007)
        self.assertEqual(
            [t[n].fx_is_high_value for n in "ABCDE"], [False, True, False, False, False]
        )
        # the lead is not funded: no score
        self.assertFalse(self.lead.fx_rfm_cell)
        self.assertFalse(self.lead.fx_rfm_segment)

    def test_rfm_one_trader(self):
        # only A funded and active: rank 1 of 1 scores 1 everywhere; the others
        # lose their scores
        self.run_kpis()
        (self.t["B"] | self.t["C"] | self.t["D"] | self.t["E"]).active = False
        self.run_kpis()
        self.assertEqual(self.t["A"].fx_rfm_cell, "111")
        self.assertEqual(self.t["A"].fx_rfm_segment, "hibernating")
        self.assertTrue(self.t["A"].fx_is_high_value)
        self.assertFalse(self.t["B"].with_context(active_test=False).fx_rfm_cell)

    def test_high_value_share_setting(self):
        # 40 %: ceil(5 x 0.4) = 2 traders: B (2007) and A (1321)
        self.set_param("high_value_percent", "40")
        self.run_kpis()
        self.assertEqual(
            [self.t[n].fx_is_high_value for n in "ABCDE"],
            [True, True, False, False, False],
        )

    def test_bad_setting_is_named(self):
        self.set_param("high_value_percent", "0")
        with self.assertRaisesRegex(
            ValidationError, "fx_engagement.high_value_percent.*1 to 100"
        ):
            self.run_kpis()
        self.assertFalse(self.env["fx.kpi.snapshot"].search_count([]))

    def test_kpi_fields_not_writable(self):
        with self.assertRaisesRegex(AccessError, "RFM Cell"):
            self.t["A"].with_user(self.salesperson).write({"fx_rfm_cell": "555"})

    # -------------------------------------------------------------- snapshots
    def test_snapshots_and_idempotence(self):
        Snapshot = self.env["fx.kpi.snapshot"]
        self.run_kpis()
        rows = Snapshot.search([])
        self.assertEqual(len(rows), 5)  # funded traders only
        a = rows.filtered(lambda r: r.partner_id == self.t["A"])
        self.assertEqual(str(a.date), "2026-06-30")
        self.assertEqual(
            (a.churn_risk, a.pts_withdrawals, a.rfm_cell, a.ltv, a.idle_days),
            (3, 3, "554", 1321, 2),
        )
        self.assertTrue(a.engaged and a.repeat_depositor and not a.at_risk)
        d = rows.filtered(lambda r: r.partner_id == self.t["D"])
        # D: idle since its trade (149 days), not engaged in 30 days, churned
        self.assertEqual((d.idle_days, d.engaged, d.stage), (149, False, "churned"))
        # churned: the one factor "churned", none of the four scored ones
        self.assertEqual((d.churn_risk, d.pts_recency), (100, 0))
        daily = self.env["fx.kpi.daily"].search([("scope", "=", "book")])
        figures = daily.read_group(
            [("scope", "=", "book")],
            ["traders:sum", "funded:sum", "engaged:sum", "high_value:sum", "ltv:sum"],
            [],
        )[0]
        # 6 traders (A-E, F); engaged: A, B, C, E and the lead F
        self.assertEqual(
            (
                figures["traders"],
                figures["funded"],
                figures["engaged"],
                figures["high_value"],
                figures["ltv"],
            ),
            (6, 5, 5, 1, 3835),
        )
        before = {
            (r.partner_id.id, r.churn_risk, r.rfm_cell) for r in Snapshot.search([])
        }
        daily_count = len(daily)
        self.run_kpis()  # the same day again: same rows, nothing added
        self.assertEqual(
            {(r.partner_id.id, r.churn_risk, r.rfm_cell) for r in Snapshot.search([])},
            before,
        )
        self.assertEqual(
            self.env["fx.kpi.daily"].search_count([("scope", "=", "book")]),
            daily_count,
        )

    def test_segment_figures_count_traders_in_no_segment(self):
        segment = self.env["fx.segment"].create({"name": "KPI test: A and B"})
        self.env.cr.execute(
            "INSERT INTO fx_segment_res_partner_rel (segment_id, partner_id) "
            "VALUES (%s, %s), (%s, %s)",
            (segment.id, self.t["A"].id, segment.id, self.t["B"].id),
        )
        self.env["res.partner"].invalidate_model(["fx_segment_ids"])
        self.run_kpis()
        Daily = self.env["fx.kpi.daily"]
        groups = {
            g["segment_id"][0] if g["segment_id"] else False: g["traders"]
            for g in Daily.read_group(
                [("scope", "=", "segment")], ["traders:sum"], ["segment_id"]
            )
        }
        self.assertEqual(groups[segment.id], 2)
        # every other trader belongs to a starter segment or to none
        self.assertIn(False, groups)

    def test_cron_batches_and_reruns(self):
        Snapshot = self.env["fx.kpi.snapshot"]
        Snapshot._cron_fx_kpi()  # scores and alerts
        self.assertFalse(Snapshot.search_count([]))
        self.assertEqual(self.t["A"].fx_rfm_cell, "554")
        Snapshot._cron_fx_kpi()  # the rows (one batch) and the aggregates
        self.assertEqual(Snapshot.search_count([]), 5)
        self.assertTrue(self.env["fx.kpi.daily"].search_count([]))
        Snapshot._cron_fx_kpi()  # nothing left: no duplicate
        self.assertEqual(Snapshot.search_count([]), 5)

    # ------------------------------------------------------------ churn alert
    def activities(self, partner):
        retention = self.env.ref("fx_engagement.mail_activity_type_fx_retention")
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("activity_type_id", "=", retention.id),
            ]
        )

    def test_churn_alert_once_per_crossing(self):
        self.set_param("churn_alert_threshold", "15")
        campaign = self.env["fx.campaign"].create(
            {
                "name": "Win back",
                "trigger_type": "event",
                "event_type": "churn_risk_crossed",
            }
        )
        campaign.state = "running"
        result = self.run_kpis()
        # B (15) and D (100, churned) cross; A (3) does not
        self.assertEqual(result["alerts"], 2)
        b, d = self.t["B"], self.t["D"]
        self.assertEqual(b.fx_churn_alert_date, datetime(2026, 6, 30, 12))
        self.assertEqual(len(self.activities(b)), 1)
        self.assertEqual(self.activities(b).user_id, self.salesperson)
        self.assertEqual(self.activities(b).summary, "Churn risk 15: retention call")
        self.assertEqual(len(self.activities(d)), 1)
        self.assertFalse(self.activities(self.t["A"]))
        self.assertEqual(set(campaign.participant_ids.partner_id.ids), {b.id, d.id})
        # the next nights: still at risk, no new activity
        self.run_kpis()
        with freeze_time("2026-07-01 12:00:00"):
            self.run_kpis()
        self.assertEqual(len(self.activities(b)), 1)
        self.assertEqual(len(campaign.participant_ids), 2)
        # B falls below (threshold 16): re-armed; crossing again: a second one
        self.set_param("churn_alert_threshold", "16")
        self.run_kpis()
        self.assertFalse(b.fx_churn_alert_date)
        self.assertTrue(d.fx_churn_alert_date)
        self.set_param("churn_alert_threshold", "15")
        self.run_kpis()
        self.assertEqual(len(self.activities(b)), 2)
        self.assertEqual(len(self.activities(d)), 1)

    # -------------------------------------------------------------- weights
    def test_weights_apply_to_the_score(self):
        # withdrawals x 2 and falling deposits x 0: A 3 -> 6, B 15 -> 0;
        # the unweighted points stay in the factors (base) for the tuning
        self.set_param(
            "churn_weights",
            '{"recency": 1, "falling_volume": 1, "falling_deposits": 0, '
            '"withdrawals": 2}',
        )
        self.env["res.partner"]._fx_recompute_all()
        self.assertEqual(self.t["A"].fx_churn_risk, 6)
        self.assertEqual(self.t["B"].fx_churn_risk, 0)
        self.assertEqual(
            [(f["code"], f["points"], f["base"]) for f in self.t["B"].fx_churn_factors],
            [("falling_deposits", 0, 15)],
        )
        self.run_kpis()
        b = self.env["fx.kpi.snapshot"].search([("partner_id", "=", self.t["B"].id)])
        self.assertEqual((b.churn_risk, b.pts_deposits), (0, 15))

    def test_bad_weights_refused_by_name(self):
        self.set_param("churn_weights", '{"recency": 1}')
        with self.assertRaisesRegex(ValidationError, "fx_engagement.churn_weights"):
            self.env["res.partner"]._fx_recompute_all()

    # --------------------------------------------------- conversion, engagement
    def test_conversion_after_a_message(self):
        campaign = self.env["fx.campaign"].create(
            {
                "name": "Conversion test",
                "step_ids": [(0, 0, {"name": "Mail", "action_type": "email"})],
            }
        )
        step = campaign.step_ids
        for name, sent in (
            ("A", "2026-06-19 12:00:00"),
            ("B", "2026-06-01 00:00:00"),
            ("C", "2026-06-14 12:00:00"),
        ):
            participant = self.env["fx.campaign.participant"].create(
                {
                    "campaign_id": campaign.id,
                    "partner_id": self.t[name].id,
                    "enrolled_date": sent,
                }
            )
            self.env["fx.campaign.log"].create(
                {
                    "participant_id": participant.id,
                    "campaign_id": campaign.id,
                    "step_id": step.id,
                    "partner_id": self.t[name].id,
                    "date": sent,
                    "result": "sent",
                }
            )
        self.env.flush_all()
        Report = self.env["fx.kpi.message.conversion"]

        def rows():
            Report.invalidate_model()
            return {
                r.partner_id: (r.deposit, r.first_trade, r.redeposit)
                for r in Report.search([("campaign_id", "=", campaign.id)])
            }

        # 7 days: A deposits 06-25 (a redeposit; it traded before: no first
        # trade), B trades first on 06-01, C deposits 06-20 (its first)
        self.assertEqual(
            rows(),
            {
                self.t["A"]: (1, 0, 1),
                self.t["B"]: (0, 1, 0),
                self.t["C"]: (1, 0, 0),
            },
        )
        # 3 days: A's and C's deposits come too late; B's trade is in time
        self.set_param("conversion_days", "3")
        self.assertEqual(
            rows(),
            {
                self.t["A"]: (0, 0, 0),
                self.t["B"]: (0, 1, 0),
                self.t["C"]: (0, 0, 0),
            },
        )

    def test_mailing_click_is_an_engagement(self):
        d = self.t["D"]
        self.env["mailing.trace"].create(
            {
                "model": "res.partner",
                "res_id": d.id,
                "trace_type": "mail",
                "links_click_datetime": "2026-06-29 09:00:00",
            }
        )
        self.env["res.partner"]._fx_recompute_all(ids=d.ids)
        self.assertEqual(d.fx_last_engagement_date, datetime(2026, 6, 29, 9))
        self.run_kpis()
        snapshot = self.env["fx.kpi.snapshot"].search([("partner_id", "=", d.id)])
        self.assertTrue(snapshot.engaged)
