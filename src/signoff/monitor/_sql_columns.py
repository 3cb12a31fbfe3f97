"""A batch's columns per window, measured in the engine (DuckDB or Spark): the kind of
each column, which retyped columns have no value in a window, and the PII check on
the rows at :func:`~._pii.sample_positions` of each window — picked without sorting a
whole window (:func:`sampled_rows`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._baseline_type import Baseline
from ._pii import find_pii_sampled, sample_positions
from ._quality import WindowColumns
from ._spec import column_kind
from ._sql import SqlBatch

__all__ = ["BLOCK", "sampled_rows", "window_columns"]

#: Rows of a file numbered together when the PII sample is picked (see :func:`sampled_rows`).
BLOCK = 1 << 16


def _is_text(series: pd.Series) -> bool:
    return series.dtype.kind == "O" or isinstance(series.dtype, pd.StringDtype)


def sampled_rows(
    db: SqlBatch, rows: dict[int, int], text: list[str], *, block: int = BLOCK
) -> pd.DataFrame:
    """The rows at each window's sample positions (its rows numbered in file order).

    No sort of a whole window: the rows are counted per (window, file, block of
    ``BLOCK`` rows of the file), the driver finds the block and the rank in it of each
    wanted position, and only those blocks are numbered — small sorts, in parallel.
    """
    numbering = f"CAST(floor(__i / {int(block)}) AS BIGINT) AS __b"
    source = f"SELECT {db.window}, *, {numbering} FROM ({db.file_order()})"
    blocks = db.fetch(f"SELECT __w, __f, __b, count(*) AS n FROM ({source}) GROUP BY 1, 2, 3")
    blocks = blocks.sort_values(["__w", "__f", "__b"], kind="stable").reset_index(drop=True)
    wanted = []
    for w, n in rows.items():
        positions, _ = sample_positions(n)
        at = positions if positions is not None else np.arange(n)
        mine = blocks[blocks["__w"] == w]
        ends = np.cumsum(mine["n"].to_numpy(np.int64))
        which = np.searchsorted(ends, at, side="right")
        starts = ends - mine["n"].to_numpy(np.int64)
        picked = mine.iloc[which]
        wanted.append(
            pd.DataFrame(
                {
                    "__w": np.int64(w),
                    "__f": picked["__f"].to_numpy(),
                    "__b": picked["__b"].to_numpy(np.int64),
                    "__q": (at - starts[which]).astype(np.int64),
                    "__p": at.astype(np.int64),
                }
            )
        )
    chosen = pd.concat(wanted, ignore_index=True)
    db.register("pii_rows", chosen)
    db.register("pii_blocks", chosen.loc[:, ["__w", "__f", "__b"]].drop_duplicates())
    columns = ", ".join(db.quote(c) for c in text)
    numbered = (
        f"SELECT o.__w, o.__f, o.__b, {', '.join('o.' + db.quote(c) for c in text)}, "
        "row_number() OVER (PARTITION BY o.__w, o.__f, o.__b ORDER BY o.__i) - 1 AS __q "
        f"FROM (SELECT __w, __f, __b, __i, {columns} FROM ({source})) AS o JOIN pii_blocks AS k "
        "ON o.__w = k.__w AND o.__f = k.__f AND o.__b = k.__b"
    )
    return db.fetch(
        f"SELECT r.__w, r.__p, {', '.join('x.' + db.quote(c) for c in text)} FROM ({numbered}) "
        "AS x JOIN pii_rows AS r ON x.__w = r.__w AND x.__f = r.__f AND x.__b = r.__b "
        "AND x.__q = r.__q ORDER BY r.__w, r.__p"
    )


def window_columns(db: SqlBatch, base: Baseline, rows: dict[int, int]) -> dict[int, WindowColumns]:
    """Per window: each column's kind, the retyped columns with no value in it, and the
    PII found in its sample of the text columns."""
    shape = db.empty()
    kinds = {str(c): column_kind(shape[c]) for c in shape.columns}
    ref = base.kinds
    retyped = [c for c, k in kinds.items() if c in ref and k != ref[c]]
    empty: dict[int, set[str]] = {w: set() for w in rows}
    for column in retyped:
        present = f"CASE WHEN NOT {db.missing(column)} THEN 1 ELSE 0 END"
        found = db.fetch(f"SELECT __w AS w, sum({present}) AS n FROM wb GROUP BY 1")
        for w, n in zip(found["w"], found["n"], strict=True):
            if int(n) == 0:
                empty[int(w)].add(column)
    text = [c for c in shape.columns if _is_text(shape[c])]
    samples: dict[int, pd.DataFrame] = dict.fromkeys(rows, shape.loc[:, text])
    if text:
        found = sampled_rows(db, rows, text)
        for w in rows:
            samples[w] = found[found["__w"] == w].loc[:, text].reset_index(drop=True)
    out = {}
    for w, n in rows.items():
        sample = {c: samples[w][c] if c in text else shape[c] for c in shape.columns}
        out[w] = WindowColumns(kinds, frozenset(empty[w]), find_pii_sampled(sample, rows=n))
    return out
