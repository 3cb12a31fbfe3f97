"""The views' sums of a chunk of joint replicates, for the compiled kernel.

:func:`~._views.view_counts_shared` sums each view's marginal from the smallest marginal
already summed; :func:`plan_marginals` writes the same steps down as index arrays (which
cell of the source goes to which cell of the target) so that ``_jit.marginals`` adds the
same numbers in the same order — source cells in increasing order, as NumPy's sum over
the summed axes does — and :func:`view_sums` hands each view its sum arranged as
:func:`~._views.view_counts` would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

import numpy as np
from numpy.typing import NDArray

from ._table import FloatArray
from ._views import View, _arrange

__all__ = ["MarginalPlan", "plan_marginals", "view_sums"]


@dataclass(frozen=True)
class MarginalPlan:
    """Steps of ``_jit.marginals`` and where each view's sum lands.

    Rows are (group, label) pairs.  ``place[view]`` is ``(first row, groups)`` in the
    kernel's output, or None for a view that is the joint array itself.
    """

    source: NDArray[np.intp]
    target: NDArray[np.intp]
    cell_map: NDArray[np.intp]
    map_start: NDArray[np.intp]
    rows: int
    place: dict[str, tuple[int, int] | None]


def _rows(groups: NDArray[np.intp]) -> NDArray[np.intp]:
    """A map of groups as a map of (group, label) rows."""
    out: NDArray[np.intp] = (2 * groups[:, None] + np.arange(2)).reshape(-1)
    return out


def plan_marginals(views: Sequence[View], joint_groups: int) -> MarginalPlan:
    """The steps of :func:`~._views.view_counts_shared` over ``joint_groups`` groups."""
    source: list[int] = []
    target: list[int] = []
    maps: list[NDArray[np.intp]] = []
    place: dict[str, tuple[int, int] | None] = {}
    rows = 0

    def step(src: int, groups: NDArray[np.intp], size: int) -> tuple[int, int]:
        nonlocal rows
        source.append(src)
        target.append(rows)
        maps.append(_rows(groups))
        rows += 2 * size
        return rows - 2 * size, size

    for view in views:
        if view.shape is None:  # view_counts: one sum, or regroup_array's segment sums
            mapping = np.zeros(joint_groups, dtype=np.intp) if view.n_groups == 1 else view.mapping
            place[view.name] = step(-1, mapping, view.n_groups)
    product = [v for v in views if v.shape is not None]
    if product:
        shape = product[0].shape
        assert shape is not None
        full = frozenset(range(len(shape)))
        done: dict[frozenset[int], tuple[int, int] | None] = {full: None}

        def cells(kept: frozenset[int]) -> int:
            return int(np.prod([shape[a] for a in sorted(kept)], dtype=np.int64))

        for view in sorted(product, key=lambda v: len(v.summed)):
            kept = full - frozenset(view.summed)
            if kept not in done:
                src = min((k for k in done if kept <= k), key=cells)
                axes = sorted(src)
                digits = np.indices([shape[a] for a in axes]).reshape(len(axes), -1)
                groups = np.zeros(digits.shape[1], dtype=np.intp)
                for a in sorted(kept):  # the kept digits, most significant first
                    groups = groups * shape[a] + digits[axes.index(a)]
                at = done[src]
                done[kept] = step(-1 if at is None else at[0], groups, cells(kept))
            place[view.name] = done[kept]
    starts = np.concatenate(([0], np.cumsum([m.shape[0] for m in maps]))).astype(np.intp)
    return MarginalPlan(
        source=np.array(source, dtype=np.intp),
        target=np.array(target, dtype=np.intp),
        cell_map=np.concatenate(maps).astype(np.intp) if maps else np.zeros(0, np.intp),
        map_start=starts,
        rows=rows,
        place=place,
    )


def view_sums(
    stacked: FloatArray, views: Sequence[View], plan: MarginalPlan, jit: ModuleType
) -> dict[str, FloatArray]:
    """Each view's sum of ``stacked`` (replicates, J, 2, W): equal to the bit to
    :func:`~._views.view_counts_shared`'s."""
    size, joint, _, width = stacked.shape
    out = np.empty((size, plan.rows, width))
    flat = stacked.reshape(size, joint * 2, width)
    jit.marginals(flat, plan.source, plan.target, plan.cell_map, plan.map_start, out)
    sums = {}
    for view in views:
        at = plan.place[view.name]
        if at is None:
            part = stacked
        else:
            part = out[:, at[0] : at[0] + 2 * at[1]].reshape(size, at[1], 2, width)
        sums[view.name] = part if view.shape is None else _arrange(part, view, 1)
    return sums
