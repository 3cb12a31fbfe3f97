"""The statistical evidence: count once, bootstrap the table, summarise.

One count table over the joint groups of every protected attribute; every
view (overall, each attribute, each intersection) is a regrouping of it.
The same :func:`~._evaluate.evaluate` runs on the observed table (point
estimates) and on each chunk of bootstrap replicates (intervals), so the two
can never disagree about a definition; the intervals of every statistic of
every view are taken at once, the views' groups side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..config import AuditConfig
from ..evidence import Attribute, FloatArray, Step, pipelined, replicate_steps, view_table
from ..metrics import reliability, shift_scenarios
from ._counting import OVERALL, Counted, count_arrays
from ._evaluate import Joined, Partial, Values, evaluate, finish, joined, layout, partial, split
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
Bounds = tuple[FloatArray, FloatArray]


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
    observed = evaluate(table, views, config)

    # Exact ranking point estimates from the rows; the bootstrap's binned values are
    # shifted by the same offset, so intervals sit around them.
    sizes, starts = layout(views)
    binned = observed.groups["roc_auc"]
    auc_offset = np.zeros_like(binned)
    point = split(observed, views)
    for index, view in enumerate(views):
        if view.name in counted.exact_auc:
            auc = counted.exact_auc[view.name]
            auc_offset[starts[index] : starts[index] + sizes[index]] = (
                auc - point[view.name]["roc_auc"]
            )
            point[view.name]["roc_auc"] = auc
    ap = np.array([counted.average_precision])
    ap_offset = ap - point[OVERALL]["pr_auc"]
    point[OVERALL]["pr_auc"] = ap
    worst = point[OVERALL]["max_shift_degradation"]
    point[OVERALL]["max_shift_degradation"] = worst[()]  # a NumPy scalar, as it has been

    replicates, confidence = config.bootstrap.replicates, config.bootstrap.confidence
    # Each chunk leaves its count sums and ranking statistics; the statistics of every
    # replicate are then computed at once (elementwise: the values of chunk by chunk).
    parts: list[Partial] = []
    done = 0
    rng = np.random.default_rng(seed)

    def evaluated(step: Step) -> tuple[Partial, int]:
        chunk = step()
        return partial(chunk, views), chunk.size

    steps = replicate_steps(table, replicates=replicates, rng=rng, views=views)
    for part, size in pipelined(steps, evaluated):  # draws here, evaluation beside
        parts.append(part)
        done += size
        if progress is not None:
            progress("bootstrap", done, replicates)

    low: Values = {v: {} for v in point}
    high: Values = {v: {} for v in point}
    if parts:
        every = finish(joined(parts), views, config)

        # One statistic at a time (all views side by side): its replicates, shifted by
        # the exact-minus-binned offset where there is one, and their percentiles.
        def interval(values: FloatArray | None, offset: FloatArray | float = 0.0) -> Bounds:
            assert values is not None
            return percentile_interval(values + offset, confidence)

        groups = {
            m: interval(v, auc_offset if m == "roc_auc" else 0.0) for m, v in every.groups.items()
        }
        per_view = {m: interval(v) for m, v in every.views.items()}
        shift = interval(every.shift)
        ap_bounds = interval(every.pr_auc, ap_offset)
        for side, values in ((0, low), (1, high)):
            values.update(
                split(
                    Joined(
                        {m: v[side] for m, v in groups.items()},
                        {m: v[side] for m, v in per_view.items()},
                        shift[side],
                        ap_bounds[side],
                    ),
                    views,
                )
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
