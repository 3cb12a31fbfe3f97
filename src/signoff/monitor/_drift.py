"""Per-column drift: effect size *and* Holm-corrected significance must agree.

A column is ``drifted`` when an effect size reaches its threshold — PSI or
the normalised Wasserstein distance for a numeric column, PSI or the
Jensen–Shannon distance for a categorical one — *and* its p-value (KS for
numeric, χ² for categorical), Holm-corrected over the compared feature
columns, is below ``p_value``.  Effect size alone flags noise-free trivia at
a million rows; a p-value alone flags trivial shifts at a million rows; the
two together do neither.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from ..metrics import group_statistics
from ._profile import CategoricalCounts, NumericCounts, Profile
from ._stats import (
    HypothesisTest,
    chi2_homogeneity,
    holm,
    jensen_shannon,
    ks_binned,
    ks_exact,
    psi,
    wasserstein_normalised,
)

__all__ = ["ColumnDrift", "DriftReport", "PredictionDrift", "Thresholds", "compare_profiles"]

FloatArray = NDArray[np.float64]
Raw = Mapping[str, tuple[FloatArray, FloatArray]]  # column → (reference sorted, current values)


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


def _std(counts: NumericCounts) -> float:
    if counts.count == 0:
        return float("nan")
    mean = counts.sum / counts.count
    return math.sqrt(max(counts.sum_squares / counts.count - mean * mean, 0.0))


def _bucket_means(counts: NumericCounts) -> tuple[FloatArray, FloatArray]:
    n = counts.counts[1:].astype(np.float64)
    used = n > 0
    return counts.sums[1:][used] / n[used], n[used]


def _numeric(
    ref: NumericCounts, cur: NumericCounts, raw: tuple[FloatArray, FloatArray] | None
) -> tuple[HypothesisTest, Literal["ks", "ks_binned"], float, float]:
    """KS test, method, PSI and normalised Wasserstein of one numeric column."""
    std = _std(ref)
    if raw is not None:
        test, distance = ks_exact(raw[0], raw[1])
        w = distance / std if std > 0 else float("nan")
        return test, "ks", psi(ref.counts, cur.counts), w
    ref_at, ref_w = _bucket_means(ref)
    cur_at, cur_w = _bucket_means(cur)
    w = wasserstein_normalised(
        ref_at, cur_at, reference_std=std, reference_weights=ref_w, current_weights=cur_w
    )
    return ks_binned(ref.counts, cur.counts), "ks_binned", psi(ref.counts, cur.counts), w


def _selection_rate(profile: Profile) -> float | None:
    if profile.table is None:
        return None
    rate = float(group_statistics(profile.table.decisions().total())["selection_rate"][0])
    return rate if math.isfinite(rate) else None


def compare_profiles(
    reference: Profile,
    current: Profile,
    *,
    thresholds: Mapping[str, Thresholds] | None = None,
    default: Thresholds | None = None,
    raw: Raw | None = None,
) -> DriftReport:
    """Drift of every feature column present in both profiles, and of the score.

    Parameters
    ----------
    reference, current : Profile
        Counted into the same buckets.
    thresholds : mapping, optional
        Column → its thresholds; columns not named use ``default``.
    default : Thresholds, optional
        The defaults (PSI, Wasserstein and JS 0.1, p 0.01).
    raw : mapping, optional
        Column → (sorted reference values, current values) for an exact KS
        and Wasserstein; columns not in it use the binned statistics.
    """
    base = default or Thresholds()
    per = thresholds or {}
    raw = raw or {}
    rows: list[dict[str, Any]] = []
    for name, ref in reference.numeric.items():
        if name == reference.score or name not in current.numeric:
            continue
        test, method, p, w = _numeric(ref, current.numeric[name], raw.get(name))
        rows.append(
            {
                "column": name,
                "kind": "numeric",
                "method": method,
                "test": test,
                "psi": p,
                "w": w,
                "js": None,
            }
        )
    for name, cat in reference.categorical.items():
        if name not in current.categorical:
            continue
        cur_counts: CategoricalCounts = current.categorical[name]
        test = chi2_homogeneity(cat.counts, cur_counts.counts)
        rows.append(
            {
                "column": name,
                "kind": "categorical",
                "method": "chi2",
                "test": test,
                "psi": psi(cat.counts, cur_counts.counts),
                "w": None,
                "js": jensen_shannon(cat.counts, cur_counts.counts),
            }
        )
    adjusted = holm(np.array([r["test"].p_value for r in rows], dtype=np.float64))
    columns = []
    for row, p_holm in zip(rows, adjusted, strict=True):
        t = per.get(row["column"], base)
        effect = row["psi"] >= t.psi or (
            row["w"] >= t.wasserstein if row["w"] is not None else row["js"] >= t.jensen_shannon
        )
        significant = bool(p_holm < t.p_value)
        columns.append(
            ColumnDrift(
                column=row["column"],
                kind=row["kind"],
                method=row["method"],
                statistic=row["test"].statistic,
                p_value=row["test"].p_value,
                p_value_holm=float(p_holm),
                psi=row["psi"],
                wasserstein=row["w"],
                jensen_shannon=row["js"],
                effect=bool(effect),
                drifted=bool(effect) and significant,
            )
        )
    prediction = None
    score = reference.score
    if score is not None and score in reference.numeric and score in current.numeric:
        test, method, p, w = _numeric(
            reference.numeric[score], current.numeric[score], raw.get(score)
        )
        t = per.get(score, base)
        effect = p >= t.psi or w >= t.wasserstein
        prediction = PredictionDrift(
            method=method,
            statistic=test.statistic,
            p_value=test.p_value,
            psi=p,
            wasserstein=w,
            selection_rate_reference=_selection_rate(reference),
            selection_rate=_selection_rate(current),
            drifted=bool(effect and test.p_value < t.p_value),
        )
    return DriftReport(tuple(columns), prediction, dict(per))
