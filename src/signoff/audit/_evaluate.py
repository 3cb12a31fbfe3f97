"""Every statistic of every view, all views' groups side by side.

The same :func:`evaluate` runs on the observed table (point estimates) and on each chunk
of bootstrap replicates (intervals), so the two can never disagree about a definition.
Every view's groups sit side by side along one axis (view after view, each in its group
order), so each statistic is one array operation for all views at once, not one per
view; only ``share``, the disparities and the shift read across groups, and they read
their own view's by segment sums and extremes (``starts``), exact in any order — each
view's values are the very ones it gets alone.  :func:`split` hands each view its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..config import AuditConfig
from ..evidence import CountTable, FloatArray, Replicates, View, raw_fine, view_table
from ..metrics import (
    binned_average_precision,
    binned_roc_auc,
    count_sums,
    disparities,
    ratio,
    shift_scenarios,
    statistics_from_sums,
)
from ._counting import OVERALL

__all__ = ["Joined", "Values", "evaluate", "split"]

#: As ``metrics.binned_roc_auc``: below this, every partial Mann–Whitney sum is exact.
EXACT_PAIRS = 2.0**52

Values = dict[str, dict[str, FloatArray]]  # view → metric → array (*batch, G) or (*batch,)


@dataclass(frozen=True)
class Joined:
    """Every view's statistics side by side (``*batch`` leading axes).

    ``groups``: per-group statistics, ``(*batch, ΣG)``; ``views``: the disparities and
    ``max_shift_degradation`` of each view, ``(*batch, V)`` (the overall view's
    disparities are undefined and unused; its ``max_shift_degradation`` is the largest
    of the attributes'); ``shift``: every scenario, ``(*batch, 2ΣG)``; ``pr_auc``: the
    overall view's binned average precision of replicates, ``(*batch, 1)``.
    """

    groups: dict[str, FloatArray]
    views: dict[str, FloatArray]
    shift: FloatArray
    pr_auc: FloatArray | None


def layout(views: Sequence[View]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Each view's number of groups and where they start along the joined axis."""
    sizes = np.array([view.n_groups for view in views], dtype=np.intp)
    return sizes, np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.intp)


def _side_by_side(
    table: CountTable | Replicates, views: Sequence[View]
) -> tuple[CountTable, list[FloatArray] | None]:
    """Every view's table, the views' groups side by side (and a chunk's fine counts)."""
    if isinstance(table, Replicates):
        return table.side_by_side(views)
    tables = [view_table(table, view) for view in views]
    n, s, s2, ll = (
        np.concatenate([getattr(t, a) for t in tables], axis=-3) for a in ("n", "s", "s2", "ll")
    )
    return CountTable(n=n, s=s, s2=s2, ll=ll, grid=table.grid), None


def ranked_auc(ranked: FloatArray) -> FloatArray:
    """``metrics.binned_roc_auc`` of a chunk's group-major fine counts ``(G, 2, B, size)``
    (negatives cumulative over the bins, :attr:`Replicates.ranking`), the same values to
    the bit.

    Twice the Mann–Whitney sum is ``Σ_b pos_b·(below_b + below_{b+1})`` with ``below_b``
    the negatives below bin ``b``: a sum of whole numbers.  Below 2⁵³ (checked:
    positives × negatives below :data:`EXACT_PAIRS`, as ``metrics.binned_roc_auc``
    checks) every partial sum is exact, so any order of additions gives the number the
    bin-by-bin sum gives, and halving it is exact.
    """
    cumulative, pos = ranked[:, 0], ranked[:, 1]  # (G, B, size)
    pairs = (pos.sum(axis=1) * cumulative[:, -1]).T  # (size, G)
    if pairs.size and float(pairs.max()) >= EXACT_PAIRS:
        return binned_roc_auc(raw_fine(ranked))
    twice = cumulative.copy()
    twice[:, 1:] += cumulative[:, :-1]
    wins: FloatArray = np.einsum("gbs,gbs->sg", pos, twice)
    wins *= 0.5
    return ratio(wins, pairs)


@dataclass(frozen=True)
class Partial:
    """What one table or chunk leaves to :func:`finish`: every group's count sums
    (``metrics.count_sums``, ``(*batch, ΣG)`` each) and the ranking statistics —
    ``ranking``, the binned (ROC AUC, average precision) of every group of a table, or
    for replicates ``roc_auc`` of every group and ``pr_auc`` of the overall view."""

    sums: dict[str, FloatArray]
    ranking: tuple[FloatArray, FloatArray] | None = None
    roc_auc: FloatArray | None = None
    pr_auc: FloatArray | None = None


def partial(table: CountTable | Replicates, views: Sequence[View]) -> Partial:
    """The count sums and ranking statistics of every view of a table or a chunk.

    Replicates carry coarse-grid sums and fine counts: the binned ranking statistics
    come from the fine counts — ROC AUC for every view, average precision for the
    overall view only (the only place it is reported).
    """
    compiled = table.compiled_sums(views) if isinstance(table, Replicates) else None
    ranked = table.ranking if isinstance(table, Replicates) else None
    fine: list[FloatArray] | None
    if compiled is not None:
        sums, fine = compiled
    elif isinstance(table, Replicates) and ranked is not None:
        side, _ = table.side_by_side(views, fine=False)
        sums = count_sums(side)
        aucs = [ranked_auc(ranked[v.name]) for v in views]
        overall = binned_average_precision(raw_fine(ranked[OVERALL]))
        return Partial(sums, roc_auc=np.concatenate(aucs, axis=-1), pr_auc=overall)
    else:
        side, fine = _side_by_side(table, views)
        sums = count_sums(side)
        if fine is None:
            ranks = (binned_roc_auc(side.n), binned_average_precision(side.n))
            return Partial(sums, ranking=ranks)
    aucs = [binned_roc_auc(f) for f in fine]
    overall = binned_average_precision(fine[[v.name for v in views].index(OVERALL)])
    return Partial(sums, roc_auc=np.concatenate(aucs, axis=-1), pr_auc=overall)


def joined(parts: list[Partial]) -> Partial:
    """The partials of several chunks of replicates as one (replicates one after another).

    Consumes ``parts``: each chunk's arrays are let go once copied (peak memory)."""
    if len(parts) == 1:
        return parts.pop()
    names = list(parts[0].sums)
    sums = {m: np.concatenate([p.sums.pop(m) for p in parts]) for m in names}
    roc = [p.roc_auc for p in parts if p.roc_auc is not None]
    ap = [p.pr_auc for p in parts if p.pr_auc is not None]
    parts.clear()
    return Partial(
        sums,
        roc_auc=np.concatenate(roc) if roc else None,
        pr_auc=np.concatenate(ap) if ap else None,
    )


def finish(part: Partial, views: Sequence[View], config: AuditConfig) -> Joined:
    """Every statistic of every view from their count sums and ranking statistics:
    elementwise, and across groups only within a view — so a batch of chunks together
    gives each replicate the very values it gets in its own chunk."""
    sizes, starts = layout(views)
    stats = statistics_from_sums(part.sums, ranking=part.ranking, starts=starts)
    if part.roc_auc is not None:
        stats["roc_auc"] = part.roc_auc
    per_view = disparities(stats, privileged=[view.privileged for view in views], starts=starts)
    base, _, shifted = shift_scenarios(
        stats, delta=config.shift_delta, metric=config.shift_metric, starts=starts
    )
    drop = np.repeat(base, 2 * sizes, axis=-1) - shifted
    defined = ~np.isnan(drop)
    worst = np.maximum.reduceat(np.where(defined, drop, -np.inf), 2 * starts, axis=-1)
    some = np.add.reduceat(defined.astype(np.intp), 2 * starts, axis=-1) > 0
    degradation = np.where(some, np.maximum(worst, 0.0), np.nan)
    overall = [i for i, view in enumerate(views) if view.name == OVERALL]
    attrs = [i for i, view in enumerate(views) if view.name != OVERALL]
    degradation[..., overall] = degradation[..., attrs].max(axis=-1, keepdims=True)
    per_view["max_shift_degradation"] = degradation
    return Joined(stats, per_view, shifted, part.pr_auc)


def evaluate(table: CountTable | Replicates, views: Sequence[View], config: AuditConfig) -> Joined:
    """Every statistic of every view of the observed table or of a chunk of replicates."""
    return finish(partial(table, views), views, config)


def split(joined: Joined, views: Sequence[View]) -> Values:
    """Each view's statistics, in the order the report and ``results.json`` list them."""
    sizes, starts = layout(views)
    out: Values = {}
    for index, view in enumerate(views):
        first, last = int(starts[index]), int(starts[index] + sizes[index])
        values = {metric: v[..., first:last].copy() for metric, v in joined.groups.items()}
        if view.name == OVERALL:
            if joined.pr_auc is not None:
                values["pr_auc"] = joined.pr_auc
            values["max_shift_degradation"] = joined.views["max_shift_degradation"][..., index]
        else:
            values.update({m: np.asarray(v[..., index]) for m, v in joined.views.items()})
            values["shift"] = joined.shift[..., 2 * first : 2 * last].copy()
        out[view.name] = values
    return out
