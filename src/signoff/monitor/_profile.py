"""Counting a batch into the reference's buckets (:mod:`._counts` holds the counts):
block by block for a numeric column, one factorize pass for a categorical one, and
one ``bincount`` for the group table of (joint group, label state, score bin)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..evidence import log_loss_terms
from ._counts import (
    MISSING_GROUP,
    OUTSIDE_BINS,
    UNLABELLED,
    UNSEEN_EXAMPLES,
    CategoricalCounts,
    GroupTable,
    NumericCounts,
    Profile,
)
from ._spec import AttributeSpec, ProfileSpec, text_values

__all__ = [
    "attribute_labels",
    "numeric_counts",
    "numeric_values",
    "profile_frame",
]

FloatArray = NDArray[np.float64]

_BLOCK = 1 << 16  # rows per block: every pass over one block stays in the CPU cache


def _buckets(block: FloatArray, edges: FloatArray, flag: NDArray[np.bool_]) -> NDArray[np.intp]:
    """Bucket per value: 0 null, 1 below, 2..B+1 the bins, B+2 above.

    One vectorised comparison per edge (≤ 21 passes) is several times faster than
    ``searchsorted`` for so few edges; it counts the edges ≤ the value, which is
    ``searchsorted(edges, value, side="right")``.
    """
    position = np.zeros(block.shape[0], dtype=np.intp)
    for edge in edges:
        np.greater_equal(block, edge, out=flag)
        position += flag
    position[block == edges[-1]] = edges.shape[0] - 1  # the last bin is closed: [e_B-1, e_B]
    position += 1
    position[np.isnan(block)] = 0
    return position


def _numeric(values: FloatArray, edges: FloatArray) -> NumericCounts:
    """Count one column block by block, so 10M rows cost 10× 1M rows (not more)."""
    size = edges.shape[0] + 2
    counts = np.zeros(size, dtype=np.int64)
    sums = np.zeros(size, dtype=np.float64)
    total = squares = 0.0
    flag = np.empty(min(values.shape[0], _BLOCK), dtype=bool)
    for start in range(0, values.shape[0], _BLOCK):
        block = values[start : start + _BLOCK]
        bucket = _buckets(block, edges, flag[: block.shape[0]])
        finite = np.where(np.isfinite(block), block, 0.0)
        counts += np.bincount(bucket, minlength=size)
        sums += np.bincount(bucket, weights=finite, minlength=size)
        total += float(finite.sum())
        squares += float((finite * finite).sum())
    return NumericCounts(
        edges=edges,
        counts=counts,
        sums=sums,
        count=int(values.shape[0] - counts[0]),
        sum=total,
        sum_squares=squares,
    )


def numeric_counts(values: FloatArray, rows: NDArray[np.int64], edges: FloatArray) -> NumericCounts:
    """:func:`_numeric` of distinct ``values`` each seen ``rows`` times (an engine's
    ``GROUP BY``): counts exact, sums as Σ value × rows (equal up to the order of addition)."""
    size = edges.shape[0] + 2
    bucket = _buckets(values, edges, np.empty(values.shape[0], dtype=bool))
    weights = rows.astype(np.float64)
    finite = np.where(np.isfinite(values), values, 0.0)
    counts = np.bincount(bucket, weights=weights, minlength=size).astype(np.int64)
    sums = np.bincount(bucket, weights=finite * weights, minlength=size).astype(np.float64)
    return NumericCounts(
        edges=edges,
        counts=counts,
        sums=sums,
        count=int(counts.sum() - counts[0]),
        sum=float(sums.sum()),
        sum_squares=float((finite * finite * weights).sum()),
    )


def numeric_values(series: pd.Series[Any]) -> FloatArray:
    """A column as float64, anything that is not a number (a retyped column) as NaN."""
    if series.dtype.kind in "iufb":
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _categorical(series: pd.Series[Any], categories: tuple[str, ...]) -> CategoricalCounts:
    # Factorize once (a hash pass over the rows), then look up only the distinct values.
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    text = pd.Index([str(u) for u in uniques], dtype=object)
    k = len(categories)
    found = pd.Index(list(categories), dtype=object).get_indexer(text)
    lookup = np.append(np.where(found >= 0, found, k), k + 1).astype(np.intp)  # -1 (null) → k + 1
    bucket = lookup[codes]
    examples = sorted(text[found < 0].tolist())[:UNSEEN_EXAMPLES]
    return CategoricalCounts(
        categories=categories,
        counts=np.bincount(bucket, minlength=k + 2).astype(np.int64),
        unseen_examples=tuple(examples),
    )


def attribute_labels(series: pd.Series[Any], spec: AttributeSpec) -> pd.Series[Any]:
    """Each row's group of one protected attribute (its text, or its band)."""
    if spec.bins is None:
        return text_values(series).astype(object).where(series.notna(), MISSING_GROUP).astype(str)
    numeric = pd.to_numeric(series, errors="coerce")
    names = (
        list(spec.labels)
        if spec.labels
        else [f"[{a:g}, {b:g})" for a, b in zip(spec.bins[:-1], spec.bins[1:], strict=True)]
    )
    banded = pd.cut(numeric, bins=list(spec.bins), right=False, labels=names).astype(object)
    banded = banded.where(banded.notna() | numeric.isna(), OUTSIDE_BINS)
    return banded.where(banded.notna(), MISSING_GROUP).astype(str)


def _table(
    frame: pd.DataFrame, scores: FloatArray, y: NDArray[np.int8], spec: ProfileSpec
) -> GroupTable:
    assert spec.grid is not None
    if spec.attributes:
        labels = [attribute_labels(frame[a.column], a) for a in spec.attributes]
        joint = pd.MultiIndex.from_arrays(labels)
        codes_raw, uniques = pd.factorize(joint, sort=True)
        keys = tuple(tuple(str(v) for v in key) for key in uniques)
        codes = codes_raw.astype(np.intp)
    else:
        keys, codes = ((),), np.zeros(scores.shape[0], dtype=np.intp)
    grid = spec.grid
    nb = grid.n_bins
    cell = (codes * 3 + y) * nb + grid.assign(scores)
    size = len(keys) * 3 * nb
    shape = (len(keys), 3, nb)
    labelled = y < UNLABELLED
    ll = np.where(labelled, log_loss_terms(np.minimum(y, 1).astype(np.int8), scores), 0.0)

    def count(weights: FloatArray | None) -> FloatArray:
        return np.bincount(cell, weights=weights, minlength=size).astype(np.float64).reshape(shape)

    return GroupTable(
        attributes=tuple(a.name for a in spec.attributes),
        keys=keys,
        grid=grid,
        n=count(None),
        s=count(scores),
        s2=count(scores * scores),
        ll=count(ll),
    )


def profile_frame(
    frame: pd.DataFrame,
    spec: ProfileSpec,
    *,
    scores: FloatArray | None = None,
    labels: NDArray[np.int8] | None = None,
) -> Profile:
    """Count one batch into the reference's buckets.

    Parameters
    ----------
    frame : DataFrame
        The batch; columns of the spec it lacks are left out of the profile.
    spec : ProfileSpec
        The buckets, from the reference.
    scores : ndarray, optional
        Validated scores in [0, 1] (default: the spec's score column, read as numbers).
    labels : ndarray of int8, optional
        0 negative, 1 positive, 2 not (yet) labelled; default: every row unlabelled.
    """
    numeric = {
        name: _numeric(numeric_values(frame[name]), edges)
        for name, edges in spec.numeric.items()
        if name in frame.columns
    }
    categorical = {
        name: _categorical(frame[name], categories)
        for name, categories in spec.categorical.items()
        if name in frame.columns
    }
    table = None
    if spec.score is not None and spec.score in frame.columns and spec.grid is not None:
        if scores is None:
            scores = numeric_values(frame[spec.score])
        if labels is None:
            labels = np.full(len(frame), UNLABELLED, dtype=np.int8)
        table = _table(frame, scores, labels, spec)
    return Profile(len(frame), numeric, categorical, spec.score, table)
