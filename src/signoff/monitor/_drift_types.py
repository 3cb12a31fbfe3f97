"""What drift comparison answers: each column's :class:`ColumnDrift`, the score's
:class:`PredictionDrift`, the :class:`DriftReport` over them (``drift`` of
monitor-results.json), and the :class:`Thresholds` that judge them
(:func:`._drift.compare_profiles` computes them)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["ColumnDrift", "DriftReport", "PredictionDrift", "Thresholds"]


@dataclass(frozen=True)
class Thresholds:
    """When a column counts as drifted (defaults from the issue; settable per column)."""

    psi: float = 0.1
    wasserstein: float = 0.1
    jensen_shannon: float = 0.1
    p_value: float = 0.01


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass(frozen=True)
class ColumnDrift:
    """Drift of one column between the reference and a window."""

    column: str
    kind: Literal["numeric", "categorical"]
    method: Literal["ks", "ks_binned", "chi2"]
    statistic: float
    p_value: float
    p_value_holm: float
    psi: float
    wasserstein: float | None
    jensen_shannon: float | None
    effect: bool
    drifted: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; undefined numbers are ``null``."""
        return {
            "kind": self.kind,
            "method": self.method,
            "statistic": _num(self.statistic),
            "p_value": _num(self.p_value),
            "p_value_holm": _num(self.p_value_holm),
            "psi": _num(self.psi),
            "wasserstein": _num(self.wasserstein),
            "jensen_shannon": _num(self.jensen_shannon),
            "effect": self.effect,
            "drifted": self.drifted,
        }


@dataclass(frozen=True)
class PredictionDrift:
    """Drift of the score, plus the change of the selection rate at the threshold."""

    method: Literal["ks", "ks_binned"]
    statistic: float
    p_value: float
    psi: float
    wasserstein: float | None
    selection_rate_reference: float | None
    selection_rate: float | None
    drifted: bool

    @property
    def selection_rate_change(self) -> float | None:
        """Current minus reference selection rate."""
        if self.selection_rate is None or self.selection_rate_reference is None:
            return None
        return self.selection_rate - self.selection_rate_reference

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; undefined numbers are ``null``."""
        return {
            "method": self.method,
            "statistic": _num(self.statistic),
            "p_value": _num(self.p_value),
            "psi": _num(self.psi),
            "wasserstein": _num(self.wasserstein),
            "selection_rate_reference": _num(self.selection_rate_reference),
            "selection_rate": _num(self.selection_rate),
            "selection_rate_change": _num(self.selection_rate_change),
            "drifted": self.drifted,
        }


@dataclass(frozen=True)
class DriftReport:
    """Every compared column, the drifted share and the prediction drift."""

    columns: tuple[ColumnDrift, ...]
    prediction: PredictionDrift | None = None
    thresholds: Mapping[str, Thresholds] = field(default_factory=dict)

    @property
    def share(self) -> float | None:
        """Fraction of compared feature columns that drifted (None when none compared)."""
        if not self.columns:
            return None
        return sum(c.drifted for c in self.columns) / len(self.columns)

    def to_dict(self) -> dict[str, Any]:
        """``drift`` of monitor-results.json."""
        return {
            "columns": {c.column: c.to_dict() for c in self.columns},
            "share": self.share,
            "drifted": [c.column for c in self.columns if c.drifted],
        }
