"""Protected attributes as integer group codes, intersections and joint groups.

Each attribute becomes codes ``0..G-1`` with readable labels (bands of a
binned numeric column keep their declared order; other groups are sorted).
The count table is built once over the *joint* groups (``_joint``) — the
combinations of every base attribute — and each attribute's table is a sum of
joint groups, so all attributes come from one counting pass and one bootstrap.

Codes are compact: int8 up to 127 groups, int16 up to 32,767 (``compact``), so
an attribute costs one or two bytes per row, not eight.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..config import AuditConfig
from ..errors import ConfigError, DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Attribute",
    "Codes",
    "add_intersections",
    "compact",
    "encode_attribute",
    "encode_attributes",
]

MISSING_GROUP = "(missing)"
TOO_MANY_GROUPS = (
    "has {count} groups; a protected attribute may have at most {limit} (max_groups in the "
    "audit config): is this an ID-like column? Band it with bins, or raise max_groups"
)
STAR_IN_LABEL = (
    "the value {label!r} contains '*', which joins the groups of the intersection {name}; "
    "rename the value or leave {attribute} out of intersections"
)
SINGLE_GROUP = "has only one group ({group!r}); a fairness audit needs at least two"
OUT_OF_BINS = "{count} value(s) fall outside the bins {bins} (e.g. {example!r})"
NOT_NUMERIC = "bins need a numeric column; found values such as {example!r}"
UNKNOWN_PRIVILEGED = "privileged group {value!r} does not occur; groups found: {groups}"
Codes = NDArray[np.signedinteger[Any]]


def compact(codes: NDArray[np.signedinteger[Any]], n_groups: int) -> Codes:
    """``codes`` (``-1``..``n_groups - 1``) in the smallest signed integer type that holds them."""
    for kind in (np.int8, np.int16, np.int32):
        if n_groups <= np.iinfo(kind).max:
            return codes.astype(kind, copy=False)
    return codes.astype(np.int64, copy=False)


@dataclass(frozen=True)
class Attribute:
    """One audited attribute (a protected attribute or an intersection)."""

    name: str
    codes: Codes  # group of every row, compact (int8 / int16, see ``compact``)
    labels: tuple[str, ...]
    privileged: int | None
    parts: tuple[str, ...]  # base attributes it is made of (itself for a base attribute)

    @property
    def n_groups(self) -> int:
        """Number of groups."""
        return len(self.labels)


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python value it holds, so messages show 26, not np.int64(26)."""
    return value.item() if isinstance(value, np.generic) else value


def _encode(
    values: pd.Series,
    spec_bins: Sequence[float] | None,
    labels: Sequence[str] | None,
    *,
    file: str | Path,
    field: str,
) -> tuple[Codes, tuple[str, ...]]:
    import pandas as pd

    if spec_bins is not None:
        numeric = pd.to_numeric(values, errors="coerce")
        bad = numeric.isna() & values.notna()
        if bad.any():
            raise DataError(
                NOT_NUMERIC.format(example=_plain(values[bad].iloc[0])), file=file, field=field
            )
        names = (
            list(labels)
            if labels
            else [f"[{a:g}, {b:g})" for a, b in itertools.pairwise(spec_bins)]
        )
        banded = pd.cut(numeric, bins=list(spec_bins), right=False, labels=names)
        outside = banded.isna() & numeric.notna()
        if outside.any():
            raise DataError(
                OUT_OF_BINS.format(
                    count=int(outside.sum()),
                    bins="[" + ", ".join(f"{b:g}" for b in spec_bins) + "]",
                    example=_plain(values[outside].iloc[0]),
                ),
                file=file,
                field=field,
            )
        codes = banded.cat.codes.to_numpy().astype(np.intp)
        present = np.unique(codes[codes >= 0])
        out_labels = [names[i] for i in present]
        remap = np.full(len(names), -1, dtype=np.intp)
        remap[present] = np.arange(len(present))
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
    else:
        codes, uniques = _factorize_text(values)
        out_labels = [str(u) for u in uniques]
    if (codes < 0).any():  # missing values form a group of their own, flagged in warnings
        codes = np.where(codes < 0, len(out_labels), codes)
        out_labels.append(missing_label(out_labels))
    assert len(set(out_labels)) == len(out_labels), "group labels must be unique"
    return compact(codes, len(out_labels)), tuple(out_labels)


def _factorize_text(values: pd.Series) -> tuple[NDArray[np.intp], Any]:
    """``pd.factorize(values.astype("string"), sort=True)``: the groups are the values'
    texts.  A categorical column, or one holding only text, is factorized as it is and
    only its distinct values are made text (the 10M-row Parquet column of a dictionary
    read as categories: 0.08 s instead of 1.4 s); different values with one text still share
    a group.  Any other column (numbers: ``-0.0`` equals ``0.0`` but reads otherwise;
    mixed objects: ``1 == 1.0 == True``) is made text row by row first, as before."""
    import pandas as pd

    dtype = values.dtype
    whole = isinstance(dtype, pd.CategoricalDtype | pd.StringDtype) or (
        pd.api.types.is_object_dtype(dtype)
        and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")
    )
    if not whole:
        codes, labels = pd.factorize(values.astype("string"), sort=True)
        return codes.astype(np.intp), labels
    raw, distinct = pd.factorize(values)
    text_codes, labels = pd.factorize(pd.Series(distinct).astype("string"), sort=True)
    lookup = np.append(text_codes.astype(np.intp), -1)  # raw -1 (missing) stays -1
    return lookup[raw], labels


def missing_label(labels: Sequence[str]) -> str:
    """The missing-value group's label: ``(missing)``, wrapped in more parentheses while a
    real value already has that text, so no value can take it."""
    label, taken = MISSING_GROUP, set(labels)
    while label in taken:
        label = f"({label})"
    return label


def encode_attribute(
    values: pd.Series, name: str, config: AuditConfig, *, file: str | Path
) -> Attribute:
    """One protected attribute's groups, with every check, from its column's values.

    The codes follow ``values`` row by row.  An engine that cannot hold the column
    passes its *distinct* values (nulls included) instead: labels and the code of each
    value are the same either way, since a value's group does not depend on the others.
    """
    spec = config.protected_attributes[name]
    field = f"protected_attributes.{name}"
    codes, labels = _encode(values, spec.bins, spec.labels, file=file, field=field)
    if len(labels) < 2:
        raise DataError(SINGLE_GROUP.format(group=labels[0]), file=file, field=field)
    if len(labels) > config.max_groups:
        message = TOO_MANY_GROUPS.format(count=len(labels), limit=config.max_groups)
        raise DataError(message, file=file, field=field)
    privileged = None
    if spec.privileged is not None:
        wanted = str(spec.privileged)
        if wanted not in labels:
            raise ConfigError(
                UNKNOWN_PRIVILEGED.format(value=spec.privileged, groups=", ".join(labels)),
                field=f"{field}.privileged",
            )
        privileged = labels.index(wanted)
    return Attribute(name, codes, labels, privileged, (name,))


def add_intersections(
    base: Sequence[Attribute], config: AuditConfig, *, file: str | Path
) -> list[Attribute]:
    """The base attributes followed by every configured intersection of them."""
    by_name = {a.name: a for a in base}
    result = list(base)
    for combo in config.intersections:
        result.append(_intersect([by_name[a] for a in combo], file=file))
    return result


def encode_attributes(
    frame: pd.DataFrame, config: AuditConfig, *, file: str | Path
) -> list[Attribute]:
    """Every protected attribute, then every intersection, as group codes."""
    base = [
        encode_attribute(frame[config.attribute_column(name)], name, config, file=file)
        for name in config.protected_attributes
    ]
    return add_intersections(base, config, file=file)


def _radix(parts: Sequence[Attribute]) -> tuple[Codes, int]:
    """Mixed-radix code of each row over ``parts`` (first part most significant), and the
    size of the product."""
    size = int(np.prod([p.n_groups for p in parts], dtype=np.int64))
    # The smallest integer type that holds every code (int16 for up to 32,767 cells):
    # each pass over the rows reads and writes a quarter of what intp would.
    radix = compact(parts[0].codes, size).copy()
    for part in parts[1:]:
        radix *= part.n_groups
        radix += part.codes
    return radix, size


#: Rows counted at a time by :func:`present_codes` (their intp copy stays in the caches).
PRESENT_BLOCK = 1 << 18


def present_codes(codes: Codes, size: int) -> NDArray[np.bool_]:
    """Which of the codes ``0 … size − 1`` occur: ``bincount`` a block of rows at a time,
    so its intp copy of the codes stays in the CPU's caches whatever the row count."""
    counts = np.zeros(size, dtype=np.intp)
    for start in range(0, codes.shape[0], PRESENT_BLOCK):
        counts += np.bincount(codes[start : start + PRESENT_BLOCK], minlength=size)
    present: NDArray[np.bool_] = counts > 0
    return present


def _combine(parts: Sequence[Attribute]) -> tuple[NDArray[np.intp], Codes]:
    """Mixed-radix code of each row over ``parts``, compressed to observed values.

    Returns the observed radix values (sorted) and each row's index into them.
    A ``bincount`` does it in O(N) when the radix space is small; ``unique``
    (a sort) otherwise.
    """
    radix, size = _radix(parts)
    if size <= 4 * radix.shape[0] + 1024:
        present = present_codes(radix, size)
        lookup = compact(np.cumsum(present) - 1, int(present.sum()))
        return np.flatnonzero(present), lookup[radix]
    used, codes = np.unique(radix, return_inverse=True)
    return used, compact(codes.reshape(-1), len(used))


def _intersect(parts: Sequence[Attribute], *, file: str | Path) -> Attribute:
    name = "*".join(p.name for p in parts)
    for part in parts:
        starred = next((label for label in part.labels if "*" in label), None)
        if starred is not None:
            message = STAR_IN_LABEL.format(label=starred, name=name, attribute=part.name)
            raise DataError(message, file=file, field=f"protected_attributes.{part.name}")
    used, codes = _combine(parts)
    labels = []
    for value in used:
        names = []
        for part in reversed(parts):
            value, index = divmod(int(value), part.n_groups)
            names.append(part.labels[index])
        labels.append("*".join(reversed(names)))
    assert len(set(labels)) == len(labels), "intersection labels must be unique"
    return Attribute(name, codes, tuple(labels), None, tuple(p.name for p in parts))
