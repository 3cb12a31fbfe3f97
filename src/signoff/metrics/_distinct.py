"""Distinct values and duplicate rows without pandas' hash tables, exactly as pandas counts.

pandas' ``nunique`` and ``duplicated`` insert every value into one hash table; once
that table outgrows the CPU caches each insert is a cache miss, and ten times the rows
take twenty to forty times as long.  Here a column's values are copied once as 64-bit
numbers (floats as floats, ``-0.0`` as ``0.0``; the rest as integers) and sorted in place
(NumPy's vectorised sort: ten times the rows take about twelve times as long, the
``log N`` of a sort) — no table of distinct values is ever built.

* Distinct values of a column of NumPy numbers, booleans, datetimes or timedeltas
  are counted from their keys (NaN and NaT left out; ``-0.0`` equals ``0.0``, as in
  pandas); any other column (text, categories, nullable or time-zone types) is
  counted by pandas.
* Small integers and booleans are counted by a ``bincount``.
* Duplicate rows: none when a column without nulls has a distinct value in every row
  (``data_quality`` knows that from the counts above, and skips the hashing — the usual
  case, a continuous score).  Otherwise a row's hash mixes its columns' keys (a column
  of another type is keyed by its ``pd.factorize`` code, pandas' own notion of equal
  values).  Only rows whose hash occurs more than once can be duplicates; those are
  checked column by column against the first row with the same hash, and only if two
  different rows share a hash (a collision) does pandas decide on the candidate rows —
  so a collision costs time and never changes the count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["distinct_count", "duplicate_row_count"]

#: Rows per block: a block's keys (8 bytes each) fit a typical L2 cache.
BLOCK = 1 << 15
Keys = NDArray[np.uint64]
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _mix(keys: Keys) -> Keys:
    """The splitmix64 finalizer: every input bit moves every output bit."""
    out = keys + _GOLDEN
    out ^= out >> np.uint64(30)
    out *= _MIX1
    out ^= out >> np.uint64(27)
    out *= _MIX2
    out ^= out >> np.uint64(31)
    return out


def _numeric_keys(values: NDArray[Any]) -> Keys | None:
    """64-bit keys equal exactly when pandas calls the values equal; None for other types."""
    kind = values.dtype.kind
    if kind == "f":
        floats = values.astype(np.float64) + 0.0  # -0.0 becomes 0.0
        floats[np.isnan(floats)] = np.nan  # one NaN bit pattern
        return floats.view(np.uint64)
    if kind in "iub":
        return values.astype(np.int64).view(np.uint64)
    if kind in "mM":
        return values.view(np.int64).view(np.uint64)
    return None


def _distinct_sorted(ordered: NDArray[Any]) -> int:
    """Distinct values of a sorted array: its length less the neighbours equal to the one
    before, compared a block at a time (no array of comparisons as long as the rows)."""
    n = int(ordered.shape[0])
    same = 0
    for start in range(1, n, BLOCK):
        here = ordered[start - 1 : start + BLOCK]
        same += int(np.count_nonzero(here[1:] == here[:-1]))
    return n - same


def _distinct_floats(values: NDArray[np.floating[Any]]) -> int:
    """Distinct non-NaN floats: one copy (``-0.0`` made ``0.0`` by adding ``0.0``, NaN left
    out only when there is one), sorted in place."""
    floats = np.add(values, 0.0, dtype=np.float64)
    missing = np.isnan(floats)
    if missing.any():
        floats = floats[~missing]
    del missing
    floats.sort()
    return _distinct_sorted(floats)


def _small_distinct(unsigned: NDArray[np.unsignedinteger[Any]]) -> int:
    """Distinct values of 8- or 16-bit unsigned integers: a ``bincount`` a block at a time
    (NumPy's ``bincount`` widens its input to 64 bits: a block keeps that copy small)."""
    size = 1 << (8 * unsigned.dtype.itemsize)
    block = max(BLOCK, 8 * size)  # (each block's counts, 65,536 of them for 16 bits, added)
    seen = np.zeros(size, dtype=np.int64)
    for start in range(0, unsigned.shape[0], block):
        seen += np.bincount(unsigned[start : start + block], minlength=size)
    return int(np.count_nonzero(seen))


def _numpy_kind(series: pd.Series[Any]) -> str:
    """The NumPy kind of a column held in a NumPy array; "" for pandas' own types."""
    return series.dtype.kind if isinstance(series.dtype, np.dtype) else ""


def distinct_count(series: pd.Series[Any]) -> int:
    """Distinct non-null values, equal to ``series.nunique(dropna=True)``."""
    kind = _numpy_kind(series)
    if not kind or kind not in "iufbmM":
        return int(series.nunique(dropna=True))
    values = series.to_numpy()
    if kind in "iub" and values.dtype.itemsize <= 2:  # small integers: a bincount
        return _small_distinct(values.view(np.uint8 if values.dtype.itemsize == 1 else np.uint16))
    if kind == "f":
        return _distinct_floats(values)
    if kind in "mM":  # NaT is the smallest 64-bit integer; leaving it out copies the rest
        stamps = values.view(np.int64)
        keys = stamps[stamps != np.iinfo(np.int64).min]
    else:
        keys = values.astype(np.int64)  # a copy (unsigned values wrap: still one to one)
    keys.sort()
    return _distinct_sorted(keys)


def _column_keys(series: pd.Series[Any]) -> Keys:
    import pandas as pd

    kind = _numpy_kind(series)
    keys = _numeric_keys(series.to_numpy()) if kind and kind in "iufbmM" else None
    if keys is None:
        codes, _ = pd.factorize(series, use_na_sentinel=True)  # every kind of missing: -1
        keys = codes.astype(np.int64).view(np.uint64)
    return keys


def _row_hashes(frame: pd.DataFrame) -> Keys:
    key = np.zeros(frame.shape[0], dtype=np.uint64)
    for position in range(frame.shape[1]):
        key ^= _column_keys(frame.iloc[:, position])
        key = _mix(key + np.uint64(position))
    return key


def duplicate_row_count(frame: pd.DataFrame) -> int:
    """Rows identical to an earlier row, equal to ``frame.duplicated(keep="first").sum()``."""
    rows, columns = frame.shape
    if rows < 2 or columns == 0:
        return int(frame.duplicated(keep="first").sum())
    hashes = _row_hashes(frame)
    ordered = np.sort(hashes)
    shared = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    del ordered
    if shared.shape[0] == 0:
        return 0
    where = np.minimum(np.searchsorted(shared, hashes), shared.shape[0] - 1)
    candidates = np.flatnonzero(shared[where] == hashes)
    del where
    if 2 * candidates.shape[0] > rows:  # mostly repeated rows: pandas' table stays small
        return int(frame.duplicated(keep="first").sum())
    subset = frame.iloc[candidates]
    # Candidates grouped by hash, each group in row order; every row is compared with
    # its group's first row, column by column, on exact keys.
    order = np.argsort(hashes[candidates], kind="stable")
    grouped = hashes[candidates][order]
    first = np.flatnonzero(np.concatenate(([True], grouped[1:] != grouped[:-1])))
    leader = order[np.repeat(first, np.diff(np.append(first, grouped.shape[0])))]
    for position in range(columns):
        keys = _column_keys(subset.iloc[:, position])
        if np.any(keys[order] != keys[leader]):  # two different rows share a hash
            return int(subset.duplicated(keep="first").sum())
    return int(candidates.shape[0] - first.shape[0])
