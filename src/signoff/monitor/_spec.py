"""The reference defines the bins: quantile edges, categories, score grid, groups.

A :class:`ProfileSpec` is computed once from the reference data and every
window is counted into the same buckets, so profiles of any two batches line
up and add.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..evidence import ScoreGrid, make_grid

__all__ = [
    "NUMERIC_BINS",
    "AttributeSpec",
    "ProfileSpec",
    "column_kind",
    "grid_from_edges",
    "make_spec",
    "quantile_edges",
    "text_values",
]

NUMERIC_BINS = 20
"""Reference-quantile bins per numeric column (fewer when quantiles tie)."""


def column_kind(series: pd.Series[Any]) -> str:
    """``numeric`` for integer and float columns (not booleans), else ``categorical``."""
    return "numeric" if series.dtype.kind in "iuf" else "categorical"


def text_values(series: pd.Series[Any]) -> pd.Series[Any]:
    """A column as text for category matching, nulls kept as nulls."""
    if series.dtype.kind == "O" or isinstance(series.dtype, pd.StringDtype):
        return series
    return series.astype("string")


@dataclass(frozen=True)
class AttributeSpec:
    """A protected attribute: its column and optional numeric bands (audit syntax)."""

    name: str
    column: str
    bins: tuple[float, ...] | None = None
    labels: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ProfileSpec:
    """Every bucket a profile counts into.

    Attributes
    ----------
    numeric : mapping
        Column → reference-quantile edges (strictly increasing).
    categorical : mapping
        Column → reference categories (sorted text).
    score : str or None
        The score column; its quantile edges are ``numeric[score]``.
    grid : ScoreGrid or None
        The score grid of the group count table (calibration edges, the
        threshold and reference score quantiles, as the audit's).
    attributes : tuple of AttributeSpec
        Base protected attributes (their joint groups make the table's groups).
    """

    numeric: Mapping[str, NDArray[np.float64]]
    categorical: Mapping[str, tuple[str, ...]]
    score: str | None
    grid: ScoreGrid | None
    attributes: tuple[AttributeSpec, ...] = ()

    @property
    def features(self) -> tuple[str, ...]:
        """Profiled columns other than the score, numeric first then categorical."""
        return tuple(c for c in (*self.numeric, *self.categorical) if c != self.score)


def grid_from_edges(lower: Sequence[float], threshold: float, calibration_bins: int) -> ScoreGrid:
    """Rebuild the score grid from its stored lower edges (what ``make_grid`` computed)."""
    edges = np.asarray(lower, dtype=np.float64)
    calibration = np.arange(calibration_bins + 1) / calibration_bins
    return ScoreGrid(
        lower=edges,
        threshold=float(threshold),
        threshold_bin=int(np.searchsorted(edges, threshold)),
        calibration_starts=np.searchsorted(edges, calibration[:-1]).astype(np.intp),
    )


def quantile_edges(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Unique reference quantiles; a constant (or empty) column gets one bin ``[c, c]``."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros(2)
    edges: NDArray[np.float64] = np.unique(
        np.quantile(finite, np.linspace(0.0, 1.0, NUMERIC_BINS + 1))
    )
    return edges if edges.size > 1 else np.repeat(edges, 2)


def make_spec(
    reference: pd.DataFrame,
    *,
    features: Sequence[str],
    score: str | None,
    threshold: float = 0.5,
    calibration_bins: int = 10,
    attributes: Sequence[AttributeSpec] = (),
) -> ProfileSpec:
    """Bins from the reference: 20 quantile bins or the category list per column."""
    numeric: dict[str, NDArray[np.float64]] = {}
    categorical: dict[str, tuple[str, ...]] = {}
    for name in features:
        series = reference[name]
        if column_kind(series) == "numeric":
            numeric[name] = quantile_edges(series.to_numpy(dtype=np.float64, na_value=np.nan))
        else:
            found = text_values(series).dropna().unique()
            categorical[name] = tuple(sorted(str(v) for v in found))
    grid = None
    if score is not None:
        scores = reference[score].to_numpy(dtype=np.float64, na_value=np.nan)
        numeric[score] = quantile_edges(scores)
        grid = make_grid(
            scores[~np.isnan(scores)], threshold=threshold, calibration_bins=calibration_bins
        )
    return ProfileSpec(numeric, categorical, score, grid, tuple(attributes))
