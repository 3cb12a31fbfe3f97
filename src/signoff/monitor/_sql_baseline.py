"""The reference profiled by DuckDB or Spark: the baseline the in-memory path builds.

The rows stay in the engine.  Each numeric column (features and the score) is read as
its distinct values with their counts, one column at a time; repeated, they are the
column's values in another order, and the quantile edges, the score grid and the sorted
values the exact KS test needs depend only on the values, not their order — so they
are the in-memory path's, bit for bit.  A categorical column's categories come from its
distinct values through the same text function.  The profile itself is the one-window
case of :func:`~._sql_profile.sql_profiles`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..engines import DataSource, spark_quiet
from ..errors import DataError
from ..evidence import make_grid
from ._baseline_type import Baseline, attribute_specs, roles
from ._config import LoadedMonitorConfig
from ._counts import NumericCounts
from ._engine import check_scores
from ._inputs import EMPTY, feature_columns, require_columns
from ._profile import numeric_counts
from ._spec import ProfileSpec, column_kind, quantile_edges, text_values
from ._sql import SqlBatch, open_batch
from ._sql_profile import sql_profiles
from ._stats import prepare_ks

__all__ = ["engine_baseline"]

FloatArray = NDArray[np.float64]


def _values(db: SqlBatch, column: str) -> tuple[FloatArray, NDArray[np.int64]]:
    """The column's distinct values as float64 (NaN for null) and the rows of each."""
    found = db.fetch(f"SELECT {db.double(column)} AS v, count(*) AS n FROM wb GROUP BY 1")
    values = found["v"].to_numpy(dtype=np.float64, na_value=np.nan)
    return values, found["n"].to_numpy(dtype=np.int64)


def _categories(db: SqlBatch, column: str) -> tuple[str, ...]:
    found = db.fetch(f"SELECT DISTINCT {db.quote(column)} AS v FROM wb")["v"]
    return tuple(sorted(str(v) for v in text_values(found).dropna().unique()))


def engine_baseline(
    loaded: LoadedMonitorConfig, path: Path, source: DataSource, engine: str
) -> Baseline:
    """The baseline of the reference ``source``, counted by ``engine`` (duckdb or spark)."""
    with spark_quiet():  # PySpark warns about pandas 3; the paths used here are Arrow's
        db = open_batch(engine, source)
        try:
            return _baseline(db, loaded, path, source)
        finally:
            db.close()


def _baseline(
    db: SqlBatch, loaded: LoadedMonitorConfig, path: Path, source: DataSource
) -> Baseline:
    config = loaded.config
    shape = db.empty()
    if int(db.fetch("SELECT count(*) AS n FROM batch")["n"].iloc[0]) == 0:
        raise DataError(EMPTY.format(what="reference"), file=path)
    attributes = attribute_specs(config)
    score = config.columns.score
    needed = {score: "columns.score"}
    needed.update({a.column: f"protected_attributes.{a.name}" for a in attributes})
    needed.update(dict.fromkeys(config.features or (), "features"))
    require_columns(shape, needed, what="reference", file=path)
    exclude = set(roles(config)) | {a.column for a in attributes}
    features = feature_columns(shape, config.features, exclude)
    check_scores(db, score)
    db.table("wb", "SELECT CAST(0 AS BIGINT) AS __w, * FROM batch")  # Spark: cached once
    numeric: dict[str, FloatArray] = {}
    categorical: dict[str, tuple[str, ...]] = {}
    ordered: dict[str, FloatArray] = {}
    counted: dict[str, dict[int, NumericCounts]] = {}
    distinct: dict[str, tuple[FloatArray, NDArray[np.int64]]] = {}
    for name in (*features, score):
        if name != score and column_kind(shape[name]) != "numeric":
            categorical[name] = _categories(db, name)
            continue
        distinct[name] = _values(db, name)
        values = np.repeat(*distinct[name])  # the column's values, in another order
        numeric[name] = quantile_edges(values)
        ordered[name] = prepare_ks(values)
    scores = np.repeat(*distinct[score])
    grid = make_grid(scores[~np.isnan(scores)], threshold=config.threshold, calibration_bins=10)
    spec = ProfileSpec(numeric, categorical, score, grid, attributes)
    rows = int(scores.shape[0])
    for name, (values, counts) in distinct.items():
        counted[name] = {0: numeric_counts(values, counts, numeric[name])}
    (profile,) = sql_profiles(
        db,
        spec,
        rows={0: rows},
        target=config.columns.target,
        positive_label=config.positive_label,
        numeric=counted,
    ).values()
    kinds = {c: column_kind(shape[c]) for c in (*features, score)}
    kinds.update({a.column: column_kind(shape[a.column]) for a in attributes})
    ordered = {c: ordered[c] for c in spec.numeric}
    return Baseline(loaded, path, spec, profile, kinds, ordered, source)
