"""A batch: where it is, who counts it, and its windows counted in memory.

``batch_source`` finds the batch's files (``--batch``, else the config's ``data.path``)
and resolves ``data.engine``; ``numpy_windows`` reads the batch into pandas and profiles
each window; ``_engine`` does the same in SQL.  Both give :class:`WindowInput` records,
all the measures need of a window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..config import is_uri
from ..engines import MEMORY_BUDGET, DataSource, find_source
from ..errors import ConfigError, DataError
from ..evidence import validate_scores
from ._baseline_type import Baseline, labels_of
from ._config import LoadedMonitorConfig
from ._counts import Profile
from ._inputs import (
    NO_FEATURES,
    LabelJoin,
    join_labels,
    read_table,
    read_tables,
    require_columns,
)
from ._profile import numeric_values, profile_frame
from ._quality import WindowColumns
from ._windows import split_windows

__all__ = ["NO_BATCH", "Raw", "WindowInput", "batch_source", "numpy_windows"]

NO_BATCH = "no batch: give --batch, or `data.path` in the monitor config"
URI_ENGINE = (
    "{uri!r} is a URI, which only the spark engine reads (through the cluster's file "
    "systems); data.engine is {engine}"
)
FloatArray = NDArray[np.float64]
Raw = dict[str, tuple[FloatArray, FloatArray]]  # column → (reference sorted, window values)


@dataclass(frozen=True)
class WindowInput:
    """One window as the measures need it, whoever counted it."""

    start: dt.datetime | None
    end: dt.datetime | None
    rows: int
    profile: Profile
    raw: Raw
    columns: WindowColumns


def batch_source(loaded: LoadedMonitorConfig, batch: str | Path | None) -> tuple[DataSource, str]:
    """The batch's files (``--batch``, else ``data.path``) and the engine that counts them."""
    data = loaded.config.data
    named = str(batch) if batch is not None else data.path
    if named is not None and is_uri(named):  # Parquet data where the cluster has it
        if data.engine not in ("auto", "spark"):
            message = URI_ENGINE.format(uri=named, engine=data.engine)
            raise ConfigError(message, file=loaded.path, field="data.engine")
        return DataSource.at_uri(named), "spark"
    if batch is not None:
        path = Path(batch)
    elif data.path is not None:
        path = loaded.resolve(data.path)
    else:
        raise ConfigError(NO_BATCH, file=loaded.path, field="data.path")
    source = find_source(path, what="batch file")
    engine: str = data.engine
    if engine == "auto":
        engine = "numpy" if source.size <= MEMORY_BUDGET else "duckdb"
    return source, engine


def numpy_windows(
    base: Baseline,
    source: DataSource,
    *,
    needed: dict[str, str],
    length: dt.timedelta | None,
    labels_path: str | Path | None,
) -> tuple[list[WindowInput], int, LabelJoin | None, str]:
    """The windows of a batch read into memory."""
    config = base.config
    batch_file = source.path
    read = read_tables(source.files, what="batch")
    batch = read.frame
    require_columns(batch, needed, what="batch", file=batch_file)
    features = base.spec.features
    if features and not any(f in batch.columns for f in features):
        shown = ", ".join(features[:10]) + (", …" if len(features) > 10 else "")
        present = ", ".join(map(str, batch.columns))
        raise DataError(NO_FEATURES.format(expected=shown, present=present), file=batch_file)
    scores = validate_scores(batch[config.columns.score], file=batch_file, field="columns.score")
    labels = labels_of(batch, config)
    joined: LabelJoin | None = None
    if labels_path is not None:
        labels_file = Path(labels_path)
        assert config.columns.prediction_id is not None
        assert config.columns.target is not None
        joined = join_labels(
            batch[config.columns.prediction_id],
            read_table(labels_file, what="labels file"),
            id_column=config.columns.prediction_id,
            target=config.columns.target,
            positive_label=config.positive_label,
            file=labels_file,
            existing=labels,
        )
        labels = joined.labels
    windows = split_windows(
        batch, timestamp=config.columns.timestamp, length=length, file=batch_file
    )
    inputs = []
    for window in windows:
        rows = window.rows
        frame = batch.iloc[rows].reset_index(drop=True)
        profile = profile_frame(frame, base.spec, scores=scores[rows], labels=labels[rows])
        raw = {
            c: (ordered, numeric_values(frame[c]))
            for c, ordered in base.sorted_values.items()
            if c in frame.columns
        }
        columns = WindowColumns.of_frame(frame, base.kinds)
        inputs.append(WindowInput(window.start, window.end, len(frame), profile, raw, columns))
    return inputs, len(batch), joined, source.sha256(read.digests)
