"""The DuckDB engine, part 2: every piece of evidence from ``agg``, in SQL.

* The score grid from order statistics of the scores (``_duck_ranks``), interpolated
  exactly as ``np.quantile`` does: the same edges.
* The count table: one ``GROUP BY`` over joint groups × score bins (bins by an equality
  join on a lookup table of equal slots of [0, 1], :func:`_slots`).  Counts are whole
  numbers, so they and the bootstrap drawn from them are those of the NumPy path
  exactly; the score sums are summed as DECIMAL (fixed point, so the result does not
  depend on DuckDB's parallel order) and agree with NumPy's row-order float sums to
  about 1e-15.
* Exact ROC AUC per group of every view, average precision and the operating curves:
  one pass over ``agg`` sorted by score (``_duck_ranks``).
* Data quality: null and distinct counts, ranges and duplicate rows, with pandas'
  notion of missing (NaN is missing) and of equal values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..config import AuditConfig
from ..engines import duration_units
from ..evidence import (
    LOG_LOSS_EPS,
    CountTable,
    FloatArray,
    ScoreGrid,
    joint_groups,
    make_grid_from_order,
    plan_views,
)
from ..metrics import (
    DataQuality,
    column_kind,
    curves_from_counts,
    quality_from_columns,
)
from ._duck import Reduced, is_float, is_number, missing, quote, register_map
from ._duck_ranks import stream_ranks
from ._engine_evidence import EngineEvidence, column_quality

__all__ = ["duck_evidence"]

_FIXED = "DECIMAL(38, 24)"  # sums of scores, squares and log-loss terms: 14 integer digits


def _slots(lower: FloatArray) -> tuple[int, Any] | None:
    """The grid as a lookup table of ``M`` equal slots of [0, 1], for an equality join.

    Slot ``i`` holds scores in ``[i/M, (i+1)/M)`` (``i = floor(s·M)``, exact: ``M`` is a
    power of two): its ``base`` bin is that of ``i/M``, and the at most
    :data:`SLOT_EDGES` grid edges strictly inside it move a score up one bin each.  So a
    score's bin is ``searchsorted(lower, s, "right") - 1``, as NumPy assigns it.  None
    when some slot would hold more edges even at 2**22 slots (scores bunched in a tiny
    interval); the caller then joins on the edges with ``ASOF``.
    """
    import pyarrow as pa

    for power in range(16, 23, 2):
        m = 1 << power
        slot = np.floor(lower * m).astype(np.int64)
        inside = lower > slot / m
        if np.bincount(slot[inside], minlength=1).max(initial=0) > SLOT_EDGES:
            continue
        slots = np.arange(m + 1)
        base = np.searchsorted(lower, slots / m, side="right") - 1
        columns: dict[str, Any] = {"slot": slots, "base": base}
        for e in range(SLOT_EDGES):
            edge = np.full(m + 1, np.nan)
            for i in np.unique(slot[inside]):
                found = lower[inside & (slot == i)]
                if e < found.shape[0]:
                    edge[i] = found[e]
            columns[f"e{e}"] = pa.array(edge, from_pandas=True)  # NaN → null
        return m, pa.table(columns)
    return None


#: Grid edges one slot of the lookup table may hold (see :func:`_slots`).
SLOT_EDGES = 4


def _table(con: Any, grid: ScoreGrid, n_groups: int) -> CountTable:
    import pyarrow as pa

    p = f"greatest(least(a.s, {1.0 - LOG_LOSS_EPS!r}), {LOG_LOSS_EPS!r})"
    sums = ", ".join(
        f"sum(({w} * {v})::{_FIXED})::DOUBLE"
        for w in ("a.pos", "(a.n - a.pos)")
        for v in ("a.s", "a.s * a.s", f"-ln({p})" if w == "a.pos" else f"-ln(1 - {p})")
    )
    lookup = _slots(grid.lower)
    if lookup is not None:
        m, slots = lookup
        con.register("slots", slots)
        up = " + ".join(f"coalesce(a.s >= z.e{e}, false)::INTEGER" for e in range(SLOT_EDGES))
        bins = f"z.base + {up}"
        join = f"JOIN slots z ON z.slot = floor(a.s * {m})::BIGINT"
    else:
        con.register("edges", pa.table({"b": np.arange(grid.n_bins), "lo": grid.lower}))
        bins, join = "e.b", "ASOF JOIN edges e ON a.s >= e.lo"
    found = con.execute(
        f"SELECT j.g, {bins} AS bin, sum(a.pos), sum(a.n - a.pos), {sums} "
        f"FROM agg a JOIN joint j USING (k) {join} GROUP BY j.g, bin"
    ).fetchall()
    shape = (n_groups, 2, grid.n_bins)
    n, s, s2, ll = (np.zeros(shape) for _ in range(4))
    for g, b, pos, neg, s1, q1, l1, s0, q0, l0 in found:
        n[g, 1, b], n[g, 0, b] = pos, neg
        s[g, 1, b], s2[g, 1, b], ll[g, 1, b] = s1, q1, l1
        s[g, 0, b], s2[g, 0, b], ll[g, 0, b] = s0, q0, l0
    return CountTable(n=n, s=s, s2=s2, ll=ll, grid=grid)


def _distinct_counts(reduced: Reduced, score: str, score_distinct: int) -> dict[str, int]:
    """Distinct non-missing values of every column, as pandas' ``nunique`` counts them.

    The target's and the attributes' from their distinct values (fetched already, counted
    by pandas itself), the scores' from ``agg``; any other column by a ``GROUP BY`` of
    its own (which DuckDB spills to disk, unlike ``count(DISTINCT …)``).
    """
    counts = {}
    for column, kind in zip(reduced.columns, reduced.kinds, strict=True):
        if column in reduced.distinct:
            counts[column] = int(reduced.distinct[column].nunique(dropna=True))
        elif column == score and is_number(kind):
            counts[column] = score_distinct
        else:
            q = quote(column)
            counted = reduced.con.execute(
                f"SELECT count(*) FROM (SELECT {q} FROM src WHERE NOT {missing(column, kind)} "
                f"GROUP BY {q})"
            )
            counts[column] = int(counted.fetchall()[0][0])
    return counts


def _quality(reduced: Reduced, score: str, score_distinct: int) -> DataQuality:
    import pyarrow as pa

    con, rows = reduced.con, reduced.rows
    parts = []
    for column, kind in zip(reduced.columns, reduced.kinds, strict=True):
        q = quote(column)
        valid = f"NOT isnan({q})" if is_float(kind) else "true"
        parts.append(f"count_if({missing(column, kind)})")
        bounds = is_number(kind) and not kind.startswith("DECIMAL")
        ends = (f"min({q}) FILTER ({valid})::DOUBLE", f"max({q}) FILTER ({valid})::DOUBLE")
        parts += list(ends) if bounds else ["NULL", "NULL"]
    counted = con.execute(f"SELECT {', '.join(parts)} FROM src").fetchall()[0]
    distincts = _distinct_counts(reduced, score, score_distinct)
    types = con.sql("SELECT * FROM src LIMIT 0").to_arrow_table().schema
    durations = duration_units(reduced.source.files if reduced.source.kind == "parquet" else ())
    columns = []
    for i, column in enumerate(reduced.columns):
        nulls, low, high = counted[3 * i : 3 * i + 3]
        distinct = distincts[column]
        sample = pa.table({column: pa.array([None] * min(int(nulls), 1), type=types.field(i).type)})
        kind = column_kind(sample.to_pandas()[column])
        if column in durations and low is not None:  # pandas: timedeltas, in seconds
            low, high = low / durations[column], high / durations[column]
        columns.append(column_quality(column, kind, rows, nulls, distinct, low, high))
    unique_rows = any(c.null_count == 0 and c.distinct == rows for c in columns)
    duplicates = 0
    if not unique_rows:
        normal = ", ".join(
            f"CASE WHEN isnan({quote(c)}) THEN NULL ELSE {quote(c)} END"
            if is_float(k)
            else quote(c)
            for c, k in zip(reduced.columns, reduced.kinds, strict=True)
        )
        distinct_rows = con.execute(f"SELECT count(*) FROM (SELECT {normal} FROM src GROUP BY ALL)")
        duplicates = rows - int(distinct_rows.fetchall()[0][0])
    return quality_from_columns(rows, columns, duplicates)


def duck_evidence(reduced: Reduced, config: AuditConfig, overall: str) -> EngineEvidence:
    """Grid, count table, exact ranking metrics, curves and data quality, from ``agg``."""
    con = reduced.con
    joint = joint_groups(reduced.attributes)
    views = plan_views(reduced.attributes, joint, overall=overall)
    register_map(con, "joint", reduced.combos, joint.codes.astype(np.int64))
    distinct, positives = (
        int(v)
        for v in con.execute(
            "SELECT count(*), sum(pos) FROM (SELECT s, sum(pos) AS pos FROM agg GROUP BY s)"
        ).fetchall()[0]
    )
    codes = joint.codes.astype(np.intp)
    groups = {v.name: v.mapping[codes].astype(np.int64) for v in views}
    ranks = stream_ranks(
        con,
        views,
        groups,
        reduced.combos,
        rows=reduced.rows,
        positives=positives,
        distinct=distinct,
    )
    grid = make_grid_from_order(
        reduced.rows,
        lambda wanted: np.array([ranks.order_statistics[int(r)] for r in wanted]),
        threshold=config.threshold,
        calibration_bins=config.calibration_bins,
    )
    negatives = reduced.rows - positives
    curves = None
    if positives and negatives:
        curves = curves_from_counts(
            ranks.curve_thresholds,
            ranks.curve_tp,
            ranks.curve_fp,
            positives=positives,
            negatives=negatives,
        )
    assert config.data.score_column is not None
    return EngineEvidence(
        grid=grid,
        table=_table(con, grid, joint.n_groups),
        views=views,
        exact_auc=ranks.exact_auc,
        average_precision=ranks.average_precision,
        curves=curves,
        quality=_quality(reduced, config.data.score_column, distinct),
    )
