"""signoff's statistics core, timed and measured in process.

Three timings per data size, each the best of ``repeats`` runs (interleaved,
so a burst of load from elsewhere hits all three alike):

* **counting pass** — every pass over the rows that ``compute_statistics``
  makes: the score grid, the joint groups, the count table, one score sort,
  the exact ROC AUC of every view and the exact average precision;
* **suite, 0 replicates** — ``compute_statistics`` with the bootstrap off;
* **suite, 1,000 replicates** — the full metric suite with intervals.

The bootstrap's cost is the difference of the last two.  Peak memory is the
tracemalloc peak (NumPy reports its buffers to tracemalloc) of one
1,000-replicate ``compute_statistics`` run above the memory already in use
before it, in a separate run so tracing does not slow the timed ones.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from bench_data import Dataset, config_for
from signoff.audit._stats import Statistics, compute_statistics, count_arrays

__all__ = ["CoreTimings", "counting_pass", "peak_memory", "run_suite", "time_core"]

REPLICATES = 1000
SEED = 7


def counting_pass(data: Dataset) -> None:
    """Every pass over the rows that ``compute_statistics`` makes, and nothing else: the
    NumPy engine's counting pass itself (``count_arrays``), so the two cannot drift."""
    count_arrays(data.y, data.scores, data.attributes, config_for(data, replicates=0))


def run_suite(data: Dataset, *, replicates: int) -> Statistics:
    """The full metric suite: counts, point estimates and ``replicates`` bootstrap replicates."""
    return compute_statistics(
        data.y, data.scores, data.attributes, config_for(data, replicates=replicates), seed=SEED
    )


def _timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@dataclass(frozen=True)
class CoreTimings:
    """Best-of-``repeats`` seconds for one data size."""

    rows: int
    counting: float
    suite_point: float  # compute_statistics, replicates=0
    suite: float  # compute_statistics, replicates=1000
    statistics: Statistics  # from the last 1,000-replicate run (for the fairlearn check)

    @property
    def bootstrap(self) -> float:
        """Cost of the 1,000 replicates: suite minus suite without bootstrap."""
        return max(self.suite - self.suite_point, 0.0)


def time_core(data: Dataset, *, repeats: int) -> CoreTimings:
    """Time the counting pass and the suite with 0 and 1,000 replicates."""
    counting, point, suite = [], [], []
    stats: list[Statistics] = []
    for _ in range(repeats):
        counting.append(_timed(lambda: counting_pass(data)))
        point.append(_timed(lambda: run_suite(data, replicates=0)))
        suite.append(_timed(lambda: stats.append(run_suite(data, replicates=REPLICATES))))
        del stats[:-1]
    return CoreTimings(data.rows, min(counting), min(point), min(suite), stats[-1])


def peak_memory(fn: Callable[[], object]) -> int:
    """Peak bytes traced by tracemalloc while ``fn`` runs, above what was in use before."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - base
