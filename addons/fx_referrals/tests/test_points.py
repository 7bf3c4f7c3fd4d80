"""The points ledger: the public award hook, compliance, manual adjustments,
append-only, the responsible-behaviour rules, levels and leaderboards
(docs/REFERRALS.md)."""

from datetime import date, datetime

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, new_test_user

from .common import T0, ReferralCase


@freeze_time(T0)
class TestPointsLedger(ReferralCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.bob, cls.carl, cls.dina = Partner.create(
            [
                {"name": "Bob Stone", "fx_is_trader": True, "fx_client_ref": "C-B"},
                {
                    "name": "Carl Diaz",
                    "fx_is_trader": True,
                    "fx_client_ref": "C-C",
                    # a retail client under ESMA: no incentives (compliance)
                    "fx_rule_set_id": cls.env.ref("fx_engagement.rule_set_esma").id,
                    "fx_client_category": "retail",
                },
                {"name": "Dina Haddad", "fx_is_trader": True, "fx_client_ref": "C-D"},
            ]
        )
        cls.programme.rule_ids.create(
            {
                "programme_id": cls.programme.id,
                "event_code": "strategy_followed",
                "points": 15,
                "name": "Follow a strategy",
            }
        )
        # a source record, as fx_social_trading passes its subscription
        cls.source = cls.env["fx.points.period"].create(
            {"name": "src", "date_start": "2020-01-01", "date_end": "2020-01-31"}
        )

    def test_award_event_once_per_source_and_blocked_recorded(self):
        Entry = self.Entry
        entries = Entry._fx_award_event(
            self.alice | self.bob | self.carl, "strategy_followed", self.source
        )
        self.assertEqual(
            sorted((e.partner_id.name, e.kind, e.points, e.reason) for e in entries),
            [
                ("Alice Martin", "earned", 15, "Follow a strategy"),
                ("Bob Stone", "earned", 15, "Follow a strategy"),
                ("Carl Diaz", "blocked", 0, "Blocked by the incentive rules"),
            ],
        )
        vest = datetime(2026, 12, 10, 12)
        self.assertEqual(entries.mapped("vest_date"), [vest, vest, False])
        again = Entry._fx_award_event(
            self.alice | self.carl, "strategy_followed", self.source
        )
        self.assertFalse(again)
        other = self.env["fx.points.period"].create(
            {"name": "src2", "date_start": "2020-02-01", "date_end": "2020-02-28"}
        )
        self.assertEqual(
            len(Entry._fx_award_event(self.alice, "strategy_followed", other)), 1
        )
        # an event without an active rule awards nothing
        self.assertFalse(Entry._fx_award_event(self.alice, "survey_completed_x", other))

    def test_programme_validity_and_segment(self):
        self.programme.date_end = "2026-11-09"
        self.assertFalse(
            self.Entry._fx_award_event(self.alice, "strategy_followed", self.source)
        )
        self.programme.date_end = "2026-11-10"
        segment = self.env["fx.segment"].create(
            {"name": "VIP", "domain": "[('fx_client_ref', '=', 'C-B')]"}
        )
        segment._fx_refresh()
        self.programme.segment_id = segment
        entries = self.Entry._fx_award_event(
            self.alice | self.bob, "strategy_followed", self.source
        )
        self.assertEqual(entries.partner_id, self.bob)

    def test_not_callable_over_the_api_and_append_only(self):
        entry = self.Entry._fx_award_event(self.alice, "strategy_followed", self.source)
        with self.assertRaises(UserError):
            entry.write({"points": 99})
        with self.assertRaises(UserError):
            entry.unlink()

    def test_manual_adjustment_by_managers_with_a_reason(self):
        vals = {
            "partner_id": self.bob.id,
            "programme_id": self.programme.id,
            "points": 40,
            "reason": "Goodwill after an outage",
        }
        user = new_test_user(
            self.env,
            login="ref_user",
            groups="base.group_user,fx_referrals.group_fx_referral_user",
        )
        with self.assertRaises(AccessError):
            self.Entry.with_user(user).create(vals)
        with self.assertRaises(ValidationError):
            self.Entry.with_user(self.manager).create({**vals, "reason": "  "})
        with self.assertRaises(ValidationError):
            self.Entry.with_user(self.manager).create({**vals, "kind": "earned"})
        self.assertFalse(self.Entry.search([("partner_id", "=", self.bob.id)]))
        entry = self.Entry.with_user(self.manager).create(vals)
        self.assertEqual(
            (
                entry.kind,
                entry.points,
                entry.vested_points,
                entry.user_id,
                entry.reason,
            ),
            ("adjusted", 40, 40, self.manager, "Goodwill after an outage"),
        )
        self.assertEqual(
            (self.bob.fx_points_balance, self.bob.fx_points_vested), (40, 40)
        )

    def test_stop_loss_and_leverage_points_of_the_month(self):
        self.env["ir.config_parameter"].set_param(
            "fx_referrals.stop_loss_min_trades", "3"
        )
        self.env["ir.config_parameter"].set_param("fx_referrals.max_leverage", "50")
        self.sync.push_accounts(
            [
                self.account("3001", client_ref="C-B", leverage=30),
                self.account("3002", client_ref="C-D", leverage=200),
            ]
        )
        closed = {"close_time": "2026-10-20T10:00:00Z", "close_price": 1.2}
        self.sync.push_trades(
            [
                # Bob: 2 of 3 October trades with a stop-loss, leverage 30
                self.trade(
                    "B1", "2026-10-05T09:00:00Z", login="3001", stop_loss=1.05, **closed
                ),
                self.trade(
                    "B2", "2026-10-06T09:00:00Z", login="3001", stop_loss=1.05, **closed
                ),
                self.trade("B3", "2026-10-07T09:00:00Z", login="3001", **closed),
                # Dina: 1 of 3 with a stop-loss, leverage 200 (huge volume: no points)
                self.trade(
                    "D1",
                    "2026-10-05T09:00:00Z",
                    login="3002",
                    stop_loss=1.0,
                    volume=50,
                    **closed,
                ),
                self.trade(
                    "D2", "2026-10-06T09:00:00Z", login="3002", volume=50, **closed
                ),
                self.trade(
                    "D3", "2026-10-07T09:00:00Z", login="3002", volume=50, **closed
                ),
                # November trades do not count for October
                self.trade(
                    "D4",
                    "2026-11-02T09:00:00Z",
                    login="3002",
                    stop_loss=1.0,
                    close_time="2026-11-03T09:00:00Z",
                ),
            ]
        )
        self.assertEqual(
            self.env["fx.trade"].search([("ticket", "=", "B1")]).stop_loss, 1.05
        )
        created = self.Entry._fx_award_behaviour(date(2026, 11, 10))
        self.assertEqual(
            sorted((e.partner_id.name, e.event_code, e.points) for e in created),
            [
                ("Bob Stone", "low_leverage_month", 20),
                ("Bob Stone", "stop_loss_month", 30),
            ],
        )
        self.assertEqual(created.mapped("res_model"), ["fx.points.period"] * 2)
        self.assertEqual(
            self.env["fx.points.period"].browse(created[0].res_id).name, "2026-10"
        )
        self.assertFalse(
            self.Entry._fx_award_behaviour(date(2026, 11, 25))
        )  # once a month

    def test_education_courses_earn_points_feedback_surveys_never(self):
        """Completing a survey marked Education Course earns 25 points once
        (a scored one must be passed); a feedback survey earns nothing and
        cannot be marked as a course."""
        Survey = self.env["survey.survey"]
        course = Survey.create({"title": "Risk basics", "fx_is_education": True})
        exam = Survey.create(
            {
                "title": "Leverage exam",
                "fx_is_education": True,
                "scoring_type": "scoring_without_answers",
                "scoring_success_min": 80,
            }
        )
        nps = Survey.create({"title": "How likely...", "fx_feedback_kind": "nps"})
        plain = Survey.create({"title": "Which platform do you use?"})
        Input = self.env["survey.user_input"]
        Input.create(
            [
                {"survey_id": course.id, "partner_id": self.bob.id, "state": "done"},
                # not finished yet
                {"survey_id": course.id, "partner_id": self.dina.id},
                # done, not passed (no answer: 0 %)
                {"survey_id": exam.id, "partner_id": self.dina.id, "state": "done"},
                {"survey_id": nps.id, "partner_id": self.dina.id, "state": "done"},
                {"survey_id": plain.id, "partner_id": self.dina.id, "state": "done"},
            ]
        )

        def courses(created):
            return [
                (e.partner_id, e.points, e.res_model)
                for e in created
                if e.event_code == "survey_completed"
            ]

        created = self.Entry._fx_award_behaviour(date(2026, 11, 10))
        self.assertEqual(courses(created), [(self.bob, 25, "survey.user_input")])
        # once
        self.assertEqual(
            courses(self.Entry._fx_award_behaviour(date(2026, 11, 11))), []
        )
        with self.assertRaisesRegex(ValidationError, "cannot be an education course"):
            nps.fx_is_education = True

    def ledger(self, partner, kind, points, vested, day, origin=None):
        [entry] = self.Entry.sudo()._fx_insert(
            [
                {
                    "partner_id": partner.id,
                    "programme_id": self.programme.id,
                    "company_id": self.programme.company_id.id,
                    "kind": kind,
                    "points": points,
                    "vested_points": vested,
                    "date": datetime.fromisoformat(day),
                    "origin_entry_id": origin.id if origin else None,
                    "reason": "test",
                }
            ]
        )
        return entry

    def test_points_expire_oldest_spent_first(self):
        """docs/REFERRALS.md#expiry, its example: 100 points on 1 January, 50
        on 1 March, 120 spent on 15 March; six months' validity. Dina's old
        40 points expire although a newer lot of 80 was reversed after
        vesting (a reversal takes back its own lot, not the oldest)."""
        self.ledger(self.bob, "adjusted", 100, 100, "2026-01-01 09:00:00")
        self.ledger(self.bob, "adjusted", 50, 50, "2026-03-01 09:00:00")
        self.ledger(self.bob, "spent", -120, -120, "2026-03-15 09:00:00")
        self.ledger(self.dina, "adjusted", 40, 40, "2026-01-01 09:00:00")
        earned = self.ledger(self.dina, "earned", 80, 0, "2026-07-20 09:00:00")
        self.ledger(self.dina, "vested", 0, 80, "2026-08-01 09:00:00", earned)
        self.ledger(self.dina, "reversed", -80, -80, "2026-08-15 09:00:00", earned)
        Entry = self.Entry
        # never expire by default
        self.assertFalse(Entry._fx_expire_due(datetime(2027, 6, 1)))
        self.env["ir.config_parameter"].set_param(
            "fx_referrals.points_validity_months", "6"
        )
        # 2 July: the January lot is spent (the balance, 30, is March's)
        created = Entry._fx_expire_due(datetime(2026, 7, 2))
        self.assertEqual(
            [(e.partner_id, e.points) for e in created], [(self.dina, -40)]
        )
        self.assertEqual(
            created.reason,
            "spendable since before 2026-01-02: points expire after 6 months",
        )
        # within 30 days of 5 August, 30 of Bob's points will have expired
        self.assertEqual(
            Entry._fx_expiring(self.bob, now=datetime(2026, 8, 5)),
            (30, date(2026, 9, 4)),
        )
        self.assertEqual(
            Entry._fx_expiring(self.bob, now=datetime(2026, 7, 5)), (0, None)
        )
        # 2 September: what is left of March's lot expires, once
        created = Entry._fx_expire_due(datetime(2026, 9, 2))
        self.assertRecordValues(
            created,
            [
                {
                    "partner_id": self.bob.id,
                    "kind": "expired",
                    "points": -30,
                    "vested_points": -30,
                    "event_code": "expiry",
                    "date": datetime(2026, 9, 2),
                }
            ],
        )
        self.assertFalse(Entry._fx_expire_due(datetime(2026, 9, 3)))
        self.assertEqual(
            Entry._fx_balances([self.bob.id, self.dina.id]),
            {self.bob.id: (0, 0), self.dina.id: (0, 0)},
        )
        # expiry is not a score: ranks and levels keep what was earned
        self.assertEqual(self.env["fx.referral.level"]._fx_progress(self.bob)[3], 150)

    def test_points_validity_setting_refuses_bad_values(self):
        Settings = self.env["res.config.settings"]
        for bad in (-1, 121):
            with self.assertRaisesRegex(ValidationError, "from 0 \\(never\\) to 120"):
                Settings.create({"fx_points_validity_months": bad})
        Settings.create({"fx_points_validity_months": 12}).execute()
        self.assertEqual(self.Entry._fx_validity_months(), 12)

    def test_levels_promotion_demotion_and_notification(self):
        Level = self.env["fx.referral.level"]
        bronze, silver = Level.create(
            [{"name": "Bronze", "min_points": 0}, {"name": "Silver", "min_points": 50}]
        )
        portal = new_test_user(
            self.env,
            login="bob_portal",
            groups="base.group_portal",
            partner_id=self.bob.id,
        )
        badge = self.env["gamification.badge"].create({"name": "Silver referrer"})
        silver.badge_id = badge
        self.Entry._fx_award_event(self.bob, "strategy_followed", self.source)
        self.assertEqual(self.bob.fx_level_id, bronze)
        adjust = self.Entry.with_user(self.manager)
        adjust.create(
            {
                "partner_id": self.bob.id,
                "programme_id": self.programme.id,
                "points": 35,
                "reason": "Contest prize",
            }
        )
        self.assertEqual(self.bob.fx_level_id, silver)
        history = self.env["fx.referral.level.history"].search(
            [("partner_id", "=", self.bob.id)]
        )
        self.assertEqual(
            [
                (h.level_from_id.name, h.level_to_id.name, h.direction, h.points)
                for h in history.sorted("id")
            ],
            [(False, "Bronze", "promotion", 15), ("Bronze", "Silver", "promotion", 50)],
        )
        History = self.env["fx.referral.level.history"]
        History.search([("partner_id", "!=", self.bob.id)]).notified = True  # demo
        self.assertEqual(History._cron_fx_notify(), 2)
        self.assertEqual(self.env["fx.referral.level.history"]._cron_fx_notify(), 0)
        message = self.bob.message_ids.filtered(
            lambda m: "Silver level" in (m.body or "")
        )
        self.assertEqual(message.partner_ids, self.bob)
        self.assertEqual(
            self.env["gamification.badge.user"]
            .search([("user_id", "=", portal.id)])
            .badge_id,
            badge,
        )
        adjust.create(
            {
                "partner_id": self.bob.id,
                "programme_id": self.programme.id,
                "points": -1,
                "reason": "Correction",
            }
        )
        self.assertEqual(self.bob.fx_level_id, bronze)
        last = self.env["fx.referral.level.history"].search(
            [("partner_id", "=", self.bob.id)], limit=1, order="id desc"
        )
        self.assertEqual((last.direction, last.points), ("demotion", 49))

    def test_leaderboard_ties_and_own_rank(self):
        # a programme of its own: the demo data's points are on the default one
        board = self.env["fx.referral.programme"].create({"name": "Board"})
        adjust = self.Entry.with_user(self.manager)
        for partner, points in (
            (self.alice, 30),
            (self.bob, 50),
            (self.carl, 30),
            (self.dina, 10),
        ):
            adjust.create(
                {
                    "partner_id": partner.id,
                    "programme_id": board.id,
                    "points": points,
                    "reason": "Seed",
                }
            )
        # spending never lowers a rank
        self.env["fx.points.entry"].sudo()._fx_insert(
            [
                {
                    "partner_id": self.bob.id,
                    "programme_id": board.id,
                    "company_id": self.company.id,
                    "kind": "spent",
                    "points": -50,
                    "vested_points": -50,
                    "reason": "Reward",
                }
            ]
        )
        Total = self.env["fx.points.total"]
        top, own = Total._fx_board(board, "all", 3, self.dina)
        self.assertEqual(
            [(r["rank"], r["partner_id"], r["points"]) for r in top],
            [(1, self.bob.id, 50), (2, self.alice.id, 30), (2, self.carl.id, 30)],
        )
        self.assertEqual(own, {"rank": 4, "points": 10})
        _top, own = Total._fx_board(board, "2026-11", 3, self.carl)
        self.assertEqual(own, {"rank": 2, "points": 30})
        self.assertEqual(Total._fx_board(board, "2026-10", 3, self.carl), ([], None))
