"""Rounding of money and the largest-remainder split
(docs/SOCIAL_TRADING.md#rounding)."""

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal


def _quantum(digits):
    return Decimal(1).scaleb(-digits)


def round_money(amount, digits=2):
    """``amount`` rounded half away from zero to ``digits`` decimals (the
    currency's precision); the float is read through its shortest repr so that
    1.005 rounds to 1.01."""
    value = Decimal(repr(float(amount))).quantize(_quantum(digits), ROUND_HALF_UP)
    return float(value)


def split_exact(total, weights, digits=2):
    """``total`` split in proportion to ``weights`` (non-negative), each share
    rounded to ``digits`` decimals so that the shares sum exactly to ``total``
    (rounded): every share is first rounded down, then the cents left over go one
    by one to the largest remainders (ties: the earlier weight).

    A negative total (a loss) is split the same way on its absolute value.
    """
    weights = [Decimal(repr(float(w))) for w in weights]
    if any(w < 0 for w in weights):
        raise ValueError("weights cannot be negative")
    quantum = _quantum(digits)
    total_d = Decimal(repr(float(total))).quantize(quantum, ROUND_HALF_UP)
    if not weights:
        return []
    sign = -1 if total_d < 0 else 1
    magnitude = abs(total_d)
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("the weights sum to zero: nothing to split by")
    exact = [magnitude * w / weight_sum for w in weights]
    floors = [e.quantize(quantum, ROUND_FLOOR) for e in exact]
    left = int((magnitude - sum(floors)) / quantum)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += quantum
    return [float(sign * f) for f in floors]
