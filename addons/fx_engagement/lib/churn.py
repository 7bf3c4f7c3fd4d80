"""Explainable churn risk (docs/METRICS.md#churn-risk): a 0-100 score and the
factors behind it.

Each factor adds points and says why, so staff see what drives the score; nothing
is learnt or hidden. The inputs are trader facts already kept on the contact.
"""

from dataclasses import dataclass
from datetime import datetime

# most points each factor may add; they sum to 100
RECENCY_POINTS = 40
VOLUME_POINTS = 25
DEPOSIT_POINTS = 15
WITHDRAWAL_POINTS = 20


@dataclass(frozen=True)
class Factor:
    code: str
    points: int
    detail: str  # in English
    # the figures of the detail, for a translated sentence (docs/METRICS.md#churn-risk)
    args: tuple = ()
    base: int | None = None  # the points before the weight (None: weight 1)


def _days(now, then):
    return (now - then).total_seconds() / 86400 if then else None


def churn_risk(
    now: datetime,
    *,
    funded: bool,
    last_trade: datetime | None,
    last_deposit: datetime | None,
    trades_90d: int,
    volume_30d: float,
    volume_90d: float,
    deposits_30d: float,
    deposits_90d: float,
    withdrawals_90d: float,
    churned_days: int | None = None,
    weights: dict | None = None,
) -> tuple[int, list[Factor]]:
    """Return ``(score, factors)``; traders never funded score 0; a churned
    trader (``churned_days``: the churn setting C, given when the lifecycle
    stage is churned) scores 100 with the one factor ``churned``.

    ``weights`` ({factor code: multiplier}, 1 when absent; see
    docs/METRICS.md#churn-weights) multiply each factor's points:
    ``round(weight x points)``; a factor weighted to 0 points stays listed
    (with 0 points) so that its unweighted points (``base``) are kept.

    - recency: days since the last trade (or deposit) against the trader's own usual
      gap between trades over 90 days; full points at 4x the usual gap;
    - falling volume: lots of the last 30 days against the monthly average of the
      60 days before;
    - falling deposits: the same comparison for deposits;
    - withdrawals: withdrawals over deposits in 90 days (money leaving).
    """
    if not funded:
        return 0, []
    if churned_days is not None:
        return 100, [
            Factor(
                "churned",
                100,
                f"churned: no trade or deposit for more than {churned_days} days",
                (("days", churned_days),),
            )
        ]
    factors = []
    last = max((d for d in (last_trade, last_deposit) if d), default=None)
    idle = _days(now, last)
    usual_gap = 90 / trades_90d if trades_90d else 30.0
    if idle is not None and idle > usual_gap:
        ratio = idle / usual_gap
        points = round(RECENCY_POINTS * min(1.0, (ratio - 1) / 3))
        if points:
            factors.append(
                Factor(
                    "recency",
                    points,
                    f"{idle:.0f} days since the last activity; usual gap "
                    f"{usual_gap:.1f} days",
                    (("idle", round(idle)), ("gap", round(usual_gap, 1))),
                )
            )
    for code, label, recent, total, cap in (
        ("volume", "lots", volume_30d, volume_90d, VOLUME_POINTS),
        ("deposits", "deposits", deposits_30d, deposits_90d, DEPOSIT_POINTS),
    ):
        before = (total - recent) / 2  # monthly average of the 60 days before
        if before > 0 and recent < before:
            drop = 1 - recent / before
            points = round(cap * drop)
            if points:
                factors.append(
                    Factor(
                        f"falling_{code}",
                        points,
                        f"{label} down {drop:.0%} in the last 30 days "
                        f"({recent:,.2f} vs {before:,.2f} a month before)",
                        (
                            ("drop", round(drop * 100)),
                            ("recent", recent),
                            ("before", before),
                        ),
                    )
                )
    if withdrawals_90d > 0:
        ratio = withdrawals_90d / deposits_90d if deposits_90d else 1.0
        points = round(WITHDRAWAL_POINTS * min(1.0, ratio))
        if points:
            factors.append(
                Factor(
                    "withdrawals",
                    points,
                    f"withdrew {withdrawals_90d:,.2f} against {deposits_90d:,.2f} "
                    "deposited in 90 days",
                    (("withdrawn", withdrawals_90d), ("deposited", deposits_90d)),
                )
            )
    if weights:
        factors = [
            Factor(
                f.code,
                round(weights.get(f.code, 1.0) * f.points),
                f.detail,
                f.args,
                base=f.points,
            )
            for f in factors
        ]
    return min(100, sum(f.points for f in factors)), factors
