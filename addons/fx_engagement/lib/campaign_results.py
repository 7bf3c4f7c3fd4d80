"""Did the campaign work (docs/METRICS.md#campaign-results): rates per group and
the sample an A/B test needs. Pure functions, no Odoo."""

import math
from dataclasses import dataclass
from statistics import NormalDist

DEFAULT_POWER = 0.8
# the smallest difference the needed sample is sized for when the groups do
# not differ yet: a 20 % relative lift, at least 1 point
MIN_RELATIVE_LIFT = 0.2
MIN_ABSOLUTE_LIFT = 0.01


def ratio(part, whole):
    """part / whole, 0 when whole is 0."""
    return part / whole if whole else 0.0


@dataclass(frozen=True)
class GroupRates:
    open_rate: float
    click_rate: float
    conversion_rate: float
    deposits_per_contact: float
    revenue_per_contact: float


def group_rates(*, participants, sent, opened, clicked, converted, deposits, revenue):
    """The rates of one group (a variant, the holdout, everyone)."""
    return GroupRates(
        open_rate=ratio(opened, sent),
        click_rate=ratio(clicked, sent),
        conversion_rate=ratio(converted, participants),
        deposits_per_contact=ratio(deposits, participants),
        revenue_per_contact=ratio(revenue, participants),
    )


def _z(probability):
    return NormalDist().inv_cdf(probability)


def _sized_difference(p_a, p_b):
    """p_b, moved away from p_a by the minimum lift when they are equal."""
    if p_a != p_b:
        return p_b
    lift = max(MIN_RELATIVE_LIFT * p_a, MIN_ABSOLUTE_LIFT)
    return p_a + lift if p_a + lift < 1 else p_a - lift


def needed_sample_rates(p_a, p_b, confidence, power=DEFAULT_POWER):
    """Participants each group needs for a two-sided two-proportion test at
    ``confidence`` to detect the difference between rates ``p_a`` and ``p_b``
    with probability ``power``:

    n = (z(1 - alpha/2) sqrt(2 p_mean (1 - p_mean))
         + z(power) sqrt(p_a (1 - p_a) + p_b (1 - p_b)))² / (p_a - p_b)²,
    alpha = 1 - confidence, p_mean = (p_a + p_b) / 2, rounded up
    (docs/METRICS.md#ab-verdict).
    """
    if not (0 <= p_a <= 1 and 0 <= p_b <= 1):
        raise ValueError("rates must be between 0 and 1")
    if not 0.5 <= confidence < 1 or not 0 < power < 1:
        raise ValueError("confidence must be in [0.5, 1) and power in (0, 1)")
    p_b = _sized_difference(p_a, p_b)
    mean = (p_a + p_b) / 2
    numerator = _z(1 - (1 - confidence) / 2) * math.sqrt(2 * mean * (1 - mean)) + _z(
        power
    ) * math.sqrt(p_a * (1 - p_a) + p_b * (1 - p_b))
    return math.ceil(numerator**2 / (p_a - p_b) ** 2)


def needed_sample_means(mean_a, var_a, mean_b, var_b, confidence, power=DEFAULT_POWER):
    """The same for a difference of means (attributed deposits):
    n = (z(1 - alpha/2) + z(power))² (var_a + var_b) / (mean_a - mean_b)², rounded
    up; equal means are sized for a 20 % difference (at least 1 unit); no
    variance at all needs 2 (the test's minimum)."""
    if mean_a == mean_b:
        mean_b = mean_a + max(MIN_RELATIVE_LIFT * abs(mean_a), 1.0)
    if var_a + var_b == 0:
        return 2
    z = _z(1 - (1 - confidence) / 2) + _z(power)
    return max(2, math.ceil(z**2 * (var_a + var_b) / (mean_a - mean_b) ** 2))


def confidence_of(p_value):
    """The confidence of a verdict in whole percent, rounded down (never 100)."""
    return min(99, math.floor((1 - p_value) * 100))
