"""Checking the evaluation set: the columns, the labels and the scores.

Everything a user can get wrong about the data is checked here, once, with a
message that names the file and the column and says what was expected.  No I/O:
the file is read (once, and hashed) by ``signoff.audit``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["binary_labels", "check_columns", "validate_scores"]

MISSING_COLUMNS = (
    "column(s) {missing} named in the config are not in the data; columns present: {present}"
)
TARGET_NULLS = "the target has {count} missing value(s); every row needs a label"
NOT_BINARY = "the target must have two classes; found {count}: {values}"
NO_POSITIVE = "positive_label {label!r} does not occur in the target; values found: {values}"
SCORES_NOT_NUMERIC = (
    "scores must be numbers in [0, 1]; found non-numeric values such as {example!r}"
)
SCORES_NAN = (
    "scores must be numbers in [0, 1]; {count} row(s) are missing or NaN (first at row {row})"
)
SCORES_RANGE = "scores must be in [0, 1]; found {low} to {high} (first bad value at row {row})"


def check_columns(frame: pd.DataFrame, needed: dict[str, str], *, file: str | Path) -> None:
    """Every column in ``needed`` (column → config field) must be present."""
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(
            MISSING_COLUMNS.format(
                missing=", ".join(repr(c) for c in missing),
                present=", ".join(map(str, frame.columns)),
            ),
            file=file,
            field=needed[missing[0]],
        )


def _matches(values: pd.Series, label: Any) -> NDArray[np.bool_]:
    """Rows equal to ``label``, also when YAML and CSV disagree on the type (1 vs "1")."""
    direct: NDArray[np.bool_] = (values == label).to_numpy(dtype=bool)
    if direct.any():
        return direct
    as_text: NDArray[np.bool_] = (values.astype(str) == str(label)).to_numpy(dtype=bool)
    return as_text


def binary_labels(
    frame: pd.DataFrame, target: str, positive_label: Any, *, file: str | Path
) -> NDArray[np.int8]:
    """The target as 0/1 (1 = ``positive_label``), refusing anything not binary."""
    values = frame[target]
    nulls = int(values.isna().sum())
    if nulls:
        raise DataError(TARGET_NULLS.format(count=nulls), file=file, field="data.target")
    distinct = sorted(values.unique().tolist(), key=str)
    shown = ", ".join(repr(v) for v in distinct[:10]) + (", …" if len(distinct) > 10 else "")
    if len(distinct) != 2:
        raise DataError(
            NOT_BINARY.format(count=len(distinct), values=shown), file=file, field="data.target"
        )
    positive = _matches(values, positive_label)
    if not positive.any():
        raise DataError(
            NO_POSITIVE.format(label=positive_label, values=shown),
            file=file,
            field="data.positive_label",
        )
    return positive.astype(np.int8)


def validate_scores(
    scores: Any, *, file: str | Path | None, field: str | None
) -> NDArray[np.float64]:
    """Scores as float64 in [0, 1], or a DataError saying which row is wrong."""
    import pandas as pd

    series = pd.Series(scores)
    numeric = pd.to_numeric(series, errors="coerce")
    bad_type = numeric.isna() & series.notna()
    if bad_type.any():
        example = series[bad_type].iloc[0]
        raise DataError(SCORES_NOT_NUMERIC.format(example=example), file=file, field=field)
    values = numeric.to_numpy(dtype=np.float64)
    nan = np.isnan(values)
    if nan.any():
        raise DataError(
            SCORES_NAN.format(count=int(nan.sum()), row=int(np.argmax(nan)) + 1),
            file=file,
            field=field,
        )
    outside = (values < 0.0) | (values > 1.0)
    if outside.any():
        raise DataError(
            SCORES_RANGE.format(
                low=float(values.min()), high=float(values.max()), row=int(np.argmax(outside)) + 1
            ),
            file=file,
            field=field,
        )
    return values
