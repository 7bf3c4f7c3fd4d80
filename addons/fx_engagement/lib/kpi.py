"""Trader KPIs that need no database (docs/METRICS.md#rfm, #churn-backtest).

- :func:`quintile_score`: the 1-5 score of a rank among ``n`` traders;
- :func:`rfm_segment` / :data:`RFM_SEGMENTS`: the name of an RFM cell;
- :func:`classification`: precision, recall, lift and F1 of a yes/no rule;
- :func:`tune_weights`: the grid search over the churn factors' weights.
"""

from dataclasses import dataclass
from itertools import product
from math import floor

RFM_SEGMENTS = [
    ("champion", "Champion"),
    ("loyal", "Loyal"),
    ("promising", "Promising"),
    ("at_risk", "At Risk"),
    ("hibernating", "Hibernating"),
    ("needs_attention", "Needs Attention"),
]

# the churn factors, in the order of the snapshot columns and the weights
FACTORS = ("recency", "falling_volume", "falling_deposits", "withdrawals")
DEFAULT_WEIGHTS = dict.fromkeys(FACTORS, 1.0)
# the multipliers the tuning tries for each factor
WEIGHT_GRID = (0.0, 0.5, 1.0, 1.5, 2.0)


def quintile_score(rank, n):
    """``1 + floor(5 x (rank - 1) / n)``: the score of the trader at ``rank``
    (1 = lowest value; tied values share the lowest rank of the tie) among ``n``
    traders. The same formula is computed in SQL by the nightly scoring."""
    if n < 1 or not 1 <= rank <= n:
        raise ValueError("rank must be between 1 and n")
    return 1 + floor(5 * (rank - 1) / n)


def rfm_segment(r, f, m):
    """The segment of an RFM cell (scores 1-5), first rule that holds:

    champion: R, F and M all 4 or 5; at risk: R 1-2 and F or M 4-5;
    hibernating: R, F and M all 1-2; loyal: R and F 3-5; promising: R 4-5;
    needs attention: every other cell."""
    if r >= 4 and f >= 4 and m >= 4:
        return "champion"
    if r <= 2 and (f >= 4 or m >= 4):
        return "at_risk"
    if r <= 2 and f <= 2 and m <= 2:
        return "hibernating"
    if r >= 3 and f >= 3:
        return "loyal"
    if r >= 4:
        return "promising"
    return "needs_attention"


def rfm_segment_table():
    """The 125 segments indexed by ``(r - 1) x 25 + (f - 1) x 5 + (m - 1)``,
    for the SQL scoring (one array lookup per trader)."""
    return [
        rfm_segment(r, f, m)
        for r, f, m in product(range(1, 6), range(1, 6), range(1, 6))
    ]


@dataclass(frozen=True)
class Classification:
    traders: int
    predicted: int
    churned: int
    true_positives: int
    precision: float  # %
    recall: float  # %
    base_rate: float  # %
    lift: float
    f1: float  # %


def classification(traders, predicted, churned, true_positives):
    """Precision, recall, base rate, lift and F1 of a rule that flagged
    ``predicted`` of ``traders``, of whom ``churned`` churned and
    ``true_positives`` were both flagged and churned. A ratio over 0 is 0."""

    def pct(a, b):
        return 100.0 * a / b if b else 0.0

    precision = pct(true_positives, predicted)
    recall = pct(true_positives, churned)
    base_rate = pct(churned, traders)
    lift = precision / base_rate if base_rate else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Classification(
        traders,
        predicted,
        churned,
        true_positives,
        precision,
        recall,
        base_rate,
        lift,
        f1,
    )


def weighted_risk(points, weights):
    """The churn risk from the factors' unweighted points (in FACTORS order):
    ``min(100, sum round(weight x points))``, halves to even as Python rounds."""
    return min(100, sum(round(w * p) for w, p in zip(weights, points, strict=True)))


def tune_weights(groups, threshold, grid=WEIGHT_GRID):
    """Grid search over the weights (one multiplier of ``grid`` per factor).

    ``groups``: ``[(points, churned, count)]`` with ``points`` the unweighted
    points of the four factors. For each combination the rule "weighted risk >=
    threshold" is scored by F1 on those rows; the best F1 wins, ties going to
    the combination closest to the current weights (all 1: smallest sum of
    ``|w - 1|``), then to the first in grid order. Returns
    ``(weights, Classification)``."""
    traders = sum(c for _p, _ch, c in groups)
    churned = sum(c for _p, ch, c in groups if ch)
    best = None
    for weights in product(grid, repeat=len(FACTORS)):
        predicted = true_positives = 0
        for points, is_churned, count in groups:
            if weighted_risk(points, weights) >= threshold:
                predicted += count
                if is_churned:
                    true_positives += count
        result = classification(traders, predicted, churned, true_positives)
        key = (round(result.f1, 9), -sum(abs(w - 1) for w in weights))
        if best is None or key > best[0]:
            best = (key, weights, result)
    return dict(zip(FACTORS, best[1], strict=True)), best[2]
