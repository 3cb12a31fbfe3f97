"""The records monitoring hands the workflow, and how failing windows are counted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..store import MonitorWindow

__all__ = [
    "NOTHING_IN_PRODUCTION",
    "NOT_IN_PRODUCTION",
    "NO_TARGET",
    "PRODUCTION_MOVED",
    "SEVERITIES",
    "ActionPlan",
    "RecordedWindow",
    "RunRecord",
    "WindowRecord",
    "streak",
    "watched_ref",
    "window_key",
]

SEVERITIES = ("error", "warning", "info")
NOTHING_IN_PRODUCTION = (
    "{model} has nothing in production to monitor; deploy a version first or pin one "
    "with `model: {model}@VERSION`"
)
PRODUCTION_MOVED = (
    "production of {model} changed from {then} to {now} while the batch was measured; run it again"
)
NO_TARGET = "no earlier version of {model} was approved for production; nothing was deployed"
NOT_IN_PRODUCTION = "{ref} is no longer in production (it holds {now}); nothing to roll back"


def watched_ref(spec: str) -> tuple[str, str | None]:
    """``credit-scorer`` → (model, None: its production version); ``m@1.2`` → (m, 1.2)."""
    model, _, version = spec.partition("@")
    return model, version or None


@dataclass(frozen=True)
class ActionPlan:
    """What each severity does once it fails ``consecutive`` windows in a row."""

    by_severity: dict[str, tuple[str, ...]]
    consecutive: int


@dataclass(frozen=True)
class WindowRecord:
    """One measured window, ready to record (bodies are canonical JSON)."""

    start: str | None
    end: str | None
    rows: int
    status: str  # pass | warning | error | unjudged
    failed_gates: list[dict[str, Any]]
    label_coverage: float | None
    profile: bytes
    results: bytes


@dataclass(frozen=True)
class RunRecord:
    """A run of ``monitor run``: its inputs' hashes, its reference and its windows."""

    config_sha256: str
    batch_sha256: str
    reference: dict[str, Any]
    reference_rows: int
    reference_profile: bytes
    windows: Sequence[WindowRecord]
    actions: ActionPlan
    labels_sha256: str | None = None


@dataclass
class RecordedWindow:
    """A recorded window and what its actions did."""

    seq: int
    supersedes: int | None
    actions: list[dict[str, Any]] = field(default_factory=list)


def window_key(w: MonitorWindow | WindowRecord, batch: str) -> tuple[Any, ...]:
    """What makes two records the same window: start and end, or the batch when untimed."""
    if isinstance(w, MonitorWindow):
        start = w.start.isoformat().replace("+00:00", "Z") if w.start else None
        end = w.end.isoformat().replace("+00:00", "Z") if w.end else None
        return (start, end) if start else (None, w.batch_sha256)
    return (w.start, w.end) if w.start else (None, batch)


def streak(history: Sequence[MonitorWindow], upto: int, severity: str) -> int:
    """Windows in a row, ending at seq ``upto``, in which a ``severity`` gate failed."""
    count = 0
    for window in reversed([w for w in history if w.seq <= upto]):
        if not any(g.get("severity") == severity for g in window.failed_gates):
            break
        count += 1
    return count
