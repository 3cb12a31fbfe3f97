"""The statistical evidence: count once, bootstrap the table, summarise.

One count table over the joint groups of every protected attribute; every
view (overall, each attribute, each intersection) is a regrouping of it.
The same :func:`_evaluate` runs on the observed table (point estimates) and
on each chunk of bootstrap replicates (intervals), so the two can never
disagree about a definition.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from ..config import AuditConfig
from ..evidence import (
    Attribute,
    CountTable,
    FloatArray,
    Replicates,
    View,
    build_table,
    joint_groups,
    make_grid,
    plan_views,
    replicate_tables,
    view_table,
)
from ..metrics import (
    average_precision,
    binned_average_precision,
    binned_roc_auc,
    disparities,
    group_statistics,
    reliability,
    roc_auc_by_group,
    score_ranks,
    shift_scenarios,
)

__all__ = [
    "OVERALL",
    "Counted",
    "Statistics",
    "compute_statistics",
    "count_arrays",
    "percentile_interval",
    "summarise",
]

OVERALL = "__overall__"
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


def percentile_interval(samples: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Percentile interval over axis 0, ignoring NaN replicates.

    Replicates where a statistic is undefined (a resampled group without a
    class it needs) are left out; when more than half are undefined the
    interval is NaN rather than resting on a biased few.
    """
    defined = ~np.isnan(samples)
    enough = defined.sum(axis=0) * 2 >= samples.shape[0]
    count = defined.sum(axis=0)
    tail = (1.0 - confidence) / 2.0
    filled = np.where(defined, samples, np.inf)
    if samples.shape[0] and np.all(count == count.flat[0]):
        # The same number of defined replicates everywhere (the usual case): only the
        # four order statistics the interpolation reads need to be in place.
        last = max(int(count.flat[0]) - 1, 0)
        kth = sorted(
            {min(int(np.floor(q * last)) + d, last) for q in (tail, 1.0 - tail) for d in (0, 1)}
        )
        ordered = np.partition(filled, kth, axis=0)
    else:
        ordered = np.sort(filled, axis=0)

    def pick(q: float) -> FloatArray:
        # linear interpolation between order statistics, as numpy's default quantile
        pos = q * np.maximum(count - 1, 0)
        lo_i = np.floor(pos).astype(np.intp)
        hi_i = np.minimum(lo_i + 1, np.maximum(count - 1, 0))
        frac = pos - lo_i
        lo_v = np.take_along_axis(ordered, lo_i[None, ...], axis=0)[0]
        hi_v = np.take_along_axis(ordered, hi_i[None, ...], axis=0)[0]
        hi_v = np.where(frac > 0, hi_v, lo_v)
        lo_v, hi_v = np.where(enough, lo_v, 0.0), np.where(enough, hi_v, 0.0)
        return np.where(enough, lo_v + frac * (hi_v - lo_v), np.nan)

    return pick(tail), pick(1.0 - tail)


@dataclass(frozen=True)
class Counted:
    """What every engine computes from the rows; the rest works on it alone.

    Attributes
    ----------
    table : CountTable
        Over the joint groups of every protected attribute.
    views : list of View
        How each view (overall first) sums from the joint groups.
    exact_auc : dict
        View → exact ROC AUC of each group (from the rows, not the bins).
    average_precision : float
        Exact average precision overall.
    """

    table: CountTable
    views: list[View]
    exact_auc: dict[str, FloatArray]
    average_precision: float


def count_arrays(
    y: NDArray[np.int8], scores: FloatArray, attributes: Sequence[Attribute], config: AuditConfig
) -> Counted:
    """The NumPy engine: count the rows held in memory.

    The per-row joint codes and the score order die here, so they do not add to peak
    memory later.
    """
    grid = make_grid(scores, threshold=config.threshold, calibration_bins=config.calibration_bins)
    joint = joint_groups(attributes)
    table = build_table(y, scores, joint.codes, joint.n_groups, grid)
    views = plan_views(attributes, joint, overall=OVERALL)
    del joint
    ranked = score_ranks(y, scores)
    exact_auc = {OVERALL: roc_auc_by_group(y, scores, None, 1, ranked=ranked)}
    exact_auc.update(
        {
            a.name: roc_auc_by_group(y, scores, a.codes, a.n_groups, ranked=ranked)
            for a in attributes
        }
    )
    # The order is spent: drop it before average precision's per-run terms.
    ranked = replace(ranked, order=np.empty(0, dtype=np.intp))
    ap = average_precision(y, scores, ranked=ranked)
    return Counted(table, views, exact_auc, ap)


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
