"""PAMM pools: units, NAV, deposits and withdrawals at NAV, pro-rata
allocation with a per-investor high-water mark
(docs/SOCIAL_TRADING.md#pamm-pools)."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .money import round_money, split_exact

INITIAL_NAV = 1.0
UNIT_DIGITS = 6


def round_units(units):
    return float(
        Decimal(repr(float(units))).quantize(
            Decimal(1).scaleb(-UNIT_DIGITS), ROUND_HALF_UP
        )
    )


def nav_per_unit(pool_equity, units):
    """Pool equity / units outstanding; 1.0 before the first unit."""
    if units <= 0:
        return INITIAL_NAV
    return pool_equity / units


def units_for(amount, nav):
    """Units bought (deposit) or redeemed (withdrawal) for ``amount`` at
    ``nav``, rounded to 6 decimals."""
    if nav <= 0:
        raise ValueError("the NAV per unit must be positive")
    return round_units(amount / nav)


@dataclass(frozen=True)
class Allocation:
    key: object
    share: float  # gross share of the pool's result
    fee: float  # manager's performance fee
    net: float  # share - fee
    value: float  # investor's value after the period, net
    high_water_mark: float


def allocate(result, investors, fee_pct, digits=2):
    """Split the pool's ``result`` of a period among ``investors``
    ``[(key, units, value_before, high_water_mark)]``:

    1. gross shares pro rata to units, rounded with the largest remainder so
       they sum exactly to ``result``;
    2. each investor's fee: fee_pct of the part of (value before + share)
       above their high-water mark, rounded;
    3. net = share - fee; the new mark is the value after the fee when a fee
       was charged (else unchanged).

    Shares, fees and nets sum exactly (in cents): sum(net) + sum(fee) = result.
    """
    shares = split_exact(result, [units for _k, units, _v, _h in investors], digits)
    out = []
    for (key, _units, before, mark), share in zip(investors, shares, strict=True):
        value = round_money(before + share, digits)
        above = value - mark
        fee = round_money(above * fee_pct / 100.0, digits) if above > 0 else 0.0
        net = round_money(share - fee, digits)
        after = round_money(value - fee, digits)
        out.append(Allocation(key, share, fee, net, after, after if fee else mark))
    return out
