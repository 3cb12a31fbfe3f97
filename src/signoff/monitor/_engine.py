"""A batch's windows measured by DuckDB or Spark: the rows stay in the engine.

The checks are those of the in-memory path, made on what SQL can count: the columns
present, the scores' type, NaNs and range, the timestamps.  When one fails, the one
column concerned is read in file order and handed to the in-memory check, so the
message (and the row it names) is the same.  Then ``wb`` — the batch with each row's
window ``__w`` — is counted (:mod:`._sql_profile`); the exact KS test reads each
numeric column's distinct values with their counts, one column at a time; each window's
columns (retyped, empty, the PII sample) are :mod:`._sql_columns`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..engines import DataSource, spark_jobs, spark_quiet
from ..errors import DataError
from ..evidence import validate_scores
from ._baseline_type import Baseline
from ._batch import Raw, WindowInput
from ._counts import NumericCounts
from ._inputs import EMPTY, NO_FEATURES, LabelCounts, require_columns
from ._profile import numeric_counts
from ._sql import SqlBatch, open_batch
from ._sql_columns import window_columns
from ._sql_labels import open_labels
from ._sql_profile import sql_profiles
from ._windows import moment, parse_timestamps

__all__ = ["BAD_ROWS", "WindowInput", "check_scores", "engine_windows"]

FloatArray = NDArray[np.float64]
BAD_ROWS = "{count} row(s) fail the check of {what}; the in-memory check found none"


def _column_in_order(db: SqlBatch, column: str) -> pd.Series:
    found = db.fetch(f"SELECT {db.quote(column)} AS v FROM ({db.file_order()}) ORDER BY __f, __i")
    return found["v"].rename(column)


def check_scores(db: SqlBatch, score: str) -> None:
    s = db.double(score)
    bad = f"({db.quote(score)} IS NOT NULL AND {s} IS NULL) OR {s} IS NULL OR isnan({s}) "
    bad += f"OR {s} < 0 OR {s} > 1"
    count = int(db.fetch(f"SELECT count(*) AS n FROM batch WHERE {bad}")["n"].iloc[0])
    if count:
        validate_scores(_column_in_order(db, score), file=db.source.where, field="columns.score")
        raise DataError(BAD_ROWS.format(count=count, what="columns.score"), file=db.source.where)


def _window_expression(db: SqlBatch, timestamp: str | None, length: dt.timedelta | None) -> str:
    """``__w`` of a row: 0 for one window, else its window number since the epoch."""
    if timestamp is None:
        return "CAST(0 AS BIGINT)"
    us = db.micros(timestamp)
    count = int(db.fetch(f"SELECT count(*) AS n FROM batch WHERE {us} IS NULL")["n"].iloc[0])
    if count:
        field = f"columns.timestamp ({timestamp!r})"
        parse_timestamps(_column_in_order(db, timestamp), file=db.source.where, field=field)
        raise DataError(BAD_ROWS.format(count=count, what=field), file=db.source.where)
    if length is None:
        return "CAST(0 AS BIGINT)"
    width = int(length.total_seconds() * 1_000_000)
    return f"CAST(floor({us} / {width}) AS BIGINT)"


def _bounds(
    db: SqlBatch, timestamp: str | None, length: dt.timedelta | None, windows: list[int]
) -> dict[int, tuple[dt.datetime | None, dt.datetime | None]]:
    if timestamp is None:
        return {0: (None, None)}
    if length is None:
        us = db.micros(timestamp)
        low, high = db.fetch(f"SELECT min({us}) AS a, max({us}) AS b FROM batch").iloc[0]
        return {0: (moment(int(low) * 1000), moment(int(high) * 1000))}
    width = int(length.total_seconds() * 1_000_000_000)
    return {w: (moment(w * width), moment((w + 1) * width)) for w in windows}


def _raw(
    db: SqlBatch, base: Baseline, windows: list[int]
) -> tuple[dict[int, Raw], dict[str, dict[int, NumericCounts]]]:
    """Each numeric column's values per window (for the exact KS test) and its counts,
    from one ``GROUP BY`` (window, value) per column."""
    out: dict[int, Raw] = {w: {} for w in windows}
    counted: dict[str, dict[int, NumericCounts]] = {}
    for column, ordered in base.sorted_values.items():
        if column not in db.columns:
            continue
        found = db.fetch(
            f"SELECT __w AS w, {db.double(column)} AS v, count(*) AS n FROM wb GROUP BY 1, 2"
        )
        w_all = found["w"].to_numpy()
        values = found["v"].to_numpy(dtype=np.float64, na_value=np.nan)
        counts = found["n"].to_numpy(dtype=np.int64)
        edges = base.spec.numeric[column]
        counted[column] = {}
        for w in windows:
            mine = w_all == w
            out[w][column] = (ordered, np.repeat(values[mine], counts[mine]))
            counted[column][w] = numeric_counts(values[mine], counts[mine], edges)
    return out, counted


def engine_windows(
    base: Baseline,
    source: DataSource,
    engine: str,
    *,
    needed: dict[str, str],
    length: dt.timedelta | None,
    labels_path: str | Path | None = None,
) -> tuple[list[WindowInput], int, LabelCounts | None]:
    """Every window of the batch, oldest first, the batch's rows and what joining the late
    labels found (``labels_path``; see :mod:`._sql_labels`), counted by ``engine``."""
    # PySpark warns about pandas 3 (the paths used here are Arrow's); its failures whose
    # cause is known are said as signoff's errors.
    with spark_quiet(), spark_jobs(source.uri):
        return _engine_windows(
            base, source, engine, needed=needed, length=length, labels_path=labels_path
        )


def _engine_windows(
    base: Baseline,
    source: DataSource,
    engine: str,
    *,
    needed: dict[str, str],
    length: dt.timedelta | None,
    labels_path: str | Path | None,
) -> tuple[list[WindowInput], int, LabelCounts | None]:
    config = base.config
    joined: LabelCounts | None = None
    db = open_batch(engine, source)
    try:
        shape = db.empty()
        require_columns(shape, needed, what="batch", file=source.where)
        features = base.spec.features
        if features and not any(f in db.columns for f in features):
            shown = ", ".join(features[:10]) + (", …" if len(features) > 10 else "")
            present = ", ".join(db.columns)
            raise DataError(NO_FEATURES.format(expected=shown, present=present), file=source.where)
        total = int(db.fetch("SELECT count(*) AS n FROM batch")["n"].iloc[0])
        if total == 0:
            raise DataError(EMPTY.format(what="batch"), file=source.where)
        check_scores(db, config.columns.score)
        late = None
        if labels_path is not None:
            assert config.columns.prediction_id is not None
            assert config.columns.target is not None
            late = open_labels(
                db, labels_path, id_column=config.columns.prediction_id,
                target=config.columns.target,
            )  # fmt: skip
        timestamp = config.columns.timestamp
        db.window = f"{_window_expression(db, timestamp, length)} AS __w"
        db.table("wb", f"SELECT {db.window}, * FROM batch")
        if late is not None:
            joined = late.join(db)
        counted = db.fetch("SELECT __w AS w, count(*) AS n FROM wb GROUP BY 1 ORDER BY 1")
        rows = {int(w): int(n) for w, n in zip(counted["w"], counted["n"], strict=True)}
        windows = list(rows)
        raw, numeric = _raw(db, base, windows)
        profiles = sql_profiles(
            db,
            base.spec,
            rows=rows,
            target=config.columns.target,
            positive_label=config.positive_label,
            late=late is not None,
            numeric=numeric,
        )
        columns = window_columns(db, base, rows)
        bounds = _bounds(db, timestamp, length, windows)
    finally:
        db.close()
    inputs = [
        WindowInput(bounds[w][0], bounds[w][1], rows[w], profiles[w], raw[w], columns[w])
        for w in windows
    ]
    return inputs, total, joined
