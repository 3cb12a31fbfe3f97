"""Merging profiles, and profiles as canonical JSON (with a SHA-256) and back."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._canonical import canonical_json, canonical_sha256
from ..errors import DataError
from ._counts import UNSEEN_EXAMPLES, CategoricalCounts, GroupTable, NumericCounts, Profile
from ._spec import grid_from_edges

__all__ = [
    "PROFILE_SCHEMA",
    "merge_profiles",
    "profile_from_dict",
    "profile_sha256",
    "profile_to_dict",
    "profile_to_json",
]

PROFILE_SCHEMA = "signoff.monitor.profile/v1"
DIFFERENT_BUCKETS = "profiles with different buckets cannot be merged: {what}"
NOT_A_PROFILE = "not a signoff profile (expected schema {schema!r}): {reason}"


def _same(a: Any, b: Any, what: str) -> None:
    if not np.array_equal(np.asarray(a), np.asarray(b)):
        raise ValueError(DIFFERENT_BUCKETS.format(what=what))


def _merge_numeric(a: NumericCounts, b: NumericCounts, name: str) -> NumericCounts:
    _same(a.edges, b.edges, f"the edges of {name!r}")
    return NumericCounts(
        a.edges,
        a.counts + b.counts,
        a.sums + b.sums,
        a.count + b.count,
        a.sum + b.sum,
        a.sum_squares + b.sum_squares,
    )


def _merge_categorical(a: CategoricalCounts, b: CategoricalCounts, name: str) -> CategoricalCounts:
    if a.categories != b.categories:
        raise ValueError(DIFFERENT_BUCKETS.format(what=f"the categories of {name!r}"))
    examples = tuple(sorted(set(a.unseen_examples) | set(b.unseen_examples))[:UNSEEN_EXAMPLES])
    return CategoricalCounts(a.categories, a.counts + b.counts, examples)


def _merge_tables(a: GroupTable, b: GroupTable) -> GroupTable:
    if a.attributes != b.attributes:
        raise ValueError(DIFFERENT_BUCKETS.format(what="the protected attributes"))
    _same(a.grid.lower, b.grid.lower, "the score grid")
    keys = tuple(sorted(set(a.keys) | set(b.keys)))
    where = {key: k for k, key in enumerate(keys)}
    ia = np.array([where[k] for k in a.keys], dtype=np.intp)
    ib = np.array([where[k] for k in b.keys], dtype=np.intp)

    def add(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        out = np.zeros((len(keys), *x.shape[1:]))
        out[ia] += x
        out[ib] += y
        return out

    return GroupTable(
        a.attributes,
        keys,
        a.grid,
        add(a.n, b.n),
        add(a.s, b.s),
        add(a.s2, b.s2),
        add(a.ll, b.ll),
    )


def merge_profiles(a: Profile, b: Profile) -> Profile:
    """The profile of two batches together: every count and sum added.

    Raises
    ------
    ValueError
        When the two were counted into different buckets (different references).
    """
    if set(a.numeric) != set(b.numeric) or set(a.categorical) != set(b.categorical):
        raise ValueError(DIFFERENT_BUCKETS.format(what="the columns differ"))
    if (a.table is None) != (b.table is None):
        raise ValueError(DIFFERENT_BUCKETS.format(what="one has a score table, the other not"))
    return Profile(
        a.rows + b.rows,
        {k: _merge_numeric(v, b.numeric[k], k) for k, v in a.numeric.items()},
        {k: _merge_categorical(v, b.categorical[k], k) for k, v in a.categorical.items()},
        a.score,
        _merge_tables(a.table, b.table) if a.table is not None and b.table is not None else None,
    )


def _floats(values: np.ndarray[Any, Any]) -> list[Any]:
    out: list[Any] = values.tolist()
    return out


def _ints(values: np.ndarray[Any, Any]) -> list[Any]:
    out: list[Any] = values.astype(np.int64).tolist()
    return out


def profile_to_dict(profile: Profile) -> dict[str, Any]:
    """JSON-ready form: counts as integers, sums as floats."""
    table = profile.table
    return {
        "schema": PROFILE_SCHEMA,
        "rows": profile.rows,
        "score": profile.score,
        "numeric": {
            name: {
                "edges": _floats(c.edges),
                "counts": _ints(c.counts),
                "sums": _floats(c.sums),
                "count": c.count,
                "sum": c.sum,
                "sum_squares": c.sum_squares,
            }
            for name, c in profile.numeric.items()
        },
        "categorical": {
            name: {
                "categories": list(c.categories),
                "counts": _ints(c.counts),
                "unseen_examples": list(c.unseen_examples),
            }
            for name, c in profile.categorical.items()
        },
        "table": None
        if table is None
        else {
            "attributes": list(table.attributes),
            "keys": [list(k) for k in table.keys],
            "grid": {
                "lower": _floats(table.grid.lower),
                "threshold": table.grid.threshold,
                "calibration_bins": int(table.grid.calibration_starts.shape[0]),
            },
            "n": _ints(table.n),
            "s": _floats(table.s),
            "s2": _floats(table.s2),
            "ll": _floats(table.ll),
        },
    }


def profile_to_json(profile: Profile) -> bytes:
    """Canonical JSON bytes (sorted keys, no whitespace)."""
    return canonical_json(profile_to_dict(profile))


def profile_sha256(profile: Profile) -> str:
    """SHA-256 (hex) of the canonical JSON."""
    return canonical_sha256(profile_to_dict(profile))


def profile_from_dict(data: Any, *, file: str | None = None) -> Profile:
    """A profile back from :func:`profile_to_dict`'s form; DataError when it is not one."""
    try:
        if data.get("schema") != PROFILE_SCHEMA:
            raise ValueError(f"schema is {data.get('schema')!r}")
        numeric = {
            name: NumericCounts(
                np.asarray(c["edges"], dtype=np.float64),
                np.asarray(c["counts"], dtype=np.int64),
                np.asarray(c["sums"], dtype=np.float64),
                int(c["count"]),
                float(c["sum"]),
                float(c["sum_squares"]),
            )
            for name, c in data["numeric"].items()
        }
        categorical = {
            name: CategoricalCounts(
                tuple(c["categories"]),
                np.asarray(c["counts"], dtype=np.int64),
                tuple(c["unseen_examples"]),
            )
            for name, c in data["categorical"].items()
        }
        t = data["table"]
        table = None
        if t is not None:
            g = t["grid"]
            table = GroupTable(
                tuple(t["attributes"]),
                tuple(tuple(k) for k in t["keys"]),
                grid_from_edges(g["lower"], g["threshold"], g["calibration_bins"]),
                *(np.asarray(t[k], dtype=np.float64) for k in ("n", "s", "s2", "ll")),
            )
        return Profile(int(data["rows"]), numeric, categorical, data["score"], table)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise DataError(
            NOT_A_PROFILE.format(schema=PROFILE_SCHEMA, reason=exc), file=file
        ) from None
