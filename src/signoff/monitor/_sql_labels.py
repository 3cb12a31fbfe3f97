"""Late labels (``--labels``) joined by DuckDB or Spark, as :func:`~._inputs.join_labels` does.

The labels file becomes the view ``labels`` of the batch's engine (Spark reads a CSV
labels file through pandas, as the in-memory path does).  It is checked as in memory —
no two columns named alike, the id and target columns present, each id once (when one
repeats, the id column is read in file order and handed to the in-memory check, so the
message is the same).
Ids are matched as text, a whole number written as an integer (``17.0`` is ``"17"``,
:func:`~._inputs.id_text`); a null id matches nothing.  The view
``wbl`` is ``wb`` with ``__lt``, each row's late label (NULL without one); the group
table reads it, so a window's labels are the labels file's, else the batch's target.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engines import find_source
from ..errors import DataError
from ._inputs import (
    EMPTY,
    UNSUPPORTED,
    LabelCounts,
    check_label_ids,
    not_found,
    read_table,
    require_columns,
)
from ._sql import SqlBatch, csv_view

__all__ = ["LateLabels", "open_labels"]

WHAT = "labels file"
UNCHECKED = "prediction ids repeat in the labels file, but the in-memory check found none"
_FLOATS = ("FLOAT", "DOUBLE", "float", "double")
_BOOLEANS = ("BOOLEAN", "boolean")


@dataclass(frozen=True)
class LateLabels:
    """The labels file, checked, as the view ``labels`` of the batch's engine."""

    path: Path
    id_column: str
    target: str
    types: dict[str, str]

    def join(self, db: SqlBatch) -> LabelCounts:
        """Create ``wbl`` (``wb`` with ``__lt``) and count what the join found."""
        q = db.quote
        batch_key = _text(db, self.id_column, db.types[self.id_column])
        label_key = _text(db, self.id_column, self.types[self.id_column])
        db.view(
            "wbl",
            f"SELECT b.*, l.__lt FROM (SELECT *, {batch_key} AS __kb FROM wb) AS b LEFT JOIN "
            f"(SELECT {label_key} AS __kl, {q(self.target)} AS __lt FROM labels) AS l "
            "ON b.__kb = l.__kl",
        )
        lt = "__lt"
        known = (
            f"{lt} IS NOT NULL AND NOT isnan({lt})"
            if self.types[self.target] in _FLOATS
            else f"{lt} IS NOT NULL"
        )
        found = db.fetch(
            f"SELECT (SELECT count(*) FROM labels) AS f, "
            f"(SELECT count(*) FROM wbl WHERE {known}) AS m, "
            f"(SELECT count(*) FROM (SELECT {label_key} AS __kl FROM labels) AS l WHERE NOT EXISTS "
            f"(SELECT 1 FROM (SELECT {batch_key} AS __kb FROM batch) AS b "
            "WHERE b.__kb = l.__kl)) AS u"
        ).iloc[0]
        return LabelCounts(int(found["f"]), int(found["m"]), int(found["u"]))


def _text(db: SqlBatch, column: str, kind: str) -> str:
    """:func:`~._inputs.id_text` in SQL: a whole number as an integer, null stays null."""
    q = db.quote(column)
    if kind in _BOOLEANS:
        return f"CASE WHEN {q} THEN 'True' WHEN NOT {q} THEN 'False' END"
    if kind in _FLOATS:
        whole = f"{q} = floor({q}) AND abs({q}) < CAST('1e16' AS DOUBLE)"
        return (
            f"CASE WHEN isnan({q}) THEN NULL WHEN {whole} THEN CAST(CAST({q} AS BIGINT) AS STRING) "
            f"ELSE CAST({q} AS STRING) END"
        )
    return f"CAST({q} AS STRING)"


def open_labels(
    db: SqlBatch, labels_path: str | Path, *, id_column: str, target: str
) -> LateLabels:
    """The labels file as the view ``labels``, checked as the in-memory path checks it."""
    path = Path(labels_path)
    if not path.is_file():
        raise DataError(not_found(WHAT), file=path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise DataError(UNSUPPORTED.format(suffix=path.suffix or "(no suffix)"), file=path)
    find_source(path, what=WHAT)  # unreadable, or two columns named alike: named as such
    if suffix == ".csv" and db.engine == "spark":
        db.register("labels", read_table(path, what=WHAT))
    elif suffix == ".csv":
        csv_view(db.handle, [str(path)], "labels")
    else:
        if db.engine == "spark":
            db.handle.read.parquet(str(path)).createOrReplaceTempView("labels")
        else:
            db.handle.read_parquet(str(path)).create_view("labels")
    shape = db.fetch("SELECT * FROM labels LIMIT 0")
    if int(db.fetch("SELECT count(*) AS n FROM labels")["n"].iloc[0]) == 0:
        raise DataError(EMPTY.format(what=WHAT), file=path)
    require_columns(
        shape,
        {id_column: "columns.prediction_id", target: "columns.target"},
        what=WHAT,
        file=path,
    )
    types = _types(db, "labels")
    q = db.quote(id_column)
    repeated = db.fetch(
        f"SELECT count(*) AS n FROM (SELECT {q} FROM labels GROUP BY {q} HAVING count(*) > 1) AS d"
    )
    if int(repeated["n"].iloc[0]):
        ids = _in_file_order(path, id_column)
        check_label_ids(ids, file=path)
        raise DataError(UNCHECKED, file=path, field="columns.prediction_id")
    return LateLabels(path, id_column, target, types)


def _types(db: SqlBatch, view: str) -> dict[str, str]:
    if db.engine == "spark":
        return dict(db.handle.table(view).dtypes)
    found = db.handle.sql(f"SELECT * FROM {view} LIMIT 0")
    return {c: str(t) for c, t in zip(found.columns, found.types, strict=True)}


def _in_file_order(path: Path, column: str) -> Any:
    """The id column in file order (only on the error path), as the in-memory path reads it
    (:func:`~._inputs.read_table`: a CSV column typed as DuckDB types it)."""
    import pandas as pd

    if path.suffix.lower() == ".csv":
        return read_table(path, what=WHAT)[column]
    return pd.read_parquet(path, columns=[column])[column]
