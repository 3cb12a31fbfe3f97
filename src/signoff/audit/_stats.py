"""The statistical evidence: count once, bootstrap the table, summarise.

One count table over the joint groups of every protected attribute; every
view (overall, each attribute, each intersection) is a regrouping of it.
The same :func:`_evaluate` runs on the observed table (point estimates) and
on each chunk of bootstrap replicates (intervals), so the two can never
disagree about a definition.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..config import AuditConfig
from ..evidence import (
    Attribute,
    CountTable,
    FloatArray,
    Replicates,
    View,
    replicate_tables,
    view_table,
)
from ..metrics import (
    binned_average_precision,
    binned_roc_auc,
    disparities,
    group_statistics,
    reliability,
    shift_scenarios,
)
from ._counting import OVERALL, Counted, count_arrays
from ._interval import percentile_interval

__all__ = [
    "OVERALL",
    "Counted",
    "Statistics",
    "compute_statistics",
    "count_arrays",
    "percentile_interval",
    "summarise",
]

Progress = Callable[[str, int, int], None]
Values = dict[str, dict[str, FloatArray]]  # view → metric → array (*batch, G) or (*batch,)


@dataclass(frozen=True)
class Statistics:
    """Point estimates and bootstrap intervals for every view.

    ``point[view][metric]`` has shape ``(G,)`` for per-group statistics and
    ``()`` for per-view ones; ``low``/``high`` the same shapes (NaN when no
    interval); ``shift_shares[view]`` is ``(2G, 2)`` and
    ``point[view]["shift"]`` ``(2G,)``.
    """

    point: Values
    low: Values
    high: Values
    reliability: dict[str, tuple[FloatArray, FloatArray, FloatArray]]
    shift_shares: dict[str, FloatArray]
    edges: FloatArray  # calibration bin edges
    replicates: int


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


def _evaluate(table: CountTable | Replicates, views: Sequence[View], config: AuditConfig) -> Values:
    """Every statistic of every view of the observed table or of a chunk of replicates.

    All views' groups are evaluated side by side, in one pass of array operations per
    statistic; each view's values are exactly those of the view alone (only ``share``,
    the disparities and the shift read across groups, and they read their own view's).
    Replicates carry coarse-grid sums and fine counts: the binned ranking statistics
    come from the fine counts — ROC AUC for every view, average precision for the
    overall view only (the only place it is reported).
    """
    joined, fine = _side_by_side(table, views)
    sizes = np.array([view.n_groups for view in views], dtype=np.intp)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.intp)
    stats = group_statistics(joined, ranking=fine is None, starts=starts)
    if fine is not None:
        stats["roc_auc"] = np.concatenate([binned_roc_auc(f) for f in fine], axis=-1)
    per_view: dict[str, FloatArray] = {}
    per_view.update(
        disparities(stats, privileged=[view.privileged for view in views], starts=starts)
    )
    base, _, shifted = shift_scenarios(
        stats, delta=config.shift_delta, metric=config.shift_metric, starts=starts
    )
    drop = np.repeat(base, 2 * sizes, axis=-1) - shifted
    defined = ~np.isnan(drop)
    worst = np.maximum.reduceat(np.where(defined, drop, -np.inf), 2 * starts, axis=-1)
    some = np.add.reduceat(defined.astype(np.intp), 2 * starts, axis=-1) > 0
    per_view["max_shift_degradation"] = np.where(some, np.maximum(worst, 0.0), np.nan)

    out: Values = {}
    for index, view in enumerate(views):
        first, last = int(starts[index]), int(starts[index] + sizes[index])
        values = {metric: v[..., first:last] for metric, v in stats.items()}
        if view.name == OVERALL:
            if fine is not None:
                values["pr_auc"] = binned_average_precision(fine[index])
        else:
            values.update({metric: np.asarray(v[..., index]) for metric, v in per_view.items()})
            values["shift"] = shifted[..., 2 * first : 2 * last]
        out[view.name] = values
    attrs = [i for i, view in enumerate(views) if view.name != OVERALL]
    out[OVERALL]["max_shift_degradation"] = per_view["max_shift_degradation"][..., attrs].max(
        axis=-1
    )
    return out


def compute_statistics(
    y: NDArray[np.int8],
    scores: FloatArray,
    attributes: Sequence[Attribute],
    config: AuditConfig,
    *,
    seed: int,
    progress: Progress | None = None,
) -> Statistics:
    """Count, bootstrap and summarise every count-based metric (the NumPy engine)."""
    counted = count_arrays(y, scores, attributes, config)
    return summarise(counted, attributes, config, seed=seed, progress=progress)


def summarise(
    counted: Counted,
    attributes: Sequence[Attribute],
    config: AuditConfig,
    *,
    seed: int,
    progress: Progress | None = None,
) -> Statistics:
    """Point estimates and bootstrap intervals from the count table, whatever the engine."""
    table, views = counted.table, counted.views
    point = _evaluate(table, views, config)

    # Exact ranking point estimates from the rows; the bootstrap's binned values are
    # shifted by the same offset, so intervals sit around them.
    offsets: Values = {}
    for view, auc in counted.exact_auc.items():
        offsets[view] = {"roc_auc": auc - point[view]["roc_auc"]}
        point[view]["roc_auc"] = auc
    ap = np.array([counted.average_precision])
    offsets[OVERALL]["pr_auc"] = ap - point[OVERALL]["pr_auc"]
    point[OVERALL]["pr_auc"] = ap

    replicates = config.bootstrap.replicates
    samples: dict[str, dict[str, list[FloatArray]]] = {v: {} for v in point}
    done = 0
    rng = np.random.default_rng(seed)
    for chunk in replicate_tables(table, replicates=replicates, rng=rng, views=views):
        for view, stats in _evaluate(chunk, views, config).items():
            for metric, values in stats.items():
                samples[view].setdefault(metric, []).append(values)
        done += chunk.size
        if progress is not None:
            progress("bootstrap", done, replicates)

    low: Values = {v: {} for v in point}
    high: Values = {v: {} for v in point}
    for view, metrics in samples.items():
        for metric, parts in metrics.items():
            drawn = np.concatenate(parts, axis=0)
            drawn = drawn + offsets.get(view, {}).get(metric, 0.0)
            low[view][metric], high[view][metric] = percentile_interval(
                drawn, config.bootstrap.confidence
            )

    bins = {view.name: reliability(view_table(table, view)) for view in views}
    shares = {
        a.name: shift_scenarios(
            point[a.name], delta=config.shift_delta, metric=config.shift_metric
        )[1]
        for a in attributes
    }
    return Statistics(
        point=point,
        low=low,
        high=high,
        reliability=bins,
        shift_shares=shares,
        edges=np.arange(config.calibration_bins + 1) / config.calibration_bins,
        replicates=replicates,
    )
