from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .res_partner import TRADER_STAGES

CONDITION_KINDS = [
    ("deposit_min", "Deposited at least X in the last N days"),
    ("ftd_within", "First deposit in the last N days"),
    ("no_trade", "No trade in the last N days"),
    ("traded_symbol", "Traded a symbol in the last N days"),
    ("used_strategy", "Used a strategy in the last N days"),
    ("churn_risk", "Churn risk at least R"),
    ("stage_window", "Stage is, or was in the last N days"),
    ("segment", "Member of another segment"),
]
NEEDS_DAYS = ("deposit_min", "ftd_within", "no_trade", "traded_symbol", "stage_window")


class FxSegmentCondition(models.Model):
    _name = "fx.segment.condition"
    _description = "Segment Behaviour Condition"
    _order = "sequence, id"

    segment_id = fields.Many2one(
        "fx.segment", required=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer(default=10)
    kind = fields.Selection(CONDITION_KINDS, required=True, default="no_trade")
    negate = fields.Boolean(
        string="Exclude",
        help="Keep the traders who do NOT meet this condition.",
    )
    amount = fields.Float(help="Minimum deposits, in the company currency.")
    days = fields.Integer(
        default=30,
        help="Length of the window ending now; for strategies, 0 means ever.",
    )
    symbol = fields.Char(help="Instrument symbol, e.g. XAUUSD.")
    strategy_id = fields.Many2one("fx.strategy")
    risk = fields.Integer(string="Churn Risk", default=60)
    stage = fields.Selection(TRADER_STAGES)
    other_segment_id = fields.Many2one("fx.segment", ondelete="restrict")
    description = fields.Char(compute="_compute_description")

    @api.depends(
        "kind",
        "negate",
        "amount",
        "days",
        "symbol",
        "strategy_id",
        "risk",
        "stage",
        "other_segment_id",
    )
    def _compute_description(self):
        stages = dict(TRADER_STAGES)
        for cond in self:
            texts = {
                "deposit_min": self.env._(
                    "deposited at least %(amount)s in the last %(days)s days",
                    amount=cond.amount,
                    days=cond.days,
                ),
                "ftd_within": self.env._(
                    "first deposit in the last %s days", cond.days
                ),
                "no_trade": self.env._("no trade in the last %s days", cond.days),
                "traded_symbol": self.env._(
                    "traded %(symbol)s in the last %(days)s days",
                    symbol=cond.symbol or "?",
                    days=cond.days,
                ),
                "used_strategy": self.env._(
                    "used strategy %(strategy)s%(window)s",
                    strategy=cond.strategy_id.name or "?",
                    window=self.env._(" in the last %s days", cond.days)
                    if cond.days
                    else "",
                ),
                "churn_risk": self.env._("churn risk at least %s", cond.risk),
                "stage_window": self.env._(
                    "stage %(stage)s now or in the last %(days)s days",
                    stage=stages.get(cond.stage, "?"),
                    days=cond.days,
                ),
                "segment": self.env._(
                    "member of %s", cond.other_segment_id.name or "?"
                ),
            }
            text = texts.get(cond.kind, "")
            cond.description = self.env._("NOT %s", text) if cond.negate else text

    @api.constrains(
        "kind",
        "amount",
        "days",
        "symbol",
        "strategy_id",
        "risk",
        "stage",
        "other_segment_id",
    )
    def _check_parameters(self):
        for cond in self:
            cond._fx_check()

    def _fx_check(self):
        """Raise a clear error when the condition misses a parameter."""
        self.ensure_one()
        name = self.segment_id.name or self.env._("new segment")
        problem = None
        if self.kind in NEEDS_DAYS and self.days <= 0:
            problem = self.env._("the number of days must be positive")
        elif self.days < 0:
            problem = self.env._("the number of days cannot be negative")
        elif self.kind == "deposit_min" and self.amount <= 0:
            problem = self.env._("the deposit amount must be positive")
        elif self.kind == "traded_symbol" and not (self.symbol or "").strip():
            problem = self.env._("a symbol is required")
        elif self.kind == "used_strategy" and not self.strategy_id:
            problem = self.env._("a strategy is required")
        elif self.kind == "churn_risk" and not 0 <= self.risk <= 100:
            problem = self.env._("the churn risk must be between 0 and 100")
        elif self.kind == "stage_window" and not self.stage:
            problem = self.env._("a stage is required")
        elif self.kind == "segment" and not self.other_segment_id:
            problem = self.env._("a segment is required")
        elif self.kind == "segment" and self.other_segment_id == self.segment_id:
            problem = self.env._("a segment cannot include itself")
        if problem:
            raise ValidationError(
                self.env._(
                    "Segment %(segment)s, condition '%(kind)s': %(problem)s.",
                    segment=name,
                    kind=dict(CONDITION_KINDS)[self.kind],
                    problem=problem,
                )
            )

    def _fx_sql(self, now):
        """SQL condition on ``p`` (res_partner) for this behaviour condition."""
        self.ensure_one()
        self._fx_check()
        since = now - timedelta(days=self.days or 0)
        kind = self.kind
        if kind == "deposit_min":
            return SQL(
                """(SELECT coalesce(sum(f.amount_company), 0) FROM fx_funding f
                     WHERE f.partner_id = p.id AND f.kind = 'deposit'
                       AND f.date >= %s) >= %s""",
                since,
                self.amount,
            )
        if kind == "ftd_within":
            return SQL("coalesce(p.fx_ftd_date >= %s, false)", since)
        if kind == "no_trade":
            return SQL(
                """NOT EXISTS (SELECT 1 FROM fx_trade t
                                WHERE t.partner_id = p.id AND t.open_time >= %s)""",
                since,
            )
        if kind == "traded_symbol":
            return SQL(
                """EXISTS (SELECT 1 FROM fx_trade t
                            WHERE t.partner_id = p.id AND t.symbol = %s
                              AND t.open_time >= %s)""",
                self.symbol.strip().upper(),
                since,
            )
        if kind == "used_strategy":
            window = SQL("AND t.open_time >= %s", since) if self.days else SQL("")
            return SQL(
                """EXISTS (SELECT 1 FROM fx_trade t
                            WHERE t.partner_id = p.id AND t.strategy = %s %s)""",
                self.strategy_id.code,
                window,
            )
        if kind == "churn_risk":
            if self.risk <= 0:
                return SQL("TRUE")
            return SQL("p.fx_churn_risk >= %s", self.risk)
        if kind == "stage_window":
            return SQL(
                """(p.fx_stage = %(stage)s OR EXISTS (
                        SELECT 1 FROM fx_trader_stage_history h
                         WHERE h.partner_id = p.id AND h.date >= %(since)s
                           AND (h.stage_to = %(stage)s
                                OR h.stage_from = %(stage)s)))""",
                stage=self.stage,
                since=since,
            )
        if kind == "segment":
            return SQL(
                """EXISTS (SELECT 1 FROM fx_segment_res_partner_rel r
                            WHERE r.partner_id = p.id AND r.segment_id = %s)""",
                self.other_segment_id.id,
            )
        raise ValidationError(self.env._("Unknown condition kind %s.", kind))
