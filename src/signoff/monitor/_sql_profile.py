"""Each window's profile counted in SQL (DuckDB or Spark), the same profile as in memory.

The view ``wb`` is the batch with ``__w``, each row's window.  One ``GROUP BY`` per
piece of the profile reduces the rows to small tables:

* numeric column: per (window, bucket) the rows, Σ of the finite values and Σ of
  their squares — the bucket computed in SQL as :func:`~._profile._buckets` does
  (null or NaN, then the number of reference edges ≤ the value, the last bin closed);
* categorical column: per (window, distinct value) the rows;
* the group table: per (window, the attributes' distinct values, the target's
  distinct value, score-grid bin) the rows, Σs, Σs² and the two log-loss terms.

Distinct values then go through the very functions the in-memory path uses
(:func:`~._profile._categorical`'s text matching, ``_attribute_labels``,
:func:`~._inputs.label_codes`), so buckets, groups and labels are the same; counts are
exact, float sums equal up to the order of addition.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..evidence import LOG_LOSS_EPS
from ._counts import UNSEEN_EXAMPLES, CategoricalCounts, GroupTable, NumericCounts, Profile
from ._inputs import label_codes
from ._profile import attribute_labels
from ._spec import ProfileSpec
from ._sql import SqlBatch, number

__all__ = ["sql_profiles"]

FloatArray = NDArray[np.float64]
INF = "CAST('Infinity' AS DOUBLE)"


def _bucket(value: str, edges: FloatArray) -> str:
    comparisons = " + ".join(f"CAST({value} >= {number(e)} AS INT)" for e in edges)
    last = len(edges)
    return (
        f"CASE WHEN {value} IS NULL OR isnan({value}) THEN 0 "
        f"WHEN {value} = {number(edges[-1])} THEN {last} ELSE 1 + {comparisons} END"
    )


def _edges_at_or_below(value: str, edges: FloatArray, low: int, high: int) -> str:
    """``searchsorted(edges, value, "right")`` (the edges ≤ a number, known to be in
    [low, high]) as a binary search of nested ``CASE``s: about log2(len(edges))
    comparisons a row, where a sum of one comparison per edge makes ~100 (and an
    expression too large for Spark to compile)."""
    if low == high:
        return str(low)
    middle = (low + high + 1) // 2  # at least ``middle`` edges ≤ value iff value ≥ edges[middle-1]
    above = _edges_at_or_below(value, edges, middle, high)
    below = _edges_at_or_below(value, edges, low, middle - 1)
    return f"CASE WHEN {value} >= {number(edges[middle - 1])} THEN {above} ELSE {below} END"


def _numeric(db: SqlBatch, column: str, edges: FloatArray, windows: list[int]) -> dict[int, Any]:
    v = db.double(column)
    finite = f"CASE WHEN {v} IS NOT NULL AND NOT isnan({v}) AND abs({v}) < {INF} THEN {v} END"
    found = db.fetch(
        f"SELECT __w AS w, {_bucket(v, edges)} AS b, count(*) AS n, "
        f"sum({finite}) AS s, sum({finite} * {finite}) AS s2 FROM wb GROUP BY 1, 2"
    )
    size = edges.shape[0] + 2
    out = {}
    for w in windows:
        part = found[found["w"] == w]
        b = part["b"].to_numpy(dtype=np.intp)
        counts = np.bincount(b, weights=part["n"].to_numpy(np.float64), minlength=size)
        sums: FloatArray = np.bincount(
            b, weights=part["s"].fillna(0.0).to_numpy(np.float64), minlength=size
        ).astype(np.float64)
        counts = counts.astype(np.int64)
        out[w] = NumericCounts(
            edges=edges,
            counts=counts,
            sums=sums,
            count=int(counts.sum() - counts[0]),
            sum=float(sums.sum()),
            sum_squares=float(part["s2"].fillna(0.0).sum()),
        )
    return out


def _categorical(
    db: SqlBatch, column: str, categories: tuple[str, ...], windows: list[int]
) -> dict[int, CategoricalCounts]:
    found = db.fetch(
        f"SELECT __w AS w, {db.quote(column)} AS v, count(*) AS n FROM wb GROUP BY 1, 2"
    )
    k = len(categories)
    out = {}
    for w in windows:
        part = found[found["w"] == w].reset_index(drop=True)
        codes, uniques = pd.factorize(part["v"], use_na_sentinel=True)
        text = pd.Index([str(u) for u in uniques], dtype=object)
        place = pd.Index(list(categories), dtype=object).get_indexer(text)
        lookup = np.append(np.where(place >= 0, place, k), k + 1).astype(np.intp)
        counts = np.bincount(lookup[codes], weights=part["n"].to_numpy(np.float64), minlength=k + 2)
        examples = sorted(text[place < 0].tolist())[:UNSEEN_EXAMPLES]
        out[w] = CategoricalCounts(categories, counts.astype(np.int64), tuple(examples))
    return out


def _labels(found: pd.DataFrame, target: str | None, positive: Any, late: bool) -> Any:
    """Each result row's label state: the late label where there is one, else the target's."""
    y = (
        label_codes(found["t"], positive)
        if target is not None
        else np.full(len(found), 2, dtype=np.int8)
    )
    if late:
        joined = label_codes(found["lt"], positive)
        y = np.where(joined == 2, y, joined).astype(np.int8)
    return y


def _table(
    db: SqlBatch,
    spec: ProfileSpec,
    target: str | None,
    positive: Any,
    windows: list[int],
    late: bool = False,
) -> dict[int, GroupTable]:
    assert spec.grid is not None
    assert spec.score is not None
    grid = spec.grid
    s = db.double(spec.score)
    bin_ = f"{_edges_at_or_below(s, grid.lower, 0, len(grid.lower))} - 1"
    p = f"greatest(least({s}, {number(1.0 - LOG_LOSS_EPS)}), {number(LOG_LOSS_EPS)})"
    attrs = [f"{db.quote(a.column)} AS a{i}" for i, a in enumerate(spec.attributes)]
    keys = ["w", *(f"a{i}" for i in range(len(spec.attributes))), "t", "b"]
    if late:
        keys.append("lt")
    found = db.fetch(
        f"SELECT __w AS w, {', '.join([*attrs, ''])}"
        f"{db.quote(target) if target else 'NULL'} AS t, {bin_} AS b, "
        f"{'__lt AS lt, ' if late else ''}count(*) AS n, "
        f"sum({s}) AS s, sum({s} * {s}) AS s2, sum(-ln({p})) AS l1, sum(-ln(1 - {p})) AS l0 "
        f"FROM {'wbl' if late else 'wb'} GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}"
    )
    y = _labels(found, target, positive, late)
    labels = [attribute_labels(found[f"a{i}"], a).to_numpy() for i, a in enumerate(spec.attributes)]
    nb = grid.n_bins
    out = {}
    for w in windows:
        mine = (found["w"] == w).to_numpy()
        if labels:
            joint = pd.MultiIndex.from_arrays([lab[mine] for lab in labels])
            codes_raw, uniques = pd.factorize(joint, sort=True)
            keyset = tuple(tuple(str(v) for v in key) for key in uniques)
            codes = codes_raw.astype(np.intp)
        else:
            keyset, codes = ((),), np.zeros(int(mine.sum()), dtype=np.intp)
        yw = y[mine].astype(np.intp)
        cell = (codes * 3 + yw) * nb + found["b"].to_numpy(np.intp)[mine]
        shape = (len(keyset), 3, nb)
        part = found[mine]
        ll = np.where(yw == 1, part["l1"], np.where(yw == 0, part["l0"], 0.0))

        def count(weights: Any, cell: NDArray[np.intp] = cell, shape: Any = shape) -> FloatArray:
            total = np.bincount(
                cell, weights=np.asarray(weights, np.float64), minlength=np.prod(shape)
            )
            return total.reshape(shape)

        out[w] = GroupTable(
            attributes=tuple(a.name for a in spec.attributes),
            keys=keyset,
            grid=grid,
            n=count(part["n"]),
            s=count(part["s"]),
            s2=count(part["s2"]),
            ll=count(ll),
        )
    return out


def sql_profiles(
    db: SqlBatch,
    spec: ProfileSpec,
    *,
    rows: dict[int, int],
    target: str | None,
    positive_label: Any,
    late: bool = False,
    numeric: dict[str, dict[int, NumericCounts]] | None = None,
) -> dict[int, Profile]:
    """Every window's profile (``rows``: window → its rows), read from the view ``wb``.

    ``late``: the group table reads ``wbl`` instead, whose ``__lt`` holds late labels.
    ``numeric``: numeric columns' counts already made (from their distinct values).
    """
    windows = list(rows)
    present = set(db.columns)
    known = numeric or {}
    numeric = {
        name: known[name] if name in known else _numeric(db, name, edges, windows)
        for name, edges in spec.numeric.items()
        if name in present
    }
    categorical = {
        name: _categorical(db, name, categories, windows)
        for name, categories in spec.categorical.items()
        if name in present
    }
    tables = None
    if spec.score is not None and spec.score in present and spec.grid is not None:
        labelled = target if target in present else None
        tables = _table(db, spec, labelled, positive_label, windows, late)
    return {
        w: Profile(
            rows[w],
            {name: per[w] for name, per in numeric.items()},
            {name: per[w] for name, per in categorical.items()},
            spec.score,
            tables[w] if tables is not None else None,
        )
        for w in windows
    }
