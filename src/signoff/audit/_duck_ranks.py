"""The DuckDB engine, part 3: exact ranking evidence from one sorted stream of ``agg``.

DuckDB sorts ``agg`` (one row per combination of groups ``k`` and distinct score ``s``)
by score once, out of core, and hands it over in Arrow batches; each batch is folded
into running sums and dropped, so memory stays bounded whatever the rows.  One pass
gives

* the order statistics the score grid needs (``np.quantile``'s edges, exactly);
* every view's per-group rank sums: whole numbers, so the ROC AUC is the NumPy
  path's bit for bit (:func:`~signoff.metrics.auc_from_rank_sums`); ties share their
  mean rank, as scikit-learn;
* average precision: scikit-learn's step sum, one term per distinct score, summed
  by :func:`math.fsum` in fixed blocks of :data:`TERM_BLOCK` terms (so the sum does not
  depend on how DuckDB cut its batches);
* the operating points of the ROC and precision–recall curves.

Window functions in SQL give the same sums (a test checks it) but re-sort the rows
for every view; this pass sorts once.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..evidence import View, compact, quantile_ranks
from ..metrics import auc_from_rank_sums, curve_points

__all__ = ["Ranks", "stream_ranks"]

#: Rows per Arrow batch read from DuckDB.
BATCH_ROWS = 1 << 18
#: Average precision's terms summed at a time (exactly rounded), then the block sums.
TERM_BLOCK = 1 << 16
#: Most (distinct score × group) cells of a batch counted densely (else sorted by group),
#: and at most this many times the batch's rows: continuous scores make a distinct score
#: of nearly every row, and a table of mostly empty cells costs more than the sort
#: (262,144 rows, 3 groups: 42 ms dense against 28 ms sorted; 9 groups: 97 against 12).
DENSE_CELLS = 1 << 22
DENSE_SHARE = 2
Int = NDArray[np.int64]


@dataclass(frozen=True)
class Ranks:
    """What the sorted pass found."""

    order_statistics: dict[int, float]  # rank → score
    exact_auc: dict[str, NDArray[np.float64]]
    average_precision: float
    curve_thresholds: NDArray[np.float64]
    curve_tp: Int
    curve_fp: Int


def _batches(con: Any) -> Iterator[tuple[NDArray[np.float64], Int, Int, Int]]:
    """``(s, k, n, pos)`` in score order, cut only between distinct scores."""
    reader = con.sql("SELECT s, k, n, pos FROM agg ORDER BY s, k").to_arrow_reader(BATCH_ROWS)
    held: list[NDArray[Any]] | None = None
    for batch in reader:
        parts = [batch.column(i).to_numpy(zero_copy_only=False) for i in range(4)]
        if held is not None:
            parts = [np.concatenate((h, p)) for h, p in zip(held, parts, strict=True)]
        s = parts[0]
        cut = int(np.searchsorted(s, s[-1], side="left"))  # the last score may go on
        held = [p[cut:] for p in parts]
        if cut:
            yield s[:cut], parts[1][:cut], parts[2][:cut], parts[3][:cut]
    if held is not None and held[0].shape[0]:
        yield held[0], held[1], held[2], held[3]


class _ViewSums:
    """One view's running per-group sums: positives, rows and twice the rank sum."""

    def __init__(self, view: View, group_of_combo: Int) -> None:
        self.name = view.name
        self.groups = group_of_combo  # the view's group of each combination (by index)
        self.seen = np.zeros(view.n_groups, dtype=np.int64)
        self.positives = np.zeros(view.n_groups, dtype=np.int64)
        self.twice = np.zeros(view.n_groups, dtype=np.int64)

    def add(
        self, s: NDArray[np.float64], combo: Int, n: Int, pos: Int, run: Int, runs: int
    ) -> None:
        """Fold one batch in; ``run`` numbers the batch's distinct scores (``runs`` of them)."""
        g = self.groups[combo]
        size = self.seen.shape[0]
        if runs * size <= min(DENSE_CELLS, DENSE_SHARE * g.shape[0]):
            self._add_dense(g, n, pos, run, runs)
        else:
            # one- or two-byte codes: NumPy's stable sort of those is a radix sort
            self._add_sorted(compact(g, size), s, n, pos)

    def _add_dense(self, g: Int, n: Int, pos: Int, run: Int, runs: int) -> None:
        """Few groups: a (distinct score × group) table of counts, no sort."""
        size = self.seen.shape[0]
        cell = run * size + g
        cells = runs * size
        run_n = np.bincount(cell, weights=n, minlength=cells).astype(np.int64).reshape(runs, size)
        run_pos = np.bincount(cell, weights=pos, minlength=cells).astype(np.int64)
        run_pos = run_pos.reshape(runs, size)
        before = np.cumsum(run_n, axis=0) - run_n + self.seen
        self.twice += (run_pos * (2 * before + run_n + 1)).sum(axis=0)
        self.positives += run_pos.sum(axis=0)
        self.seen += run_n.sum(axis=0)

    def _add_sorted(self, g: Int, s: NDArray[np.float64], n: Int, pos: Int) -> None:
        """Many groups: rows sorted by group (scores stay ascending), runs per group."""
        order = np.argsort(g, kind="stable")
        g, s, n, pos = g[order], s[order], n[order], pos[order]
        starts = np.flatnonzero(np.concatenate(([True], (g[1:] != g[:-1]) | (s[1:] != s[:-1]))))
        run_n = np.add.reduceat(n, starts)
        run_pos = np.add.reduceat(pos, starts)
        run_g = g[starts]
        # Rows of the same group in earlier runs of this batch: a running sum restarted
        # at each group's first run.
        before = np.cumsum(run_n) - run_n
        first = np.concatenate(([True], run_g[1:] != run_g[:-1]))
        before -= np.repeat(before[first], np.diff(np.append(np.flatnonzero(first), len(run_g))))
        before += self.seen[run_g]
        np.add.at(self.twice, run_g, run_pos * (2 * before + run_n + 1))
        np.add.at(self.positives, run_g, run_pos)
        np.add.at(self.seen, run_g, run_n)

    def auc(self) -> NDArray[np.float64]:
        return auc_from_rank_sums(self.positives, self.seen, self.twice)


def stream_ranks(
    con: Any,
    views: Sequence[View],
    group_of_combo: dict[str, Int],
    combos: Int,
    *,
    rows: int,
    positives: int,
    distinct: int,
    quantile_bins: int = 100,
) -> Ranks:
    """One pass over ``agg`` in score order (see the module docstring)."""
    wanted = quantile_ranks(rows, quantile_bins)
    found: dict[int, float] = {}
    sums = [_ViewSums(v, group_of_combo[v.name]) for v in views]
    kept = (distinct - 1 - curve_points(distinct))[::-1]  # ascending run indices
    curve: list[tuple[NDArray[np.float64], Int, Int]] = []
    pending = np.empty(0)  # average precision's terms not yet summed
    blocks: list[float] = []
    rows_below = pos_below = runs_before = 0
    for s, k, n, pos in _batches(con):
        combo = np.searchsorted(combos, k)
        new_run = np.concatenate(([True], s[1:] != s[:-1]))
        run = np.cumsum(new_run) - 1
        starts = np.flatnonzero(new_run)
        for view in sums:
            view.add(s, combo, n, pos, run, len(starts))
        upto = rows_below + np.cumsum(n)
        inside = wanted[(wanted >= rows_below) & (wanted < upto[-1])]
        for rank, at in zip(inside, np.searchsorted(upto, inside, side="right"), strict=True):
            found[int(rank)] = float(s[at])
        # Runs of tied scores (all groups together): average precision and the curves.
        run_n, run_pos = np.add.reduceat(n, starts), np.add.reduceat(pos, starts)
        rows_at = rows - (rows_below + np.cumsum(run_n) - run_n)  # at or above each run
        tp = positives - (pos_below + np.cumsum(run_pos) - run_pos)
        if positives:
            tp_f = tp.astype(np.float64)
            gained = tp_f / float(positives) - (tp_f - run_pos) / float(positives)
            pending = np.concatenate((pending, gained * (tp_f / rows_at)))
            while pending.shape[0] >= TERM_BLOCK:
                blocks.append(math.fsum(pending[:TERM_BLOCK].tolist()))
                pending = pending[TERM_BLOCK:]
        index = runs_before + np.arange(len(starts))
        here = np.isin(index, kept)
        curve.append((s[starts][here], tp[here], (rows_at - tp)[here]))
        rows_below, pos_below = int(upto[-1]), pos_below + int(run_pos.sum())
        runs_before += len(starts)
    thresholds = np.concatenate([c[0] for c in curve] or [np.empty(0)])[::-1]
    return Ranks(
        order_statistics=found,
        exact_auc={view.name: view.auc() for view in sums},
        average_precision=math.fsum([*blocks, math.fsum(pending.tolist())])
        if positives
        else float("nan"),
        curve_thresholds=thresholds,
        curve_tp=np.concatenate([c[1] for c in curve] or [np.empty(0, np.int64)])[::-1],
        curve_fp=np.concatenate([c[2] for c in curve] or [np.empty(0, np.int64)])[::-1],
    )
