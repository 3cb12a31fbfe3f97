"""What an out-of-memory engine hands back: the evidence the NumPy path computes from arrays.

DuckDB (:mod:`._duck_evidence`) and Spark (:mod:`._spark_evidence`) compute the same pieces
from their reduced tables; the audit then treats them alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..evidence import CountTable, FloatArray, ScoreGrid, View
from ..metrics import ColumnKind, ColumnQuality, DataQuality, OperatingCurves

__all__ = ["EngineEvidence", "column_quality"]


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
