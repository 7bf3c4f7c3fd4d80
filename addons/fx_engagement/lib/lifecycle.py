"""Trader lifecycle stage from facts (docs/METRICS.md#lifecycle-stage), as a pure
function.

lead -> registered -> kyc_pending -> kyc_approved -> funded -> active -> dormant
-> churned; a new trade moves a dormant or churned trader back to active.
"""

from datetime import datetime, timedelta

DEFAULT_DORMANT_DAYS = 21
DEFAULT_CHURN_DAYS = 60


def compute_stage(
    now: datetime,
    *,
    registered: bool,
    kyc_status: str | None,
    ftd_date: datetime | None,
    last_trade: datetime | None,
    last_deposit: datetime | None,
    dormant_days: int = DEFAULT_DORMANT_DAYS,
    churn_days: int = DEFAULT_CHURN_DAYS,
) -> str:
    """Return the stage of one trader at ``now``.

    - funded traders (a first deposit exists) are *churned* when neither a trade
      nor a deposit happened in ``churn_days``; *dormant* when no trade happened
      in ``dormant_days`` (counted from the first deposit if they never traded);
      *active* when they traded in ``dormant_days``; else *funded*;
    - before the first deposit the stage follows KYC: approved, pending (a
      rejected KYC also waits as *kyc_pending*: the client must resubmit);
    - *registered* when the client registered or has a platform account;
    - *lead* otherwise.
    """
    if ftd_date:
        last_activity = max(d for d in (last_trade, last_deposit, ftd_date) if d)
        if now - last_activity > timedelta(days=churn_days):
            return "churned"
        if last_trade and last_trade >= ftd_date:
            if now - last_trade > timedelta(days=dormant_days):
                return "dormant"
            return "active"
        if now - max(ftd_date, last_deposit or ftd_date) > timedelta(days=dormant_days):
            return "dormant"
        return "funded"
    if kyc_status == "approved":
        return "kyc_approved"
    if kyc_status in ("pending", "rejected"):
        return "kyc_pending"
    if registered:
        return "registered"
    return "lead"
