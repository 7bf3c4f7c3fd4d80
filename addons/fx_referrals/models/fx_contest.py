"""Contests (docs/REFERRALS.md#contests): time-boxed, ranked live, the final
ranking frozen at the end."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..lib.programme import competition_ranks, max_drawdown, trading_return
from .fx_points_entry import SCORE_KINDS


class FxContest(models.Model):
    _name = "fx.contest"
    _description = "Referral Contest"
    _inherit = ["mail.thread"]
    _order = "date_start desc, id desc"

    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True)
    programme_id = fields.Many2one("fx.referral.programme", required=True)
    company_id = fields.Many2one(related="programme_id.company_id", store=True)
    kind = fields.Selection(
        [
            ("referrals", "Most Qualified Referrals"),
            ("points", "Most Points"),
            ("demo_return", "Demo Trading Return"),
        ],
        required=True,
        default="referrals",
    )
    date_start = fields.Datetime(string="Starts", required=True)
    date_end = fields.Datetime(string="Ends", required=True)
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("closed", "Closed")],
        default="draft",
        required=True,
        tracking=True,
    )
    max_drawdown = fields.Float(
        string="Drawdown Limit (%)",
        help="Demo trading contest: an account whose equity fell more than this "
        "from a peak is disqualified (0: no limit).",
    )
    participant_ids = fields.Many2many(
        "res.partner",
        string="Participants",
        help="Demo trading contest: the traders entered (their demo accounts).",
    )
    prize_ids = fields.One2many("fx.contest.prize", "contest_id", string="Prizes")
    result_ids = fields.One2many(
        "fx.contest.result", "contest_id", string="Final Ranking", readonly=True
    )

    _sql_constraints = [
        (
            "dates_order",
            "CHECK(date_end > date_start)",
            "A contest ends after it starts.",
        ),
        (
            "drawdown_range",
            "CHECK(max_drawdown >= 0 AND max_drawdown <= 100)",
            "The drawdown limit is a percentage (0 to 100).",
        ),
    ]

    def action_fx_start(self):
        if self.filtered(lambda c: c.state != "draft"):
            raise UserError(self.env._("Only draft contests can start."))
        self.write({"state": "running"})
        return True

    def _fx_scores(self):
        """{partner_id: (score, disqualified)} of the contest now."""
        self.ensure_one()
        if self.kind == "referrals":
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT referrer_id, count(*) FROM fx_referral
                     WHERE programme_id = %s AND date_qualified >= %s
                       AND date_qualified < %s AND stage <> 'rejected'
                       AND fraud_state IN ('none', 'approved')
                     GROUP BY referrer_id
                    """,
                    self.programme_id.id,
                    self.date_start,
                    self.date_end,
                )
            )
            return {p: (float(n), False) for p, n in rows}
        if self.kind == "points":
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT partner_id, sum(points) FROM fx_points_entry
                     WHERE programme_id = %s AND kind IN %s AND date >= %s
                       AND date < %s
                     GROUP BY partner_id HAVING sum(points) > 0
                    """,
                    self.programme_id.id,
                    SCORE_KINDS,
                    self.date_start,
                    self.date_end,
                )
            )
            return {p: (float(n), False) for p, n in rows}
        return self._fx_demo_scores()

    def _fx_demo_scores(self):
        """Return (%) of each participant's demo accounts over the contest, net
        of deposits and withdrawals; disqualified past the drawdown limit."""
        if not self.participant_ids:
            return {}
        points = self.env.execute_query(
            SQL(
                """
                SELECT a.partner_id, e.equity FROM fx_equity_point e
                  JOIN fx_trading_account a ON a.id = e.account_id
                 WHERE a.partner_id = ANY(%s) AND a.account_type = 'demo'
                   AND e.date >= %s AND e.date <= %s
                 ORDER BY a.partner_id, e.date
                """,
                self.participant_ids.ids,
                self.date_start.date(),
                self.date_end.date(),
            )
        )
        series = defaultdict(list)
        for partner_id, equity in points:
            series[partner_id].append(float(equity))
        flows = dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT a.partner_id, sum(CASE f.kind WHEN 'deposit' THEN f.amount
                           WHEN 'withdrawal' THEN -f.amount ELSE 0 END)
                      FROM fx_funding f JOIN fx_trading_account a
                        ON a.id = f.account_id
                     WHERE a.partner_id = ANY(%s) AND a.account_type = 'demo'
                       AND f.date > %s AND f.date <= %s
                     GROUP BY a.partner_id
                    """,
                    self.participant_ids.ids,
                    self.date_start,
                    self.date_end,
                )
            )
        )
        scores = {}
        for partner_id, equities in series.items():
            ret = trading_return(
                equities[0], equities[-1], float(flows.get(partner_id) or 0)
            )
            out = bool(self.max_drawdown) and max_drawdown(equities) > self.max_drawdown
            scores[partner_id] = (round(ret, 4), out)
        return scores

    def _fx_ranking(self):
        """``[{"partner_id", "score", "rank", "disqualified"}]`` best first:
        the frozen results of a closed contest, else computed now. Ties share
        the rank; disqualified entries come last, unranked."""
        self.ensure_one()
        if self.state == "closed":
            return [
                {
                    "partner_id": r.partner_id.id,
                    "score": r.score,
                    "rank": r.rank,
                    "disqualified": r.disqualified,
                }
                for r in self.result_ids.sorted(lambda r: (r.disqualified, r.sequence))
            ]
        scores = self._fx_scores()
        ranked = sorted(
            ((p, s) for p, (s, out) in scores.items() if not out),
            key=lambda item: (-item[1], item[0]),
        )
        ranks = competition_ranks([s for _p, s in ranked])
        result = [
            {"partner_id": p, "score": s, "rank": r, "disqualified": False}
            for (p, s), r in zip(ranked, ranks, strict=True)
        ]
        result += [
            {"partner_id": p, "score": s, "rank": 0, "disqualified": True}
            for p, (s, out) in sorted(scores.items())
            if out
        ]
        return result

    def action_fx_close(self):
        """Freeze the final ranking and award the prizes (points prizes through
        the ledger; the compliance hook may block a winner, recorded on the
        result)."""
        for contest in self:
            if contest.state == "closed":
                raise UserError(self.env._("The contest is closed already."))
            if fields.Datetime.now() < contest.date_end:
                raise ValidationError(
                    self.env._("Contest %s has not ended yet.", contest.name)
                )
            ranking = contest._fx_ranking()
            prizes = {p.rank: p for p in contest.prize_ids}
            results = self.env["fx.contest.result"].create(
                [
                    {
                        "contest_id": contest.id,
                        "sequence": index,
                        "partner_id": row["partner_id"],
                        "score": row["score"],
                        "rank": row["rank"],
                        "disqualified": row["disqualified"],
                        "prize_id": (
                            prizes.get(row["rank"]).id
                            if not row["disqualified"] and row["rank"] in prizes
                            else False
                        ),
                    }
                    for index, row in enumerate(ranking)
                ]
            )
            contest.state = "closed"
            results.filtered("prize_id")._fx_grant()
        return True

    @api.model
    def _cron_fx_close_contests(self):
        ended = self.search(
            [("state", "=", "running"), ("date_end", "<=", fields.Datetime.now())]
        )
        ended.action_fx_close()


class FxContestPrize(models.Model):
    _name = "fx.contest.prize"
    _description = "Contest Prize"
    _order = "contest_id, rank"

    contest_id = fields.Many2one("fx.contest", required=True, ondelete="cascade")
    rank = fields.Integer(required=True, default=1)
    name = fields.Char(required=True, translate=True)
    points = fields.Integer(help="Points credited to the winner (0: none).")

    _sql_constraints = [
        ("rank_unique", "UNIQUE(contest_id, rank)", "One prize per rank."),
        (
            "rank_positive",
            "CHECK(rank > 0 AND points >= 0)",
            "Rank from 1, points >= 0.",
        ),
    ]


class FxContestResult(models.Model):
    _name = "fx.contest.result"
    _description = "Contest Result"
    _order = "contest_id, sequence"

    contest_id = fields.Many2one(
        "fx.contest", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer()
    partner_id = fields.Many2one("res.partner", string="Trader", required=True)
    score = fields.Float(digits=(16, 4))
    rank = fields.Integer()
    disqualified = fields.Boolean()
    prize_id = fields.Many2one("fx.contest.prize")
    prize_state = fields.Selection(
        [("granted", "Granted"), ("blocked", "Blocked by Compliance")]
    )
    prize_note = fields.Char()

    def write(self, vals):
        if set(vals) - {"prize_state", "prize_note"}:
            raise UserError(self.env._("A contest's final ranking is frozen."))
        return super().write(vals)

    def _fx_grant(self):
        contest = self.contest_id
        allowed, blocked = self.partner_id._fx_incentive_check("prize", origin=contest)
        Entry = self.env["fx.points.entry"].sudo()
        for result in self:
            if result.partner_id in blocked or result.partner_id not in allowed:
                result.write(
                    {
                        "prize_state": "blocked",
                        "prize_note": self.env._("Blocked by the incentive rules"),
                    }
                )
                continue
            if result.prize_id.points:
                Entry._fx_insert(
                    [
                        {
                            "partner_id": result.partner_id.id,
                            "programme_id": contest.programme_id.id,
                            "company_id": contest.company_id.id,
                            "kind": "adjusted",
                            "points": result.prize_id.points,
                            "vested_points": result.prize_id.points,
                            "event_code": "contest_prize",
                            "res_model": result._name,
                            "res_id": result.id,
                            "reason": result.prize_id.name,
                        }
                    ]
                )
            result.write({"prize_state": "granted"})
