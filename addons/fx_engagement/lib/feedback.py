"""Feedback and channel KPIs (docs/METRICS.md#feedback-and-channels).

Each function takes plain numbers and returns a percentage, a mean, or None
when the KPI is undefined (no responses, nothing delivered, zero reach): an
undefined KPI is shown empty, never as 0 and never as a division error.
"""

# the scale of each survey kind: (lowest, highest) answer
SCALES = {"csat": (1, 5), "ces": (1, 7), "nps": (0, 10)}
CSAT_SATISFIED = 4  # CSAT answers 4 and 5 are "satisfied"
CES_EASY = 5  # CES answers 5, 6 and 7 are "easy"
NPS_PROMOTER = 9  # NPS 9-10 promoters, 7-8 passives, 0-6 detractors
NPS_DETRACTOR_MAX = 6


def check_score(kind, score):
    """``score`` as an int when it is on the scale of ``kind``, else ValueError."""
    low, high = SCALES[kind]
    if isinstance(score, bool) or not isinstance(score, int):
        raise ValueError(f"a {kind} score is a whole number")
    if not low <= score <= high:
        raise ValueError(f"a {kind} score is between {low} and {high}, not {score}")
    return score


def is_detractor(kind, score):
    """An NPS answer of 0 to 6."""
    return kind == "nps" and score is not None and score <= NPS_DETRACTOR_MAX


def _pct(part, whole):
    return None if not whole else 100.0 * part / whole


def csat(scores):
    """CSAT: answers of 4 or 5 / all answers x 100."""
    scores = list(scores)
    return _pct(sum(1 for s in scores if s >= CSAT_SATISFIED), len(scores))


def ces_mean(scores):
    """CES: the mean answer on the 1-7 scale."""
    scores = list(scores)
    return sum(scores) / len(scores) if scores else None


def ces_easy(scores):
    """CES: answers of 5 to 7 / all answers x 100."""
    scores = list(scores)
    return _pct(sum(1 for s in scores if s >= CES_EASY), len(scores))


def nps(scores):
    """NPS: % of answers 9-10 minus % of answers 0-6 (from -100 to 100)."""
    scores = list(scores)
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= NPS_PROMOTER)
    detractors = sum(1 for s in scores if s <= NPS_DETRACTOR_MAX)
    return 100.0 * (promoters - detractors) / len(scores)


def nps_value(score):
    """One answer's contribution to NPS: 100 (promoter), 0 (passive) or -100
    (detractor); the mean of these values over a group is the group's NPS."""
    if score >= NPS_PROMOTER:
        return 100
    if score <= NPS_DETRACTOR_MAX:
        return -100
    return 0


def response_rate(answered, sent):
    """Completed answers / requests sent x 100."""
    return _pct(answered, sent)


def content_engagement_rate(likes, comments, shares, reach):
    """(likes + comments + shares) / reach x 100; None when reach is 0."""
    return _pct(likes + comments + shares, reach)


def audience_engagement_rate(likes, comments, shares, audience):
    """(likes + comments + shares) / audience (followers) x 100; None when the
    audience is 0 or unknown."""
    return _pct(likes + comments + shares, audience)


def open_rate(unique_opens, delivered):
    """Unique opens / delivered x 100."""
    return _pct(unique_opens, delivered)


def click_rate(unique_clicks, delivered):
    """Unique clicks / delivered x 100."""
    return _pct(unique_clicks, delivered)


def click_to_open_rate(unique_clicks, unique_opens):
    """Unique clicks / unique opens x 100."""
    return _pct(unique_clicks, unique_opens)
