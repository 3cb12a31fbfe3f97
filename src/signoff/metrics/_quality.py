"""Data quality of one frame: nulls, duplicate rows, constant columns, ranges.

Every count agrees with pandas on the same frame: nulls are
``frame.isna()`` (None, NaN, NaT, ``pd.NA``), duplicate rows are
``frame.duplicated(keep="first")`` and distinct values are
``frame.nunique(dropna=True)`` — computed in time linear in the rows
(``_distinct``), with the same results.  A share whose denominator is zero (a frame
with no rows, or no cells) is ``None`` rather than ``0.0``: there is no
evidence either way, and a policy gate must not pass silently on it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ._distinct import distinct_count, duplicate_row_count

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ColumnQuality",
    "DataQuality",
    "column_kind",
    "data_quality",
    "quality_from_columns",
]

ColumnKind = Literal["numeric", "categorical", "boolean", "datetime"]

DUPLICATE_COLUMN_NAMES = "column names must be unique, found duplicates: {names}"


def _json_float(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


@dataclass(frozen=True)
class ColumnQuality:
    """The quality of one column.

    Attributes
    ----------
    name : str
        The column's name.
    dtype : {"numeric", "categorical", "boolean", "datetime"}
        Its kind: integers, floats and timedeltas are numeric; bool and
        nullable boolean are boolean; datetimes (with or without a time zone)
        are datetime; everything else (object, string, category) is
        categorical.
    null_count : int
        Null cells.
    null_share : float or None
        ``null_count / rows``; ``None`` when the frame has no rows.
    distinct : int
        Distinct non-null values.
    constant : bool
        At most one distinct non-null value (an all-null column is constant).
    min, max : float or None
        Smallest and largest non-null value of a numeric column (timedeltas
        in seconds; may be ±inf); ``None`` for other kinds or no values.
    """

    name: str
    dtype: ColumnKind
    null_count: int
    null_share: float | None
    distinct: int
    constant: bool
    min: float | None
    max: float | None

    def to_dict(self) -> dict[str, Any]:
        """The column as a JSON-ready dict; an infinite min or max becomes ``None``."""
        return {
            "name": self.name,
            "dtype": self.dtype,
            "null_count": self.null_count,
            "null_share": self.null_share,
            "distinct": self.distinct,
            "constant": self.constant,
            "min": _json_float(self.min),
            "max": _json_float(self.max),
        }


@dataclass(frozen=True)
class DataQuality:
    """The quality of a whole frame.

    Attributes
    ----------
    rows, columns : int
        The frame's shape.
    duplicate_rows : int
        Rows identical to an earlier row.
    duplicate_share : float or None
        ``duplicate_rows / rows``; ``None`` when there are no rows.
    null_share : float or None
        Share of null cells overall; ``None`` when there are no cells.
    constant_columns : tuple of str
        Names of the constant columns, in frame order.
    column_quality : tuple of ColumnQuality
        One per column, in frame order.
    """

    rows: int
    columns: int
    duplicate_rows: int
    duplicate_share: float | None
    null_share: float | None
    constant_columns: tuple[str, ...]
    column_quality: tuple[ColumnQuality, ...]

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dict with a fixed key order.

        ``column_quality`` maps each column name to its fields (name left
        out), in frame order.
        """
        columns: dict[str, dict[str, Any]] = {}
        for column in self.column_quality:
            fields = column.to_dict()
            del fields["name"]
            columns[column.name] = fields
        return {
            "rows": self.rows,
            "columns": self.columns,
            "duplicate_rows": self.duplicate_rows,
            "duplicate_share": self.duplicate_share,
            "null_share": self.null_share,
            "constant_columns": list(self.constant_columns),
            "column_quality": columns,
        }


def column_kind(series: pd.Series[Any]) -> ColumnKind:
    """The kind a column of this pandas type is reported as."""
    kind = series.dtype.kind
    if kind == "b":
        return "boolean"
    if kind == "M":
        return "datetime"
    if kind in "iufm":
        return "numeric"
    return "categorical"


def _range(series: pd.Series[Any]) -> tuple[float | None, float | None]:
    """The smallest and largest value, nulls left out (None, None: no value): read where
    the column lies when NumPy holds it, without copies (``fmin`` and ``fmax`` pass over
    NaN), else as floats with NaN for the nulls."""
    if series.dtype.kind == "m":
        series = series.dt.total_seconds()
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iuf":
        values = series.to_numpy()
    else:
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    if values.size == 0:
        return None, None
    if values.dtype.kind != "f":
        return float(values.min()), float(values.max())
    low, high = float(np.fmin.reduce(values)), float(np.fmax.reduce(values))
    return (None, None) if math.isnan(low) else (low, high)


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def data_quality(frame: pd.DataFrame) -> DataQuality:
    """Measure nulls, duplicate rows, constant columns and numeric ranges.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any frame, including one with no rows or no columns.  Column names
        are reported as ``str(name)`` and must be unique.

    Returns
    -------
    DataQuality
        The frame-level counts and one ColumnQuality per column.

    Raises
    ------
    ValueError
        If two columns have the same name (as strings).
    """
    names = [str(column) for column in frame.columns]
    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    if repeated:
        raise ValueError(DUPLICATE_COLUMN_NAMES.format(names=", ".join(repeated)))
    rows, n_columns = frame.shape
    null_counts = frame.isna().sum().to_numpy(dtype=np.int64)
    distinct = np.array(
        [distinct_count(frame.iloc[:, position]) for position in range(n_columns)],
        dtype=np.int64,
    )
    # A column without nulls whose every value is distinct leaves no duplicate row.
    all_distinct = bool(np.any((distinct == rows) & (null_counts == 0))) and rows > 0
    duplicate_rows = 0 if all_distinct else duplicate_row_count(frame)
    columns = []
    for position, name in enumerate(names):
        series = frame.iloc[:, position]
        kind = column_kind(series)
        low, high = _range(series) if kind == "numeric" else (None, None)
        columns.append(
            ColumnQuality(
                name=name,
                dtype=kind,
                null_count=int(null_counts[position]),
                null_share=_share(int(null_counts[position]), rows),
                distinct=int(distinct[position]),
                constant=bool(distinct[position] <= 1),
                min=low,
                max=high,
            )
        )
    return quality_from_columns(rows, columns, duplicate_rows)


def quality_from_columns(
    rows: int, columns: Sequence[ColumnQuality], duplicate_rows: int
) -> DataQuality:
    """The frame's quality from its columns' (however they were counted)."""
    nulls = sum(column.null_count for column in columns)
    return DataQuality(
        rows=rows,
        columns=len(columns),
        duplicate_rows=duplicate_rows,
        duplicate_share=_share(duplicate_rows, rows),
        null_share=_share(nulls, rows * len(columns)),
        constant_columns=tuple(column.name for column in columns if column.constant),
        column_quality=tuple(columns),
    )
