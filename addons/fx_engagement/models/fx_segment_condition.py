from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .fx_trader_condition import ConditionArgs
from .res_partner import TRADER_STAGES

# the fields a condition's meaning depends on
PARAMETERS = (
    "kind",
    "amount",
    "days",
    "symbol",
    "strategy_id",
    "risk",
    "stage",
    "other_segment_id",
)


class FxSegmentCondition(models.Model):
    _name = "fx.segment.condition"
    _description = "Segment Behaviour Condition"
    _order = "sequence, id"

    segment_id = fields.Many2one(
        "fx.segment", required=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer(default=10)
    kind = fields.Selection(
        selection="_selection_kind",
        required=True,
        help="A kind of the trader-condition vocabulary shared with campaigns "
        "(see fx.trader.condition).",
    )
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

    @api.model
    def _selection_kind(self):
        return self.env["fx.trader.condition"]._fx_segment_kinds()

    @api.depends("negate", *PARAMETERS)
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
                "nbo_symbol": self.env._(
                    "next best offer includes %s", cond.symbol or "?"
                ),
                "holds_position": self.env._(
                    "holds an open position in %s", cond.symbol or "?"
                ),
                "watches_symbol": self.env._("watches %s", cond.symbol or "?"),
            }
            text = texts.get(cond.kind, "")
            cond.description = self.env._("NOT %s", text) if cond.negate else text

    @api.constrains(*PARAMETERS)
    def _check_parameters(self):
        for cond in self:
            cond._fx_check()

    def _fx_args(self, now):
        self.ensure_one()
        return ConditionArgs(
            now=now,
            days=self.days,
            amount=self.amount,
            symbol=self.symbol or "",
            strategy=self.strategy_id.code or "",
            risk=self.risk,
            stage=self.stage or "",
            segment_id=self.other_segment_id.id,
        )

    def _fx_check(self, now=None):
        """Raise a clear error when the condition misses a parameter."""
        self.ensure_one()
        args = self._fx_args(now or fields.Datetime.now())
        problem = self.env["fx.trader.condition"]._fx_problem(self.kind, args)
        if (
            not problem
            and self.kind == "segment"
            and (self.other_segment_id == self.segment_id)
        ):
            problem = self.env._("a segment cannot include itself")
        if problem:
            raise ValidationError(
                self.env._(
                    "Segment %(segment)s, condition '%(kind)s': %(problem)s.",
                    segment=self.segment_id.name or self.env._("new segment"),
                    kind=dict(self._selection_kind()).get(self.kind, self.kind),
                    problem=problem,
                )
            )

    def _fx_sql(self, now):
        """SQL condition on ``p`` (res_partner) for this behaviour condition."""
        self.ensure_one()
        self._fx_check(now)
        return self.env["fx.trader.condition"]._fx_sql(self.kind, self._fx_args(now))
