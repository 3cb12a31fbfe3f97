"""Data quality of one window against the reference, read from the profiles.

Null shares, out-of-range and unseen shares come from the counts (so they
merge like the profiles); the schema compares the window's columns and kinds
with the reference's; PII is looked for in column names and sampled values.
Column kinds follow ``signoff.metrics``' data-quality report: integer and
float columns are numeric, everything else is compared as categories.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ._counts import Profile
from ._pii import PiiFinding, find_pii
from ._spec import column_kind

__all__ = ["ColumnQuality", "SchemaDiff", "WindowColumns", "WindowQuality", "window_quality"]


@dataclass(frozen=True)
class SchemaDiff:
    """Columns the reference had and the window lacks, new ones, and changed kinds."""

    missing: tuple[str, ...]
    extra: tuple[str, ...]
    retyped: Mapping[str, tuple[str, str]]  # column → (reference kind, window kind)

    @property
    def count(self) -> int:
        """Number of differences."""
        return len(self.missing) + len(self.extra) + len(self.retyped)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "missing": list(self.missing),
            "extra": list(self.extra),
            "retyped": {c: {"reference": r, "window": w} for c, (r, w) in self.retyped.items()},
        }


@dataclass(frozen=True)
class ColumnQuality:
    """One column of one window, against the reference."""

    null_share: float | None
    null_share_reference: float | None
    out_of_range_share: float | None  # numeric: below the reference min or above its max
    unseen_share: float | None  # categorical: values the reference never had
    unseen_examples: tuple[str, ...] = ()

    @property
    def null_share_change(self) -> float | None:
        """Window minus reference null share."""
        if self.null_share is None or self.null_share_reference is None:
            return None
        return self.null_share - self.null_share_reference

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "null_share": self.null_share,
            "null_share_reference": self.null_share_reference,
            "null_share_change": self.null_share_change,
            "out_of_range_share": self.out_of_range_share,
            "unseen_share": self.unseen_share,
            "unseen_examples": list(self.unseen_examples),
        }


@dataclass(frozen=True)
class WindowQuality:
    """Schema, per-column quality and PII of one window."""

    schema: SchemaDiff
    columns: Mapping[str, ColumnQuality]
    pii: tuple[PiiFinding, ...]

    def _largest(self, attr: str) -> float | None:
        values = [getattr(c, attr) for c in self.columns.values()]
        defined = [v for v in values if v is not None]
        return max(defined) if defined else None

    def summary(self) -> dict[str, float | int | None]:
        """The monitoring metrics a policy can gate on."""
        return {
            "null_share_change": self._largest("null_share_change"),
            "out_of_range_share": self._largest("out_of_range_share"),
            "unseen_category_share": self._largest("unseen_share"),
            "schema_change_count": self.schema.count,
            "pii_column_count": len(self.pii),
        }

    def to_dict(self) -> dict[str, Any]:
        """``quality`` of monitor-results.json."""
        return {
            **self.summary(),
            "schema": self.schema.to_dict(),
            "columns": {name: c.to_dict() for name, c in self.columns.items()},
            "pii": [p.to_dict() for p in self.pii],
        }


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


@dataclass(frozen=True)
class WindowColumns:
    """What quality needs of a window besides its profile: columns, kinds, PII.

    ``empty`` holds the columns with no value in the window, among those whose kind
    differs from the reference's (the only ones it is asked about).
    """

    kinds: Mapping[str, str]  # every window column, in order → numeric or categorical
    empty: frozenset[str]
    pii: tuple[PiiFinding, ...]

    @classmethod
    def of_frame(cls, window: pd.DataFrame, reference_kinds: Mapping[str, str]) -> WindowColumns:
        """Read from the window's rows."""
        kinds = {str(c): column_kind(window[c]) for c in window.columns}
        empty = frozenset(
            c
            for c, kind in kinds.items()
            if c in reference_kinds and kind != reference_kinds[c] and window[c].isna().all()
        )
        return cls(kinds, empty, find_pii(window))


def window_quality(
    window: pd.DataFrame | WindowColumns,
    profile: Profile,
    reference: Profile,
    *,
    reference_kinds: Mapping[str, str],
    ignore: tuple[str, ...] = (),
) -> WindowQuality:
    """Compare one window with the reference.

    Parameters
    ----------
    window : DataFrame or WindowColumns
        The window's rows (for the schema and the PII sample), or what an engine
        read of them.
    profile, reference : Profile
        The window's and the reference's counts.
    reference_kinds : mapping
        Every reference column → ``numeric`` or ``categorical``.
    ignore : tuple of str
        Columns not expected in the reference (prediction id, timestamp, target).
    """
    seen = (
        window
        if isinstance(window, WindowColumns)
        else WindowColumns.of_frame(window, reference_kinds)
    )
    present = set(seen.kinds)
    missing = tuple(c for c in reference_kinds if c not in present)
    extra = tuple(c for c in seen.kinds if c not in reference_kinds and c not in ignore)
    retyped = {
        c: (kind, seen.kinds[c])
        for c, kind in reference_kinds.items()
        if c in present and seen.kinds[c] != kind and c not in seen.empty
    }
    columns: dict[str, ColumnQuality] = {}
    for name, counts in profile.numeric.items():
        ref = reference.numeric[name]
        columns[name] = ColumnQuality(
            null_share=_share(counts.nulls, profile.rows),
            null_share_reference=_share(ref.nulls, reference.rows),
            out_of_range_share=_share(counts.outside, counts.count),
            unseen_share=None,
        )
    for name, cats in profile.categorical.items():
        ref_cats = reference.categorical[name]
        columns[name] = ColumnQuality(
            null_share=_share(cats.nulls, profile.rows),
            null_share_reference=_share(ref_cats.nulls, reference.rows),
            out_of_range_share=None,
            unseen_share=_share(cats.unseen, profile.rows - cats.nulls),
            unseen_examples=cats.unseen_examples,
        )
    return WindowQuality(SchemaDiff(missing, extra, retyped), columns, seen.pii)
