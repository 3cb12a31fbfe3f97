"""A snapshot of the registry at one moment (the facts, the rules then in force, the ledger
head) and the trends computed from it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..registry import Core
from ..workflow import Rules
from ._facts import Facts
from ._trends import compute_trends
from ._view import LedgerHead

__all__ = ["TREND_METRICS", "Snapshot", "trends_of"]

#: Metrics whose trend over versions is always shown (the production policy adds its own).
TREND_METRICS = ("roc_auc", "expected_calibration_error")


@dataclass(frozen=True)
class Snapshot:
    """The facts of the registry at one moment, the rules then in force, the ledger head."""

    facts: Facts
    rules: Rules
    now: dt.datetime
    ledger: LedgerHead


def trends_of(snap: Snapshot, core: Core, *, since: dt.datetime | None, by: str) -> dict[str, Any]:
    """The trends of one snapshot, citing the ledger it rests on."""
    policy = snap.rules.policies.get("production")
    metrics = dict.fromkeys(TREND_METRICS)
    if policy is not None:
        metrics.update(dict.fromkeys(g.metric for g in policy.policy.gates if g.metric))
    found = compute_trends(
        snap.facts,
        artifacts=core.artifacts,
        metrics=tuple(metrics),
        now=snap.now,
        since=since,
        by=by,
    )
    return {**found, "ledger": snap.ledger.to_dict()}
