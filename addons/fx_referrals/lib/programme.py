"""Pure rules of the referral programme (no Odoo imports); see docs/REFERRALS.md."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

# the pipeline of a referral, in order; "rejected" is outside it
STAGES = (
    "clicked",
    "registered",
    "kyc_approved",
    "funded",
    "first_trade",
    "qualified",
    "rewarded",
)
STAGE_DATES = {
    "clicked": "date_clicked",
    "registered": "date_registered",
    "kyc_approved": "date_kyc_approved",
    "funded": "date_funded",
    "first_trade": "date_first_trade",
    "qualified": "date_qualified",
    "rewarded": "date_rewarded",
}


def reached_stage(dates):
    """The furthest stage whose date is set in ``dates`` ({stage: datetime})."""
    stage = "clicked"
    for name in STAGES:
        if dates.get(name):
            stage = name
    return stage


def qualifies(ftd_amount, lots, min_ftd, min_lots):
    """A funded referee qualifies with a first deposit of at least ``min_ftd``
    and at least ``min_lots`` lots traded in the programme's window."""
    return ftd_amount >= min_ftd and lots >= min_lots


def vest_date(earned_at, hold_days):
    """Points earned at ``earned_at`` vest ``hold_days`` days later."""
    return earned_at + timedelta(days=hold_days)


def competition_ranks(scores):
    """Ranks of ``scores`` (sorted best first) with ties ranked the same and
    the next rank skipping as many places ("1, 1, 3")."""
    ranks = []
    previous = object()
    for index, score in enumerate(scores):
        if score != previous:
            rank = index + 1
            previous = score
        ranks.append(rank)
    return ranks


def level_for(points, thresholds):
    """The level reached with ``points``: the last (name, threshold) of
    ``thresholds`` (ascending) whose threshold is at most ``points``, or None."""
    reached = None
    for name, threshold in thresholds:
        if points >= threshold:
            reached = name
    return reached


def level_progress(points, current_threshold, next_threshold):
    """Percentage (0-100) of the way from the current level's threshold to the
    next one's; 100 at the top level (``next_threshold`` None)."""
    if next_threshold is None:
        return 100.0
    span = next_threshold - current_threshold
    if span <= 0:
        return 100.0
    done = min(max(points - current_threshold, 0), span)
    return round(100.0 * done / span, 1)


def round_money(amount, digits):
    """``amount`` rounded half away from zero to ``digits`` decimals (the
    currency's), as PostgreSQL's round(numeric) does."""
    quantum = Decimal(1).scaleb(-digits)
    value = Decimal(str(amount)).copy_abs().quantize(quantum, rounding=ROUND_HALF_UP)
    return float(value if amount >= 0 else -value)


def commission(basis, lots, revenue, rate, mode="override", pool_rate=None):
    """The commission of one tier on one trade, before rounding.

    ``basis`` ``per_lot``: ``rate`` per lot; ``revenue_share``: ``rate`` percent
    of the broker's revenue. ``mode`` ``override``: the tier's ``rate`` applies
    on its own; ``split``: the tier receives ``rate`` percent of the rule's pool,
    the pool being ``pool_rate`` on the same basis.
    """
    if mode == "split":
        pool = lots * pool_rate if basis == "per_lot" else revenue * pool_rate / 100.0
        return pool * rate / 100.0
    if basis == "per_lot":
        return lots * rate
    return revenue * rate / 100.0


def trading_return(start_equity, end_equity, net_deposits):
    """Return of a contest account in percent: the equity gained net of what
    was deposited or withdrawn during the contest, over the starting equity."""
    if start_equity <= 0:
        return 0.0
    return 100.0 * (end_equity - start_equity - net_deposits) / start_equity


def max_drawdown(equities):
    """The largest fall from a peak, in percent of that peak, of the equity
    series ``equities`` (in time order)."""
    peak = None
    worst = 0.0
    for equity in equities:
        if peak is None or equity > peak:
            peak = equity
        elif peak > 0:
            worst = max(worst, 100.0 * (peak - equity) / peak)
    return worst
