"""How numbers, intervals and names are written in reports and model cards.

Formatting only: every number shown is read from ``results.json`` or
``manifest.json`` and written here, never recomputed.  Numbers use the same
rules as the terminal, JUnit and Markdown outputs (:func:`format_number`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..metrics import METRICS
from ..policy import comparison_symbol, format_number

__all__ = [
    "METRIC_LABELS",
    "ci_text",
    "condition",
    "description",
    "epoch_of",
    "metric_label",
    "num",
    "pct",
    "short",
    "value_text",
]

#: How reports name each metric for people (the canonical name is shown beside it).
METRIC_LABELS = {name: spec.label for name, spec in METRICS.items()}


def metric_label(name: str | None) -> str:
    """A metric's name for people; unknown names are returned as written."""
    if name is None:
        return "—"
    return METRIC_LABELS.get(name, name.replace("_", " ").capitalize())


def num(value: Any) -> str:
    """A number as every report writes it (``"0.737"``, ``"300"``); ``"—"`` for None.

    As :func:`~signoff.policy._markdown.format_number`, except that small
    numbers a reader meets in tables stay in plain notation: ``0.000738``,
    not ``7.38e-04``.

    >>> num(0.7366), num(300), num(0.000738), num(None)
    ('0.737', '300', '0.000738', '—')
    """
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return "—" if value is None else str(value)
    if 1e-6 <= abs(value) < 1e-3:
        return f"{value:.6f}".rstrip("0")
    return format_number(float(value))


def short(value: Any) -> str:
    """A setting (threshold, bin edge) as written: ``0.5``, ``0.1``, ``1``; ``"—"`` for None."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "—"
    return f"{value:g}"


def pct(value: Any, digits: int | None = 0) -> str:
    """A share as a percentage: ``0.0683 → "7%"`` (``digits=None``: as short as exact).

    ``"—"`` for None.

    >>> pct(0.0683), pct(0.0683, None), pct(None)
    ('7%', '6.83%', '—')
    """
    if not isinstance(value, int | float):
        return "—"
    if digits is None:
        return f"{value * 100:.6g}%"
    return f"{value * 100:.{digits}f}%"


def value_text(estimate: Mapping[str, Any] | None) -> str:
    """The point estimate of a ``{"value", "ci"}`` entry; ``"not defined"`` when null."""
    if estimate is None or estimate.get("value") is None:
        return "not defined"
    return num(estimate["value"])


def ci_text(estimate: Mapping[str, Any] | None) -> str:
    """The interval of a ``{"value", "ci"}`` entry as ``"0.683 – 0.787"``; ``""`` without one.

    >>> ci_text({"value": 0.737, "ci": [0.683, 0.787]})
    '0.683 – 0.787'
    >>> ci_text({"value": 300, "ci": None})
    ''
    """
    if estimate is None or not estimate.get("ci"):
        return ""
    low, high = estimate["ci"]
    return f"{num(low)} – {num(high)}"


def condition(gate: Mapping[str, Any]) -> str:
    """A gate's pass condition (``"< 0.1"``, ``"∈ [0.8, 1.25]"``); ``"—"`` without one."""
    threshold = gate.get("threshold")
    if isinstance(threshold, list):
        threshold = (float(threshold[0]), float(threshold[1]))
    return comparison_symbol(gate.get("comparison"), threshold)


def epoch_of(created_at: str) -> int:
    """Seconds since 1970 of the manifest's ``created_at`` (``2026-01-01T00:00:00Z``)."""
    moment = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def description(name: str) -> str:
    """The registry's one-line definition of a metric ("" when unknown)."""
    spec = METRICS.get(name)
    return spec.description if spec is not None else ""
