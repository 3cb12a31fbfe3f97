"""Joint groups: the combinations of every base attribute, one count table for all views.

The count table is built once over the joint groups and each attribute's table (a base
attribute or an intersection) is a sum of joint groups (``_views``), so every attribute
comes from one counting pass and one bootstrap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ._groups import Attribute, Codes, _combine, _radix, compact, present_codes

__all__ = ["JointGroups", "joint_groups"]

#: The joint groups are every cell of the base attributes' product while it has at most
#: this many cells per observed combination (plus a few): then each view is a reshape
#: and a sum of axes (see ``_views``).  A larger, sparse product keeps observed cells only.
PRODUCT_SLACK = 2
PRODUCT_EXTRA = 64


@dataclass(frozen=True)
class JointGroups:
    """The combinations of every base attribute.

    Either every cell of the product of the base attributes' groups (``shape`` set;
    a cell without rows is a group with zero rows), or, when that product is much
    larger than the observed combinations, the observed ones only (``shape`` None).
    """

    codes: Codes  # joint group of every row
    n_groups: int
    maps: dict[str, NDArray[np.intp]]  # attribute → its group for each joint group (-1: none)
    base: tuple[str, ...]  # the base attributes, most significant first
    shape: tuple[int, ...] | None  # their group counts, when the joint groups are the product
    present: NDArray[np.bool_]  # joint groups with at least one row


def _product_maps(
    attributes: Sequence[Attribute], base: Sequence[Attribute], present: NDArray[np.bool_]
) -> dict[str, NDArray[np.intp]]:
    """Each attribute's group for every cell of the product (-1 where it has none)."""
    sizes = {b.name: b.n_groups for b in base}
    position = {b.name: i for i, b in enumerate(base)}
    digits = np.indices(tuple(sizes.values())).reshape(len(base), -1)
    maps = {}
    for attribute in attributes:
        radix = np.zeros(digits.shape[1], dtype=np.intp)
        span = 1
        for part in attribute.parts:
            radix = radix * sizes[part] + digits[position[part]]
            span *= sizes[part]
        observed = np.zeros(span, dtype=bool)
        observed[radix[present]] = True
        assert int(observed.sum()) == attribute.n_groups, "groups are the observed combinations"
        maps[attribute.name] = np.where(observed, np.cumsum(observed) - 1, -1)[radix]
    return maps


def joint_groups(attributes: Sequence[Attribute]) -> JointGroups:
    """Joint groups over the base attributes, and each attribute's map onto them."""
    base = [a for a in attributes if a.parts == (a.name,)]
    names = tuple(a.name for a in base)
    radix, size = _radix(base)
    rows = radix.shape[0]
    present = present_codes(radix, size) if size <= 4 * rows + 1024 else None
    if present is not None and size <= PRODUCT_SLACK * int(present.sum()) + PRODUCT_EXTRA:
        codes = compact(radix, size)
        del radix
        shape = tuple(a.n_groups for a in base)
        return JointGroups(
            codes, size, _product_maps(attributes, base, present), names, shape, present
        )
    del radix
    used, codes = _combine(base)
    # Any row of a joint group carries that group's code of every attribute.
    some_row = np.zeros(len(used), dtype=np.intp)
    some_row[codes] = np.arange(len(codes))
    maps = {a.name: a.codes[some_row].astype(np.intp) for a in attributes}
    return JointGroups(codes, len(used), maps, names, None, np.ones(len(used), dtype=bool))
