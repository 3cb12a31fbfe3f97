"""What an out-of-memory engine hands back: the evidence the NumPy path computes from arrays.

DuckDB (:mod:`._duck_evidence`) and Spark (:mod:`._spark_evidence`) compute the same pieces
from their reduced tables; the audit then treats them alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..evidence import CountTable, FloatArray, ScoreGrid, View
from ..metrics import ColumnKind, ColumnQuality, DataQuality, OperatingCurves

__all__ = ["EngineEvidence", "column_quality", "correlation_ratios_from_sums"]


@dataclass(frozen=True)
class EngineEvidence:
    """What the NumPy path computes from the arrays, computed by an engine (DuckDB, Spark)."""

    grid: ScoreGrid
    table: CountTable
    views: list[View]
    exact_auc: dict[str, FloatArray]
    average_precision: float
    curves: OperatingCurves | None
    quality: DataQuality


def column_quality(
    name: str, kind: ColumnKind, rows: int, nulls: Any, distinct: Any, low: Any, high: Any
) -> ColumnQuality:
    """One column's data-quality row from an engine's aggregates (min/max only if numeric)."""
    numeric = kind == "numeric" and low is not None
    return ColumnQuality(
        name=name,
        dtype=kind,
        null_count=int(nulls),
        null_share=int(nulls) / rows,
        distinct=int(distinct),
        constant=int(distinct) <= 1,
        min=float(low) if numeric else None,
        max=float(high) if numeric else None,
    )


def correlation_ratios_from_sums(
    rows: Sequence[Sequence[Any]],
    combos: Any,
    attributes: Sequence[Any],
    live: Sequence[str],
    out: dict[str, list[float | None]],
) -> None:
    """Each live feature's correlation ratio per attribute, into ``out``, from an engine's
    rows ``(combination, then per feature: count, sum, sum of squares of the centred
    values)`` — the between-group share of the sum of squares, as the NumPy path takes it."""
    table = np.array([[float(v or 0.0) for v in row] for row in rows], dtype=np.float64)
    position = np.searchsorted(combos, table[:, 0].astype(np.int64))
    for i, f in enumerate(live):
        n_k, s_k, q_k = (table[:, 1 + 3 * i + j] for j in range(3))
        ss_total = float(q_k.sum())
        for a, attribute in enumerate(attributes):
            groups = attribute.codes[position].astype(np.intp)
            counts = np.bincount(groups, weights=n_k, minlength=attribute.n_groups)
            group_sums = np.bincount(groups, weights=s_k, minlength=attribute.n_groups)
            present = counts > 0
            if np.count_nonzero(present) < 2 or not ss_total > 0.0:
                continue
            between = float((group_sums[present] ** 2 / counts[present]).sum())
            out[f][a] = float(np.sqrt(min(1.0, between / ss_total)))
