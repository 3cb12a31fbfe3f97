"""Tumbling windows over the timestamp column; no timestamp: the batch is one window.

Windows are aligned on the Unix epoch in UTC (a ``1d`` window runs from
midnight to midnight UTC), hold ``[start, end)``, and only windows with rows
are returned, oldest first.  Timestamps are ISO 8601 text (a naive one is
read as UTC), datetime columns, or numbers of seconds since the epoch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..errors import DataError

__all__ = [
    "BAD_TIMESTAMP",
    "MISSING_TIMESTAMP",
    "Window",
    "moment",
    "parse_timestamps",
    "split_windows",
]

BAD_TIMESTAMP = (
    "cannot read {value!r} as a timestamp (row {row}; {count} row(s) in all); "
    "expected ISO 8601 such as 2025-01-31T14:05:00Z"
)
MISSING_TIMESTAMP = "row {row} has no timestamp ({count} row(s) in all); every row needs one"


@dataclass(frozen=True)
class Window:
    """One window: its bounds (None for the whole batch) and the positions of its rows."""

    start: dt.datetime | None
    end: dt.datetime | None
    rows: NDArray[np.intp]


def parse_timestamps(series: pd.Series[Any], *, file: str | Path, field: str) -> NDArray[np.int64]:
    """Nanoseconds since the epoch (UTC) of every row, or a DataError at the first bad row."""
    missing = series.isna().to_numpy(dtype=bool)
    if missing.any():
        raise DataError(
            MISSING_TIMESTAMP.format(row=int(np.argmax(missing)) + 1, count=int(missing.sum())),
            file=file,
            field=field,
        )
    if series.dtype.kind in "iuf":
        parsed = pd.to_datetime(series, unit="s", utc=True, errors="coerce")
    elif series.dtype.kind == "M" or isinstance(series.dtype, pd.DatetimeTZDtype):
        parsed = pd.to_datetime(series, utc=True)
    else:
        parsed = pd.to_datetime(series.astype(str), utc=True, errors="coerce", format="ISO8601")
    bad = parsed.isna().to_numpy(dtype=bool)
    if bad.any():
        first = int(np.argmax(bad))
        value = series.iloc[first]
        value = value.item() if isinstance(value, np.generic) else value  # 1e30, not np.float64
        raise DataError(
            BAD_TIMESTAMP.format(value=value, row=first + 1, count=int(bad.sum())),
            file=file,
            field=field,
        )
    naive = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    out: NDArray[np.int64] = naive.to_numpy().astype("datetime64[ns]").astype(np.int64)
    return out


def moment(ns: int) -> dt.datetime:
    """Nanoseconds since the epoch as an aware UTC datetime."""
    return pd.Timestamp(ns, unit="ns", tz="UTC").to_pydatetime()


def split_windows(
    frame: pd.DataFrame,
    *,
    timestamp: str | None,
    length: dt.timedelta | None,
    file: Path,
) -> list[Window]:
    """The batch's windows, oldest first (row order kept inside a window).

    Without a window length the batch is one window; its bounds are the first
    and last timestamps when there is a timestamp column, else None.
    """
    field = f"columns.timestamp ({timestamp!r})"
    if timestamp is None:
        return [Window(None, None, np.arange(len(frame), dtype=np.intp))]
    ns = parse_timestamps(frame[timestamp], file=file, field=field)
    if length is None:
        return [
            Window(
                moment(int(ns.min())),
                moment(int(ns.max())),
                np.arange(len(frame), dtype=np.intp),
            )
        ]
    width = int(length.total_seconds() * 1_000_000_000)
    codes = ns // width
    order = np.argsort(codes, kind="stable").astype(np.intp)
    starts, first = np.unique(codes[order], return_index=True)
    bounds = [*first.tolist(), len(order)]
    return [
        Window(moment(int(c) * width), moment((int(c) + 1) * width), order[a:b])
        for c, a, b in zip(starts.tolist(), bounds[:-1], bounds[1:], strict=True)
    ]
