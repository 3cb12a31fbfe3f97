"""Status and next review due, from what the registry holds — until the portfolio lands.

Issue 13 part A (``signoff.portfolio``) computes the compliance status and the review due
date from the governance config; these two functions are the only place the inventory
reads them from, so switching to part A's is a two-line change.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["REVIEW_DAYS", "interim_next_review_due", "interim_status"]

#: Days between reviews by risk tier, after the last approval (the issue's defaults).
REVIEW_DAYS = {"high": 90, "medium": 180, "low": 365}


def interim_status(stages: list[str]) -> str:
    """Where the model is in its life: ``in production``, ``in staging``, ``in development``,
    ``retired`` (every version archived) or ``no versions``."""
    if not stages:
        return "no versions"
    for stage in ("production", "staging", "development"):
        if stage in stages:
            return f"in {stage}"
    return "retired"


def interim_next_review_due(risk_tier: str, last_approval: dt.datetime | None) -> str | None:
    """The last approval to production plus the tier's review interval (None: never approved)."""
    if last_approval is None:
        return None
    return (last_approval + dt.timedelta(days=REVIEW_DAYS[risk_tier])).date().isoformat()
