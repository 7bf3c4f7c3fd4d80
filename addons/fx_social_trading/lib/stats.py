"""Strategy statistics from a daily equity series, the funding flows and the
closed trades (docs/SOCIAL_TRADING.md#statistics).

``points``: ``[(date, equity), ...]`` sorted by date, one per day (days without
a point are simply absent); ``flows``: ``{date: net deposit}`` (deposits
positive, withdrawals negative), already included in that day's equity;
``trades``: net results of the closed trades (profit + commission + swap).
"""

import math
import statistics as pystats
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise

TRADING_DAYS = 252
WINDOWS = (7, 30, 90, 365)
# annualised volatility (%) above each bound adds one point of risk
RISK_BANDS = (2, 4, 6, 9, 12, 16, 22, 30, 45, 65)


def daily_returns(points, flows=None):
    """``[(date, r)]``: r = (E_t - F_t) / E_(t-1) - 1 for each point after the
    first, F_t the net deposits of day t; a day whose previous equity is not
    positive has no return (a blown or empty account)."""
    flows = flows or {}
    result = []
    for (_d0, e0), (d1, e1) in pairwise(points):
        if e0 <= 0:
            continue
        result.append((d1, (e1 - flows.get(d1, 0.0)) / e0 - 1.0))
    return result


def chain(returns):
    """Compounded return of ``returns`` (fractions), as a fraction."""
    growth = 1.0
    for r in returns:
        growth *= 1.0 + r
    return growth - 1.0


def twr(points, flows=None, days=None, as_of=None):
    """Time-weighted return (%) over the last ``days`` days up to ``as_of``
    (default: the last point), or since the first point when ``days`` is None.

    The base is the last point on or before ``as_of - days``; without one the
    history is too short and the return is None."""
    if len(points) < 2:
        return None
    as_of = as_of or points[-1][0]
    usable = [p for p in points if p[0] <= as_of]
    if days is not None:
        start = as_of - timedelta(days=days)
        before = [i for i, p in enumerate(usable) if p[0] <= start]
        if not before:
            return None
        usable = usable[before[-1] :]
    if len(usable) < 2:
        return 0.0 if usable else None
    return chain(r for _d, r in daily_returns(usable, flows)) * 100.0


def growth_index(points, flows=None):
    """``[(date, index)]``: the value of 1 unit invested at the first point,
    moved by the daily returns only (deposits and withdrawals do not move it)."""
    if not points:
        return []
    index = [(points[0][0], 1.0)]
    value = 1.0
    for day, r in daily_returns(points, flows):
        value *= 1.0 + r
        index.append((day, value))
    return index


def max_drawdown(points, flows=None):
    """Largest peak-to-trough fall (%) of the growth index."""
    peak = None
    worst = 0.0
    for _day, value in growth_index(points, flows):
        if peak is None or value > peak:
            peak = value
        elif peak > 0:
            worst = max(worst, (peak - value) / peak)
    return worst * 100.0


def sharpe(returns):
    """``returns``: ``[(date, r)]``; mean(r) / stdev(r) x sqrt(252) (sample
    standard deviation); None with fewer than 2 returns or no variation."""
    values = [r for _d, r in returns]
    if len(values) < 2:
        return None
    std = pystats.stdev(values)
    if std == 0:
        return None
    return pystats.fmean(values) / std * math.sqrt(TRADING_DAYS)


def volatility(returns):
    """Annualised volatility (%) of the daily returns: stdev x sqrt(252) x 100;
    0 with fewer than 2 returns."""
    values = [r for _d, r in returns]
    if len(values) < 2:
        return 0.0
    return pystats.stdev(values) * math.sqrt(TRADING_DAYS) * 100.0


def risk_score(returns):
    """0-10: how many RISK_BANDS the annualised volatility exceeds."""
    vol = volatility(returns)
    return sum(1 for bound in RISK_BANDS if vol > bound)


@dataclass
class TradeStats:
    count: int
    wins: int
    win_rate: float | None  # %
    gross_profit: float
    gross_loss: float  # positive
    profit_factor: float | None
    average: float | None


def trade_stats(results):
    """Win rate (% of closed trades with a positive net result), profit factor
    (gross profit / gross loss, None without a loss) and average net result."""
    results = list(results)
    return trade_summary(
        len(results),
        sum(1 for r in results if r > 0),
        sum(r for r in results if r > 0),
        -sum(r for r in results if r < 0),
        sum(results),
    )


def trade_summary(count, wins, gross_profit, gross_loss, total):
    """:func:`trade_stats` from the sums (as a SQL query gives them)."""
    return TradeStats(
        count=count,
        wins=wins,
        win_rate=wins / count * 100.0 if count else None,
        gross_profit=gross_profit,
        gross_loss=gross_loss,
        profit_factor=gross_profit / gross_loss if gross_loss else None,
        average=total / count if count else None,
    )


def history_days(points):
    """Days from the first to the last point, both counted."""
    if not points:
        return 0
    return (points[-1][0] - points[0][0]).days + 1


def weeks_of_history(points):
    return history_days(points) // 7


def trades_per_week(trade_count, points):
    """Closed trades per week of history (a history shorter than a week counts
    as one week)."""
    weeks = max(history_days(points) / 7.0, 1.0)
    return trade_count / weeks


def _clamp(value):
    return min(max(value, 0.0), 1.0)


def ranking_score(return_pct, drawdown_pct, profit_factor, win_rate, trade_count):
    """0-100 published ranking: 40 x return part + 30 x drawdown part + 20 x
    profit factor part + 10 x win rate part, each part between 0 and 1:
    return (-20 % .. +40 %), drawdown (0 % .. 50 %, less is better), profit
    factor (0.5 .. 2.5; no loss counts as 2.5), win rate (0 .. 100 %). No
    closed trade: 0."""
    if not trade_count or return_pct is None:
        return 0.0
    s_return = _clamp((return_pct + 20.0) / 60.0)
    s_drawdown = _clamp(1.0 - drawdown_pct / 50.0)
    s_pf = 1.0 if profit_factor is None else _clamp((profit_factor - 0.5) / 2.0)
    s_win = _clamp((win_rate or 0.0) / 100.0)
    return 100.0 * (0.4 * s_return + 0.3 * s_drawdown + 0.2 * s_pf + 0.1 * s_win)


@dataclass
class StrategyStats:
    return_7: float | None
    return_30: float | None
    return_90: float | None
    return_365: float | None
    return_total: float | None
    max_drawdown: float
    win_rate: float | None
    profit_factor: float | None
    average_trade: float | None
    trade_count: int
    sharpe: float | None
    weeks: int
    trades_per_week: float
    volatility: float
    risk_score: int
    ranking: float


def strategy_stats(points, flows, trades, as_of=None):
    """Every statistic of a strategy (docs/SOCIAL_TRADING.md#statistics);
    ``trades``: the net results of the closed trades, or their
    :class:`TradeStats`."""
    returns = daily_returns(points, flows)
    if not isinstance(trades, TradeStats):
        trades = trade_stats(trades)
    total = twr(points, flows, None, as_of)
    r90 = twr(points, flows, 90, as_of)
    drawdown = max_drawdown(points, flows)
    return StrategyStats(
        return_7=twr(points, flows, 7, as_of),
        return_30=twr(points, flows, 30, as_of),
        return_90=r90,
        return_365=twr(points, flows, 365, as_of),
        return_total=total,
        max_drawdown=drawdown,
        win_rate=trades.win_rate,
        profit_factor=trades.profit_factor,
        average_trade=trades.average,
        trade_count=trades.count,
        sharpe=sharpe(returns),
        weeks=weeks_of_history(points),
        trades_per_week=trades_per_week(trades.count, points),
        volatility=volatility(returns),
        risk_score=risk_score(returns),
        ranking=ranking_score(
            r90 if r90 is not None else total,
            drawdown,
            trades.profit_factor,
            trades.win_rate,
            trades.count,
        ),
    )


def median(values):
    values = [v for v in values if v is not None]
    return pystats.median(values) if values else None


def mean(values):
    values = [v for v in values if v is not None]
    return pystats.fmean(values) if values else None
