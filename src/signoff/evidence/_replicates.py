"""Bootstrap replicates in the form the audit evaluates them: coarse sums, fine counts.

Every statistic except the binned ranking ones (ROC AUC, average precision) reads the
table's bins only through the decision threshold and the calibration bins.  So each
replicate is handed over as

* a count table on the *coarse grid* — the bins between consecutive calibration edges
  and the threshold (at most K + 1 bins): counts and score sums of the fine replicate
  summed within each coarse bin, the very numbers the fine table would give these
  statistics, and
* the fine row counts, which the ranking statistics read.

Summing a view's sums over 11 coarse bins instead of ~110 fine ones is what makes
evaluating a replicate cheap; the draws themselves are :func:`bootstrap_counts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from types import ModuleType
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from . import _kernel
from ._bootstrap import CHUNK_CELLS, CellSampler, bootstrap_counts
from ._chunk import Replicates
from ._grid import ScoreGrid
from ._marginals import plan_marginals, view_sums
from ._table import CountTable, FloatArray
from ._views import View, view_counts, view_counts_shared, view_table

__all__ = [
    "Mode",
    "Replicates",
    "Step",
    "choose_mode",
    "coarse_grid",
    "coarse_table",
    "replicate_steps",
    "replicate_tables",
]

Mode = Literal["joint", "views"]
#: One chunk of replicates, drawn: calling it (once) builds the rest (:func:`replicate_steps`).
Step = Callable[[], Replicates]


def _starts(grid: ScoreGrid) -> NDArray[np.intp]:
    starts: NDArray[np.intp] = np.unique(
        np.concatenate(([0, grid.threshold_bin], grid.calibration_starts)).astype(np.intp)
    )
    return starts


def coarse_grid(grid: ScoreGrid) -> ScoreGrid:
    """The grid of the calibration edges and the threshold only."""
    starts = _starts(grid)
    return ScoreGrid(
        lower=grid.lower[starts],
        threshold=grid.threshold,
        threshold_bin=int(np.searchsorted(starts, grid.threshold_bin)),
        calibration_starts=np.searchsorted(starts, grid.calibration_starts).astype(np.intp),
    )


def coarse_table(table: CountTable) -> CountTable:
    """``table`` with its fine bins summed into the coarse grid's bins."""
    starts = _starts(table.grid)
    n, s, s2, ll = (
        np.add.reduceat(a, starts, axis=-1) for a in (table.n, table.s, table.s2, table.ll)
    )
    return CountTable(n=n, s=s, s2=s2, ll=ll, grid=coarse_grid(table.grid))


def _stack(n: FloatArray, means: list[FloatArray], starts: NDArray[np.intp], k: int) -> FloatArray:
    b = n.shape[-1]
    stacked = np.empty((*n.shape[:-1], b + 3 * k))
    stacked[..., :b] = n
    for i, mean in enumerate(means):
        stacked[..., b + i * k : b + (i + 1) * k] = np.add.reduceat(n * mean, starts, axis=-1)
    return stacked


def _joint_stacked(
    n: FloatArray,
    means: list[FloatArray],
    starts: NDArray[np.intp],
    bins: int,
    grid: ScoreGrid,
) -> Replicates:
    """A joint replicate chunk without views: its fine counts and coarse sums stacked."""
    return Replicates(_stack(n, means, starts, grid.n_bins), bins, starts, grid)


def _ready(replicates: Replicates) -> Replicates:
    return replicates


def _means(table: CountTable) -> list[FloatArray]:
    full = table.n > 0
    return [
        np.divide(a, table.n, out=np.zeros(table.n.shape), where=full)
        for a in (table.s, table.s2, table.ll)
    ]


def _sides(n: FloatArray, tb: int) -> FloatArray:
    """Counts per (…, label, side of the threshold): shape (…, 2, 2)."""
    return np.stack((n[..., :tb].sum(axis=-1), n[..., tb:].sum(axis=-1)), axis=-1)


def _joint_setup(
    table: CountTable, replicates: int, chunk: int | None
) -> tuple[int, NDArray[np.intp], ScoreGrid] | None:
    """A joint bootstrap's replicates per chunk (as :func:`bootstrap_counts` sizes them),
    the coarse bins' first fine bins and the coarse grid; None: nothing to draw."""
    cells = table.n.size
    if replicates == 0 or not np.any(table.n):
        return None
    size = chunk or max(10, min(100, CHUNK_CELLS // cells))
    return size, _starts(table.grid), coarse_grid(table.grid)


def _compiled(
    table: CountTable,
    replicates: int,
    rng: np.random.Generator,
    chunk: int | None,
    views: Sequence[View],
    jit: ModuleType,
) -> Iterator[Step]:
    """Joint mode through the compiled kernels: the same draws, stacks and view sums as
    :func:`bootstrap_counts`, :func:`_stack` and :func:`~._views.view_counts_shared`."""
    setup = _joint_setup(table, replicates, chunk)
    if setup is None:
        return
    chunk, starts, grid = setup
    groups, _, b = table.n.shape
    means = np.stack(_means(table)).reshape(3, groups * 2, b)
    sampler = CellSampler(table.n)
    plan = plan_marginals(views, groups)

    def build(x: NDArray[np.integer]) -> Replicates:
        size = x.shape[0]
        stacked = np.empty((size, groups * 2, b + 4 * grid.n_bins))
        jit.stack(x, sampler.nonzero, means, starts, stacked)
        stacked = stacked.reshape(size, groups, 2, -1)
        by_view = view_sums(stacked, views, plan, jit) if views else None
        return Replicates(stacked, b, starts, grid, by_view, coarse_counts=True)

    for start in range(0, replicates, chunk):
        x = sampler.draw_nonzero(min(chunk, replicates - start), rng, jit)
        yield partial(build, x)


def _numpy_joint(
    table: CountTable,
    replicates: int,
    rng: np.random.Generator,
    chunk: int | None,
    views: Sequence[View],
) -> Iterator[Step]:
    """Joint mode on NumPy, for the views given: the same draws and the same sums as
    :func:`bootstrap_counts`, :func:`_stack` and :func:`~._views.view_counts_shared`, in
    the layout that is cheap to evaluate.  Each view sums two arrays: the coarse columns
    (the sums of :func:`_stack` and the coarse counts, 4·K' wide) and the fine counts
    group-major, ``(J, 2, B, size)``, with the negatives cumulative over the bins — a
    cumulative sum over an outer axis is one vector addition per bin, where along the
    last axis NumPy steps through every short row, and a view is a sum of whole blocks;
    counts are whole numbers, so cumulating before summing the views gives the very
    numbers cumulating after would."""
    setup = _joint_setup(table, replicates, chunk)
    if setup is None:
        return
    chunk, starts, grid = setup
    k = grid.n_bins
    means = _means(table)
    sampler = CellSampler(table.n)

    def build(drawn: list[FloatArray]) -> Replicates:
        n = drawn.pop()  # the step's only reference: `del n` below lets the counts go
        coarse = np.empty((*n.shape[:-1], 4 * k))
        product = np.empty_like(n)
        for i, mean in enumerate(means):
            np.multiply(n, mean, out=product)
            coarse[..., i * k : (i + 1) * k] = np.add.reduceat(product, starts, axis=-1)
        coarse[..., 3 * k :] = np.add.reduceat(n, starts, axis=-1)
        del product
        size, joint, _, bins = n.shape
        ranked = np.ascontiguousarray(n.transpose(1, 2, 3, 0))  # (J, 2, B, size)
        del n  # (peak memory: the views are summed with one copy of the counts alive)
        below = ranked[:, 0]
        for b in range(1, bins):  # one vector addition per bin
            below[:, b] += below[:, b - 1]
        by_rank = view_counts_shared(ranked.reshape(joint, 2, bins * size), views)
        return Replicates(
            coarse,
            0,
            starts,
            grid,
            view_counts_shared(coarse, views),
            coarse_counts=True,
            ranking={name: a.reshape(-1, 2, bins, size) for name, a in by_rank.items()},
        )

    for start in range(0, replicates, chunk):
        yield partial(build, [sampler.draw(min(chunk, replicates - start), rng)])  # (size, J, 2, B)


def choose_mode(table: CountTable, views: Sequence[View]) -> Mode:
    """``joint`` when the joint table has fewer non-empty cells than the views together
    (counted at twice the cost: a conditional binomial costs about two Poisson draws)."""
    joint = int(np.count_nonzero(table.n))
    split = sum(int(np.count_nonzero(view_table(table, v).n)) for v in views)
    return "joint" if joint <= 2 * split else "views"


def replicate_tables(
    table: CountTable,
    *,
    replicates: int,
    rng: np.random.Generator,
    chunk: int | None = None,
    views: Sequence[View] = (),
    mode: Mode | Literal["auto"] = "auto",
) -> Iterator[Replicates]:
    """Bootstrap replicates of ``table``, a chunk at a time, as :class:`Replicates`
    (:func:`replicate_steps`, each step taken at once)."""
    for step in replicate_steps(
        table, replicates=replicates, rng=rng, chunk=chunk, views=views, mode=mode
    ):
        yield step()


def replicate_steps(
    table: CountTable,
    *,
    replicates: int,
    rng: np.random.Generator,
    chunk: int | None = None,
    views: Sequence[View] = (),
    mode: Mode | Literal["auto"] = "auto",
) -> Iterator[Step]:
    """Bootstrap replicates of ``table``, a chunk at a time, as steps that build its
    :class:`Replicates`: each chunk is drawn (every use of ``rng``) as the iterator
    advances, and the rest of its work — stacks, coarse sums, the views' sums — waits
    for its step to be called, which another thread may do (:func:`pipelined`) while
    this one draws the next chunk.  The draws come in the same order either way, so
    the replicates are the same.

    ``joint`` mode draws every fine cell of the joint table (:func:`bootstrap_counts`);
    the coarse sums equal :func:`coarse_table` of the replicate's fine table.  ``views``
    mode, for a wide product of groups read through few narrow views, draws the joint
    table's coarse cells (joint group × label × side of the threshold) and then, for each
    view, splits its cells' counts across their score bins conditionally
    (Multinomial(count, the bins' shares in the view's cell)): each view's table is then
    distributed exactly as under the row bootstrap, and the views agree on every coarse
    count; only the bins of two views are drawn independently, and no statistic reads
    the bins of two views together.  ``auto`` picks the cheaper (:func:`choose_mode`).
    """
    if mode == "auto":
        mode = choose_mode(table, views) if views else "joint"
    starts = _starts(table.grid)
    grid = coarse_grid(table.grid)
    b, k, tb = table.grid.n_bins, grid.n_bins, table.grid.threshold_bin
    if mode == "joint":
        jit = _kernel.for_draws(replicates * int(np.count_nonzero(table.n)))
        if jit is not None:
            yield from _compiled(table, replicates, rng, chunk, views, jit)
            return
        if views:
            yield from _numpy_joint(table, replicates, rng, chunk, views)
            return
        means = _means(table)
        for n in bootstrap_counts(table, replicates=replicates, rng=rng, chunk=chunk):
            yield partial(_joint_stacked, n, means, starts, b, grid)
        return
    if not np.any(table.n) or replicates == 0:
        return
    tables = {v.name: view_table(table, v) for v in views}
    shares = {}
    for name, t in tables.items():
        side = _sides(t.n, tb)[..., None]
        lo = np.divide(
            t.n[..., :tb],
            side[..., 0, :],
            out=np.zeros(t.n[..., :tb].shape),
            where=side[..., 0, :] > 0,
        )
        hi = np.divide(
            t.n[..., tb:],
            side[..., 1, :],
            out=np.zeros(t.n[..., tb:].shape),
            where=side[..., 1, :] > 0,
        )
        shares[name] = (lo, hi)
    view_means = {name: _means(t) for name, t in tables.items()}
    coarse = _sides(table.n, tb)
    chunk = chunk or max(
        10, min(100, CHUNK_CELLS // max(1, sum(t.n.size for t in tables.values())))
    )
    sampler = CellSampler(coarse)
    for start in range(0, replicates, chunk):
        size = min(chunk, replicates - start)
        drawn = sampler.draw(size, rng)  # (size, J, 2, 2)
        by_view = {}
        for view in views:
            cells = view_counts(drawn, view).astype(np.int64)  # (size, G, 2, 2)
            lo, hi = shares[view.name]
            parts = [
                rng.multinomial(cells[..., i], p)
                if p.shape[-1]
                else np.zeros((*cells.shape[:-1], 0))
                for i, p in enumerate((lo, hi))
            ]
            n = np.concatenate(parts, axis=-1).astype(np.float64)
            by_view[view.name] = _stack(n, view_means[view.name], starts, k)
        yield partial(_ready, Replicates(drawn, b, starts, grid, by_view))  # drawn per view
