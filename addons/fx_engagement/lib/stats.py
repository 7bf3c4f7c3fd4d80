"""A/B test statistics (docs/METRICS.md#ab-decision): declare a winner only when
significant.

The tests: docs/METRICS.md#two-proportion-z-test and docs/METRICS.md#welch-z-test.
"""

import math
from dataclasses import dataclass
from enum import Enum


def normal_cdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def two_proportion_z_test(successes_a, n_a, successes_b, n_b):
    """Two-sided two-proportion z-test with a pooled proportion.

    Returns ``(z, p_value)``; ``z`` is positive when B converts better than A.
    With no variance at all (both 0% or both 100%) the test says nothing:
    ``(0.0, 1.0)``.
    """
    if n_a <= 0 or n_b <= 0:
        raise ValueError("both groups need at least one participant")
    if not (0 <= successes_a <= n_a and 0 <= successes_b <= n_b):
        raise ValueError("successes must be between 0 and the group size")
    p_a, p_b = successes_a / n_a, successes_b / n_b
    pooled = (successes_a + successes_b) / (n_a + n_b)
    variance = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if variance == 0:
        return 0.0, 1.0
    z = (p_b - p_a) / math.sqrt(variance)
    return z, 2 * (1 - normal_cdf(abs(z)))


# the smallest group each test accepts (see the ValueError of each test)
MIN_GROUP_RATES = 1
MIN_GROUP_AMOUNTS = 2


def welch_z_test(mean_a, var_a, n_a, mean_b, var_b, n_b):
    """Large-sample test of a difference of means (e.g. attributed deposits per
    participant), the normal approximation of Welch's t-test: ``(z, p_value)``."""
    if n_a < MIN_GROUP_AMOUNTS or n_b < MIN_GROUP_AMOUNTS:
        raise ValueError("both groups need at least two participants")
    standard_error = math.sqrt(var_a / n_a + var_b / n_b)
    if standard_error == 0:
        return 0.0, 1.0
    z = (mean_b - mean_a) / standard_error
    return z, 2 * (1 - normal_cdf(abs(z)))


@dataclass(frozen=True)
class Variant:
    key: object
    n: int
    successes: float  # count for proportions, sum for amounts
    sum_squares: float = 0.0  # for amounts: sum of squared values


class DecisionStatus(str, Enum):
    """What a decision says; callers act on it (never on the reason's text)."""

    WINNER = "winner"  # decided: the winner is significantly better
    NOT_SIGNIFICANT = "not_significant"  # decided: no winner
    TOO_FEW_VARIANTS = "too_few_variants"  # decided: nothing to compare
    NOT_ENOUGH_DATA = "not_enough_data"  # not decided yet: judge again later


@dataclass(frozen=True)
class Decision:
    winner: object  # the key of the winning variant, or None
    p_value: float
    reason: str  # for display only, in English
    status: DecisionStatus
    smallest: int = 0  # NOT_ENOUGH_DATA: the smallest group ...
    minimum: int = 0  # ... and the size each group needs

    @property
    def decided(self):
        """Whether the test is over (with or without a winner)."""
        return self.status != DecisionStatus.NOT_ENOUGH_DATA


def decide_winner(variants, *, confidence=0.95, min_sample=100, amounts=False):
    """Pick the best variant if it beats every other one significantly.

    ``variants`` are :class:`Variant` (a holdout group is not a variant). The best
    one by rate (or mean amount) wins only when each group has at least
    ``min_sample`` participants (and at least what the test needs: one for
    rates, two for amounts) and the test against every other variant has
    ``p < 1 - confidence``; otherwise no winner, with the status and reason.
    """
    if len(variants) < 2:
        return Decision(
            None, 1.0, "needs at least two variants", DecisionStatus.TOO_FEW_VARIANTS
        )
    minimum = max(min_sample, MIN_GROUP_AMOUNTS if amounts else MIN_GROUP_RATES)
    small = [v for v in variants if v.n < minimum]
    if small:
        smallest = min(v.n for v in small)
        return Decision(
            None,
            1.0,
            f"not enough participants yet ({smallest} < {minimum})",
            DecisionStatus.NOT_ENOUGH_DATA,
            smallest=smallest,
            minimum=minimum,
        )

    def rate(v):
        return v.successes / v.n

    best = max(variants, key=rate)
    worst_p = 0.0
    for other in variants:
        if other is best:
            continue
        if amounts:
            mean_o, mean_b = rate(other), rate(best)
            var_o = max(0.0, other.sum_squares / other.n - mean_o**2)
            var_b = max(0.0, best.sum_squares / best.n - mean_b**2)
            _z, p = welch_z_test(mean_o, var_o, other.n, mean_b, var_b, best.n)
        else:
            _z, p = two_proportion_z_test(
                other.successes, other.n, best.successes, best.n
            )
        worst_p = max(worst_p, p)
    if rate(best) > max(rate(v) for v in variants if v is not best) and worst_p < (
        1 - confidence
    ):
        return Decision(
            best.key, worst_p, f"significant at {confidence:.0%}", DecisionStatus.WINNER
        )
    return Decision(
        None, worst_p, "no significant difference", DecisionStatus.NOT_SIGNIFICANT
    )
