"""What an out-of-memory engine hands back: the evidence the NumPy path computes from arrays.

DuckDB (:mod:`._duck_evidence`) and Spark (:mod:`._spark_evidence`) compute the same pieces
from their reduced tables; the audit then treats them alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..evidence import CountTable, FloatArray, ScoreGrid, View
from ..metrics import DataQuality, OperatingCurves

__all__ = ["EngineEvidence"]


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
