"""Trader conditions: one vocabulary of what a trader did or is, for segments,
campaign triggers and step conditions, and for any addon that needs one
(referral qualification, copy-trading listing thresholds ...).

Each kind is a :class:`ConditionKind`: a label, the parameters it takes and an
SQL predicate on the trader ``p`` (``res_partner``). Parameters come in a
:class:`ConditionArgs`; ``since`` is the start of the window, either a moment
(``now`` minus ``days``) or an SQL expression (a participant's enrolment date).
Another addon registers a kind by extending ``_fx_kinds`` of the abstract model
``fx.trader.condition``; the definitions are in docs/METRICS.md#segment-conditions.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from odoo import api, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


@dataclass(frozen=True)
class ConditionArgs:
    """The parameters of one condition; unused ones stay empty."""

    now: datetime
    days: int = 0
    since: object = None  # a datetime or an SQL expression; default now - days
    amount: float = 0.0
    symbol: str = ""
    strategy: str = ""  # a strategy code
    risk: int = 0
    stage: str = ""
    segment_id: int = 0

    @property
    def start(self):
        """The start of the window, as SQL."""
        if isinstance(self.since, SQL):
            return self.since
        since = self.since or self.now - timedelta(days=self.days or 0)
        return SQL("%s", since)


@dataclass(frozen=True)
class ConditionKind:
    """A kind of trader condition: label, parameters (``days``, ``amount``,
    ``symbol``, ``strategy``, ``risk``, ``stage``, ``segment_id``), the
    predicate, and whether its window may be left open (``days`` = 0: ever)."""

    label: object  # a lazy translation: str(label) is in the user's language
    params: tuple
    sql: Callable[[ConditionArgs], SQL]
    days_optional: bool = False


def _deposited(args):
    """Deposited at least ``amount`` since the start (any deposit when 0)."""
    if args.amount and args.amount > 0:
        return SQL(
            "(SELECT coalesce(sum(f.amount_company), 0) FROM fx_funding f "
            "WHERE f.partner_id = p.id AND f.kind = 'deposit' AND f.date >= %s) >= %s",
            args.start,
            args.amount,
        )
    return SQL(
        "EXISTS (SELECT 1 FROM fx_funding f WHERE f.partner_id = p.id "
        "AND f.kind = 'deposit' AND f.date >= %s)",
        args.start,
    )


def _traded(args):
    return SQL(
        "EXISTS (SELECT 1 FROM fx_trade t WHERE t.partner_id = p.id "
        "AND t.open_time >= %s)",
        args.start,
    )


def _no_trade(args):
    return SQL("NOT %s", _traded(args))


def _traded_symbol(args):
    return SQL(
        "EXISTS (SELECT 1 FROM fx_trade t WHERE t.partner_id = p.id "
        "AND t.symbol = %s AND t.open_time >= %s)",
        args.symbol.strip().upper(),
        args.start,
    )


def _used_strategy(args):
    window = SQL("AND t.open_time >= %s", args.start) if args.days else SQL("")
    return SQL(
        "EXISTS (SELECT 1 FROM fx_trade t WHERE t.partner_id = p.id "
        "AND t.strategy = %s %s)",
        args.strategy,
        window,
    )


def _churn_risk(args):
    if args.risk <= 0:
        return SQL("TRUE")
    return SQL("p.fx_churn_risk >= %s", args.risk)


def _ftd_within(args):
    return SQL("coalesce(p.fx_ftd_date >= %s, false)", args.start)


def _stage_window(args):
    return SQL(
        "(p.fx_stage = %(stage)s OR EXISTS (SELECT 1 FROM fx_trader_stage_history h "
        "WHERE h.partner_id = p.id AND h.date >= %(since)s "
        "AND (h.stage_to = %(stage)s OR h.stage_from = %(stage)s)))",
        stage=args.stage,
        since=args.start,
    )


def _in_segment(args):
    return SQL(
        "EXISTS (SELECT 1 FROM fx_segment_res_partner_rel r "
        "WHERE r.partner_id = p.id AND r.segment_id = %s)",
        args.segment_id,
    )


def _funded_no_trade(args):
    """Funded, and neither traded nor made the first deposit in the window:
    the last trade, or the first deposit of a trader who never traded, is
    older than the window (the campaign trigger "no trade for N days")."""
    return SQL(
        "(p.fx_is_funded AND coalesce(p.fx_last_trade_date, p.fx_ftd_date) < %s)",
        args.start,
    )


def _nbo_symbol(args):
    """The trader's next best offers (fx.next.best.offer) include the symbol."""
    return SQL(
        "EXISTS (SELECT 1 FROM fx_next_best_offer n WHERE n.partner_id = p.id "
        "AND n.symbol = %s)",
        args.symbol.strip().upper(),
    )


# labels are lazy translations: module-level constants have no env yet
# pylint: disable=prefer-env-translation
KINDS = {
    "deposit_min": ConditionKind(
        _lt("Deposited at least X in the last N days"), ("amount", "days"), _deposited
    ),
    "ftd_within": ConditionKind(
        _lt("First deposit in the last N days"), ("days",), _ftd_within
    ),
    "no_trade": ConditionKind(_lt("No trade in the last N days"), ("days",), _no_trade),
    "traded_symbol": ConditionKind(
        _lt("Traded a symbol in the last N days"), ("symbol", "days"), _traded_symbol
    ),
    "used_strategy": ConditionKind(
        _lt("Used a strategy in the last N days"),
        ("strategy", "days"),
        _used_strategy,
        days_optional=True,
    ),
    "churn_risk": ConditionKind(_lt("Churn risk at least R"), ("risk",), _churn_risk),
    "stage_window": ConditionKind(
        _lt("Stage is, or was in the last N days"), ("stage", "days"), _stage_window
    ),
    "segment": ConditionKind(
        _lt("Member of another segment"), ("segment_id",), _in_segment
    ),
    "nbo_symbol": ConditionKind(
        _lt("Next best offer includes a symbol"), ("symbol",), _nbo_symbol
    ),
    # used by campaigns (triggers, step conditions); not offered to segments
    "traded": ConditionKind(_lt("Traded in the window"), ("days",), _traded),
    "funded_no_trade": ConditionKind(
        _lt("Funded, no trade for N days"), ("days",), _funded_no_trade
    ),
}
# pylint: enable=prefer-env-translation
SEGMENT_KINDS = (
    "deposit_min",
    "ftd_within",
    "no_trade",
    "traded_symbol",
    "used_strategy",
    "churn_risk",
    "stage_window",
    "segment",
    "nbo_symbol",
    # fx_trader_condition_market.py
    "holds_position",
    "watches_symbol",
)


class FxTraderCondition(models.AbstractModel):
    _name = "fx.trader.condition"
    _description = "Trader Conditions (registry)"

    @api.model
    def _fx_kinds(self):
        """{code: ConditionKind}; extend to register a kind."""
        return dict(KINDS)

    @api.model
    def _fx_segment_kinds(self):
        """The kinds offered in segments, as a selection; an addon adds its own
        by extending this method too."""
        kinds = self._fx_kinds()
        return [(code, str(kinds[code].label)) for code in SEGMENT_KINDS]

    @api.model
    def _fx_problem(self, code, args):
        """Why ``args`` do not suit the kind ``code`` (a sentence), or None."""
        kind = self._fx_kinds()[code]
        params = kind.params
        if "days" in params and args.since is None:
            if args.days < 0:
                return self.env._("the number of days cannot be negative")
            if args.days == 0 and not kind.days_optional:
                return self.env._("the number of days must be positive")
        if "amount" in params and args.amount <= 0:
            return self.env._("the deposit amount must be positive")
        if "symbol" in params and not (args.symbol or "").strip():
            return self.env._("a symbol is required")
        if "strategy" in params and not args.strategy:
            return self.env._("a strategy is required")
        if "risk" in params and not 0 <= args.risk <= 100:
            return self.env._("the churn risk must be between 0 and 100")
        if "stage" in params and not args.stage:
            return self.env._("a stage is required")
        if "segment_id" in params and not args.segment_id:
            return self.env._("a segment is required")
        return None

    @api.model
    def _fx_sql(self, code, args):
        """The SQL predicate on ``p`` of the condition ``code`` with ``args``."""
        kinds = self._fx_kinds()
        if code not in kinds:
            raise ValidationError(self.env._("Unknown condition kind %s.", code))
        return kinds[code].sql(args)
