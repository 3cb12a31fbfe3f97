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


def _evaluate(table: CountTable | Replicates, views: Sequence[View], config: AuditConfig) -> Values:
    """Every statistic of every view of the observed table or of a chunk of replicates.

    Replicates carry coarse-grid sums and fine counts: the binned ranking statistics
    come from the fine counts — ROC AUC for every view, average precision for the
    overall view only (the only place it is reported).
    """
    out: Values = {}
    split = table.views(views) if isinstance(table, Replicates) else {}
    for view in views:
        name = view.name
        if isinstance(table, Replicates):
            coarse, fine = split[name]
            stats = group_statistics(coarse, ranking=False)
            stats["roc_auc"] = binned_roc_auc(fine)
            if name == OVERALL:
                stats["pr_auc"] = binned_average_precision(fine)
        else:
            stats = group_statistics(view_table(table, view))
        if name != OVERALL:
            stats.update(disparities(stats, privileged=view.privileged))
            base, _, shifted = shift_scenarios(
                stats, delta=config.shift_delta, metric=config.shift_metric
            )
            drop = base[..., None] - shifted
            defined = ~np.isnan(drop)
            worst = np.where(defined, drop, -np.inf).max(axis=-1)
            stats["max_shift_degradation"] = np.where(
                defined.any(axis=-1), np.maximum(worst, 0.0), np.nan
            )
            stats["shift"] = shifted
        out[name] = stats
    attrs = [v for v in out if v != OVERALL]
    out[OVERALL]["max_shift_degradation"] = np.stack(
        [out[a]["max_shift_degradation"] for a in attrs], axis=-1
    ).max(axis=-1)
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
