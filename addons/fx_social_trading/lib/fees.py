"""Copy-trading fees (docs/SOCIAL_TRADING.md#fees)."""

from dataclasses import dataclass

from .money import round_money


@dataclass(frozen=True)
class PerformanceFee:
    fee: float
    high_water_mark: float  # after the settlement


def performance_fee(equity, high_water_mark, pct, digits=2):
    """Fee on the profit above the high-water mark: (equity - HWM) x pct / 100
    when positive, rounded to the currency; the new mark is the equity after the
    fee. Below the mark (a drawdown) no fee and the mark stays."""
    profit = equity - high_water_mark
    if profit <= 0 or pct <= 0:
        return PerformanceFee(0.0, high_water_mark)
    fee = round_money(profit * pct / 100.0, digits)
    return PerformanceFee(fee, round_money(equity - fee, digits))


def adjust_mark(high_water_mark, equity_before, flow, digits=2):
    """The mark after a deposit (``flow`` > 0: mark + deposit) or a withdrawal
    (``flow`` < 0: the mark shrinks in the proportion withdrawn,
    mark x (1 - withdrawal / equity before))."""
    if flow >= 0:
        return round_money(high_water_mark + flow, digits)
    if equity_before <= 0:
        return 0.0
    share = min(-flow / equity_before, 1.0)
    return round_money(high_water_mark * (1.0 - share), digits)


def management_fee_day(equity, pct_per_year, digits=2):
    """One day of the management fee: equity x pct / 100 / 365, rounded."""
    if equity <= 0 or pct_per_year <= 0:
        return 0.0
    return round_money(equity * pct_per_year / 100.0 / 365.0, digits)
