"""Contests: live ranking with ties, the final ranking frozen at the end,
prizes through the compliance hook; a demo trading contest by return with a
drawdown limit (docs/REFERRALS.md#contests)."""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time

from .common import T0, ReferralCase


@freeze_time(T0)
class TestContests(ReferralCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.bob, cls.carl = Partner.create(
            [
                {
                    "name": "Bob",
                    "fx_is_trader": True,
                    "fx_client_ref": "K-B",
                    # a retail client under ESMA: no incentives (compliance)
                    "fx_rule_set_id": cls.env.ref("fx_engagement.rule_set_esma").id,
                    "fx_client_category": "retail",
                },
                {"name": "Carl", "fx_is_trader": True, "fx_client_ref": "K-C"},
            ]
        )
        cls.alice.fx_board_name = "name"

    def qualified(self, referrer, when, fraud_state="none"):
        referee = self.env["res.partner"].create(
            {"name": "Friend", "fx_is_trader": True}
        )
        return self.env["fx.referral"].create(
            {
                "referrer_id": referrer.id,
                "referee_id": referee.id,
                "stage": "qualified",
                "date_qualified": when,
                "fraud_state": fraud_state,
            }
        )

    def test_referral_contest_ties_frozen_and_prizes(self):
        contest = self.env["fx.contest"].create(
            {
                "name": "Race",
                "programme_id": self.programme.id,
                "kind": "referrals",
                "date_start": "2026-11-01 00:00:00",
                "date_end": "2026-11-10 12:00:00",
                "prize_ids": [
                    (0, 0, {"rank": 1, "name": "Gold", "points": 100}),
                    (0, 0, {"rank": 3, "name": "Bronze", "points": 10}),
                ],
            }
        )
        contest.action_fx_start()
        for referrer, when in (
            (self.alice, "2026-11-02 10:00:00"),
            (self.alice, "2026-11-03 10:00:00"),
            (self.bob, "2026-11-04 10:00:00"),
            (self.bob, "2026-11-05 10:00:00"),
            (self.carl, "2026-11-06 10:00:00"),
            (self.carl, "2026-10-31 23:59:59"),
        ):  # before the start
            self.qualified(referrer, when)
        self.qualified(self.carl, "2026-11-06 11:00:00", fraud_state="held")
        ranking = [
            (r["partner_id"], r["score"], r["rank"]) for r in contest._fx_ranking()
        ]
        self.assertEqual(
            ranking,
            [(self.alice.id, 2.0, 1), (self.bob.id, 2.0, 1), (self.carl.id, 1.0, 3)],
        )
        with self.assertRaises(ValidationError):  # not ended (ends at 12:00 ... now)
            with freeze_time("2026-11-10 11:59:59"):
                contest.action_fx_close()
        contest.action_fx_close()
        self.assertEqual(contest.state, "closed")
        results = [
            (r.partner_id, r.rank, r.prize_id.name, r.prize_state, r.prize_note)
            for r in contest.result_ids.sorted("sequence")
        ]
        self.assertEqual(
            results,
            [
                (self.alice, 1, "Gold", "granted", False),
                (self.bob, 1, "Gold", "blocked", "Blocked by the incentive rules"),
                (self.carl, 3, "Bronze", "granted", False),
            ],
        )
        prize = self.Entry.search(
            [("event_code", "=", "contest_prize"), ("partner_id", "=", self.alice.id)]
        )
        self.assertEqual((prize.points, prize.vested_points), (100, 100))
        self.assertFalse(
            self.Entry.search(
                [("event_code", "=", "contest_prize"), ("partner_id", "=", self.bob.id)]
            )
        )
        # frozen: a late qualification changes nothing, results cannot be edited
        self.qualified(self.carl, "2026-11-09 10:00:00")
        self.assertEqual([r["rank"] for r in contest._fx_ranking()], [1, 1, 3])
        self.assertEqual(contest._fx_ranking()[2]["score"], 1.0)
        with self.assertRaises(UserError):
            contest.result_ids[0].rank = 9
        with self.assertRaises(UserError):
            contest.action_fx_close()

    def test_demo_trading_contest_by_return_with_drawdown(self):
        accounts = [
            self.account(login, client_ref=ref, type="demo")
            for login, ref in (("7001", "REF-A"), ("7002", "K-B"), ("7003", "K-C"))
        ]
        self.sync.push_accounts(accounts)
        equity = {
            "7001": [10000, 12000, 9000, 11000],  # +10 %, but 25 % drawdown
            "7002": [5000, 5200, 5100, 5500],  # +10 %
            "7003": [8000, 8100, 8300, 8400],  # +2.5 % net of the 200 deposited
        }
        self.sync.push_equity(
            [
                {**self.keys(login), "date": f"2026-11-0{day + 1}", "equity": value}
                for login, values in equity.items()
                for day, value in enumerate(values)
            ]
        )
        self.sync.push_fundings(
            [self.funding("DD", 200, "2026-11-02T10:00:00Z", login="7003")]
        )
        contest = self.env["fx.contest"].create(
            {
                "name": "Demo cup",
                "programme_id": self.programme.id,
                "kind": "demo_return",
                "date_start": "2026-11-01 00:00:00",
                "date_end": "2026-11-05 00:00:00",
                "max_drawdown": 20,
                "participant_ids": [(6, 0, (self.alice | self.bob | self.carl).ids)],
            }
        )
        self.assertEqual(
            [
                (r["partner_id"], r["score"], r["rank"], r["disqualified"])
                for r in contest._fx_ranking()
            ],
            [
                (self.bob.id, 10.0, 1, False),
                (self.carl.id, 2.5, 2, False),
                (self.alice.id, 10.0, 0, True),
            ],
        )
