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
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from ..metrics import group_statistics
from ._counts import CategoricalCounts, NumericCounts, Profile
from ._drift_types import ColumnDrift, DriftReport, PredictionDrift, Thresholds
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

__all__ = ["compare_profiles"]

FloatArray = NDArray[np.float64]
Raw = Mapping[str, tuple[FloatArray, FloatArray]]  # column → (reference sorted, current values)


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
