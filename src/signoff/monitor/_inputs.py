"""Reading the monitor's inputs: reference, batch and late labels, checked once.

Every message names the file and the column and says what was expected.  A file naming
two columns alike is refused (:func:`~signoff.engines.check_names`), and CSV columns are
typed as DuckDB types them (:func:`~signoff.engines.as_one_file`: the files of one data
set as if they were one file, an integer beyond 64 bits as text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..engines import UNREADABLE, UNSUPPORTED, ReadData, file_sha256, read_files
from ..errors import DataError

__all__ = [
    "DUPLICATE_LABEL_IDS",
    "EMPTY",
    "MISSING_COLUMNS",
    "NOT_FOUND",
    "NO_FEATURES",
    "UNREADABLE",
    "UNSUPPORTED",
    "LabelCounts",
    "LabelJoin",
    "check_label_ids",
    "feature_columns",
    "file_sha256",
    "id_text",
    "join_labels",
    "label_codes",
    "not_found",
    "read_table",
    "read_tables",
    "require_columns",
]

NOT_FOUND = "{what} file not found"
EMPTY = "the {what} has no rows"
MISSING_COLUMNS = (
    "the {what} lacks column(s) {missing} named in the monitor config; columns present: {present}"
)
NO_FEATURES = (
    "the batch has none of the reference's feature columns ({expected}); "
    "is it the right file? columns present: {present}"
)
DUPLICATE_LABEL_IDS = "prediction id {value!r} has {count} labels; each id needs one"


def read_table(path: Path, *, what: str) -> pd.DataFrame:
    """A .csv or .parquet file with at least one row."""
    return read_tables([path], what=what).frame


def read_tables(files: Sequence[Path], *, what: str) -> ReadData:
    """The files of one data set (:func:`~signoff.engines.find_source`) stacked in order,
    CSV columns typed as if the files were one, and the digests of the bytes read."""
    return read_files(files, missing=not_found(what), empty=EMPTY.format(what=what))


def not_found(what: str) -> str:
    """:data:`NOT_FOUND` for ``what``: "reference file not found", and for a "labels file"
    "labels file not found" (not "file file")."""
    return NOT_FOUND.format(what=what.removesuffix(" file"))


def require_columns(
    frame: pd.DataFrame, needed: dict[str, str], *, what: str, file: str | Path
) -> None:
    """Every column in ``needed`` (column → config field) is present, or a DataError naming them."""
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(
            MISSING_COLUMNS.format(
                what=what,
                missing=", ".join(repr(c) for c in missing),
                present=", ".join(map(str, frame.columns)),
            ),
            file=file,
            field=needed[missing[0]],
        )


def label_codes(values: pd.Series[Any], positive_label: Any) -> NDArray[np.int8]:
    """0 negative, 1 positive, 2 no label yet; YAML's 1 matches a CSV's "1" too."""
    known = values.notna().to_numpy(dtype=bool)
    positive = (values == positive_label).to_numpy(dtype=bool)
    if not positive[known].any():
        positive = (values.astype(str) == str(positive_label)).to_numpy(dtype=bool)
    return np.where(known, positive.astype(np.int8), np.int8(2)).astype(np.int8)


@dataclass(frozen=True)
class LabelCounts:
    """What joining late labels found (``labels`` in monitor-results.json)."""

    file_rows: int
    matched_rows: int  # batch rows that found a label
    unmatched_labels: int  # label rows whose id is not in the batch

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "label_rows": self.file_rows,
            "matched_batch_rows": self.matched_rows,
            "unmatched_labels": self.unmatched_labels,
        }


@dataclass(frozen=True)
class LabelJoin(LabelCounts):
    """Late labels joined onto a batch in memory: the counts and each batch row's label."""

    labels: NDArray[np.int8] = field(default_factory=lambda: np.empty(0, np.int8))  # 0, 1, 2


def check_label_ids(ids: pd.Series[Any], *, file: Path) -> None:
    """Each prediction id once in the labels file, or a DataError naming the first repeated."""
    repeated = ids.duplicated(keep=False).to_numpy(dtype=bool)
    if repeated.any():
        first = ids[repeated].iloc[0]
        shown = first.item() if isinstance(first, np.generic) else first  # 7, not np.int64(7)
        raise DataError(
            DUPLICATE_LABEL_IDS.format(value=shown, count=int((ids == first).sum())),
            file=file,
            field="columns.prediction_id",
        )


def id_text(ids: pd.Series[Any]) -> pd.Series[Any]:
    """Prediction ids as the text they are matched by: a whole number as an integer
    (``17.0`` → ``"17"``, below 1e16), anything else as pandas writes it; null stays null."""
    values = ids.to_numpy(dtype=object)
    text = ids.astype(str).to_numpy(dtype=object)
    if ids.dtype.kind == "f":
        numbers = ids.to_numpy(dtype=np.float64)
        whole = np.isfinite(numbers) & (numbers == np.floor(numbers)) & (np.abs(numbers) < 1e16)
        text[whole] = numbers[whole].astype(np.int64).astype(str)
    text[pd.isna(values)] = None
    return pd.Series(text, index=ids.index, dtype=object)


def join_labels(
    batch_ids: pd.Series[Any],
    labels: pd.DataFrame,
    *,
    id_column: str,
    target: str,
    positive_label: Any,
    file: Path,
    existing: NDArray[np.int8] | None = None,
) -> LabelJoin:
    """Each batch row's label from the labels file (a hash join; ids must be unique there)."""
    require_columns(
        labels,
        {id_column: "columns.prediction_id", target: "columns.target"},
        what="labels file",
        file=file,
    )
    ids = labels[id_column]
    check_label_ids(ids, file=file)
    # Compare ids as text so 17 in one file matches "17" (or 17.0) in the other.
    known = ids.notna().to_numpy(dtype=bool)
    lookup = pd.Series(labels[target].to_numpy()[known], index=id_text(ids)[known].to_numpy())
    batch_text = id_text(batch_ids)
    joined = batch_text.map(lookup)
    codes = label_codes(joined, positive_label)
    if existing is not None:
        codes = np.where(codes == 2, existing, codes).astype(np.int8)
    in_batch = id_text(ids).isin(set(batch_text.dropna())) & known
    return LabelJoin(
        labels=codes,
        file_rows=len(labels),
        matched_rows=int(joined.notna().sum()),
        unmatched_labels=int((~in_batch).sum()),
    )


def feature_columns(
    reference: pd.DataFrame, features: Sequence[str] | None, exclude: set[str]
) -> tuple[str, ...]:
    """The watched features: as configured, else every reference column not excluded."""
    if features is not None:
        return tuple(features)
    return tuple(str(c) for c in reference.columns if c not in exclude)
