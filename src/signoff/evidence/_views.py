"""Views of the joint count table: one attribute's groups summed from the joint groups.

When the joint groups are the cells of the product of the base attributes' groups
(``JointGroups.shape``), a table reshapes to ``(*batch, G1, …, Gk, 2, B)`` and an
attribute's table is that array summed over the other attributes' axes, its own axes
put in the attribute's order and its observed combinations picked: one read of the
table per view, whatever the number of groups — never a one-hot product.  NumPy adds
along the summed axes in C order, that is by increasing joint group, starting from the
first: the same additions in the same order as a sum over the joint groups one by one,
so the sums are bit-for-bit those of the one-hot product this replaced.

A large, sparse product keeps observed joint groups only; views are then segment sums
(:meth:`CountTable.regroup`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ._groups import Attribute
from ._joint import JointGroups
from ._table import CountTable, FloatArray, regroup_array

__all__ = ["View", "plan_views", "view_counts", "view_counts_shared", "view_table"]


@dataclass(frozen=True)
class View:
    """How one view's groups are summed from the joint groups.

    Attributes
    ----------
    name : str
        The attribute (or the overall view's name).
    n_groups : int
        Groups of the view.
    privileged : int or None
        The privileged group, if the config names one.
    mapping : ndarray of intp
        The view's group of every joint group (-1: an empty product cell in none).
    shape : tuple of int or None
        The product's shape when the joint groups are its cells; None otherwise.
    summed : tuple of int
        Product axes summed out.
    order : tuple of int or None
        The kept axes in the view's order, when it differs from the product's.
    select : ndarray of intp or None
        The view's groups among the kept axes' cells (None: all of them).
    """

    name: str
    n_groups: int
    privileged: int | None
    mapping: NDArray[np.intp]
    shape: tuple[int, ...] | None
    summed: tuple[int, ...] = ()
    order: tuple[int, ...] | None = None
    select: NDArray[np.intp] | None = None


def _plan(
    name: str, parts: Sequence[str], n_groups: int, privileged: int | None, joint: JointGroups
) -> View:
    mapping = joint.maps[name] if parts else np.zeros(joint.n_groups, dtype=np.intp)
    if joint.shape is None:
        return View(name, n_groups, privileged, mapping, None)
    axes = [joint.base.index(p) for p in parts]
    summed = tuple(i for i in range(len(joint.shape)) if i not in axes)
    kept = sorted(axes)
    order = tuple(kept.index(a) for a in axes)
    # Cells of the kept axes (in the view's order) that hold rows: the view's groups.
    cells = np.zeros([joint.shape[a] for a in axes], dtype=bool)
    if axes:
        digits = np.indices(joint.shape).reshape(len(joint.shape), -1)[axes]
        cells[tuple(digits[:, joint.present])] = True
    else:
        cells = np.ones(1, dtype=bool)
    select = np.flatnonzero(cells.reshape(-1))
    assert select.shape[0] == n_groups, "a view's groups are its observed combinations"
    return View(
        name,
        n_groups,
        privileged,
        mapping,
        joint.shape,
        summed,
        None if order == tuple(range(len(order))) else order,
        None if select.shape[0] == cells.size else select,
    )


def plan_views(
    attributes: Sequence[Attribute], joint: JointGroups, *, overall: str | None = None
) -> list[View]:
    """A view for every attribute, preceded by the overall view (one group) if named."""
    views = [] if overall is None else [_plan(overall, (), 1, None, joint)]
    views += [_plan(a.name, a.parts, a.n_groups, a.privileged, joint) for a in attributes]
    return views


def _fold(values: FloatArray, view: View) -> FloatArray:
    assert view.shape is not None
    batch = values.shape[:-3]
    cell = values.shape[-2:]
    lead = len(batch)
    out = values.reshape(*batch, *view.shape, *cell)
    if view.summed:
        out = out.sum(axis=tuple(lead + axis for axis in view.summed))
    if view.order is not None:
        tail = len(out.shape)
        axes = [*range(lead), *(lead + a for a in view.order), tail - 2, tail - 1]
        out = out.transpose(axes)
    out = out.reshape(*batch, -1, *cell)
    if view.select is not None:
        out = np.take(out, view.select, axis=-3)
    return out


def _arrange(out: FloatArray, view: View, lead: int) -> FloatArray:
    """A marginal (summed axes kept with length 1) in the view's group order."""
    assert view.shape is not None
    kept = [a for a in range(len(view.shape)) if a not in view.summed]
    out = out.reshape(*out.shape[:lead], *(view.shape[a] for a in kept), *out.shape[-2:])
    if view.order is not None:
        tail = len(out.shape)
        axes = [*range(lead), *(lead + a for a in view.order), tail - 2, tail - 1]
        out = out.transpose(axes)
    out = out.reshape(*out.shape[:lead], -1, *out.shape[-2:])
    if view.select is not None:
        out = np.take(out, view.select, axis=-3)
    return out


def view_counts_shared(counts: FloatArray, views: Sequence[View]) -> dict[str, FloatArray]:
    """:func:`view_counts` of every view, each marginal summed from the smallest one
    already summed that holds it (the overall view from an attribute's, an attribute's
    from an intersection's): far fewer passes over the joint array than one per view.

    Sums of whole numbers (row counts) are exactly those of :func:`view_counts`; other
    sums may differ in the last bits (another order of additions).
    """
    out: dict[str, FloatArray] = {}
    product = [v for v in views if v.shape is not None]
    for view in views:
        if view.shape is None:
            out[view.name] = view_counts(counts, view)
    if not product:
        return out
    shape = product[0].shape
    assert shape is not None
    lead = counts.ndim - 3
    full = frozenset(range(len(shape)))
    marginals = {full: counts.reshape(*counts.shape[:lead], *shape, *counts.shape[-2:])}
    for view in sorted(product, key=lambda v: len(v.summed)):
        kept = full - frozenset(view.summed)
        if kept not in marginals:
            source = min((k for k in marginals if kept <= k), key=lambda k: marginals[k].size)
            axes = tuple(lead + a for a in sorted(source - kept))
            marginals[kept] = marginals[source].sum(axis=axes, keepdims=True)
        out[view.name] = _arrange(marginals[kept], view, lead)
    return out


def view_table(table: CountTable, view: View) -> CountTable:
    """The table of one view: its groups summed from the joint groups."""
    if view.shape is None:
        return table.regroup(view.mapping, view.n_groups)
    return CountTable(
        n=_fold(table.n, view),
        s=_fold(table.s, view),
        s2=_fold(table.s2, view),
        ll=_fold(table.ll, view),
        grid=table.grid,
    )


def view_counts(counts: FloatArray, view: View) -> FloatArray:
    """One array of shape ``(*batch, J, 2, B)`` (e.g. a table's counts) summed into a view."""
    if view.shape is not None:
        return _fold(counts, view)
    if view.n_groups == 1:
        out: FloatArray = counts.sum(axis=-3, keepdims=True)
        return out
    return regroup_array(counts, view.mapping, view.n_groups)
