"""Poisson counts brought to N rows: the step that makes the bootstrap's draws
Multinomial(N, p) exactly (see :mod:`._bootstrap` for the scheme).

A replicate drew ``T`` rows as independent ``Poisson(n_c)`` cell counts; :func:`adjust`
removes ``T − N`` of them chosen uniformly at random, or adds ``N − T`` rows each falling
in cell ``c`` with probability ``n_c / N`` (:class:`RowCells` finds the cell of a row).
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
from numpy.typing import NDArray

__all__ = ["RowCells", "adjust"]


class RowCells:
    """The cell of a row of the table (rows numbered cell after cell): the first cell
    whose running count ``ends`` exceeds it — ``np.searchsorted(ends, row, "right")``.

    Buckets of ``2**shift`` rows (about an eighth of a cell) that lie inside one cell
    give it by one lookup; the rows of the other buckets are searched.
    """

    def __init__(self, counts: NDArray[np.int64]) -> None:
        self.ends = np.cumsum(counts)
        total, cells = int(self.ends[-1]), counts.shape[0]
        self.shift = max(0, (total // (8 * cells)).bit_length() - 1)
        buckets = ((total - 1) >> self.shift) + 1
        # first[b] = #{c: ends[c] ≤ b·2^s} (the cell of the bucket's first row);
        # the bucket's last row, b·2^s + 2^s − 1, is in cell #{c: ends[c] >> s ≤ b}.
        up = -((-self.ends) >> self.shift)  # ceil(ends / 2^s)
        self.first = np.cumsum(np.bincount(up, minlength=buckets + 1))[:buckets]
        last = np.cumsum(np.bincount(self.ends >> self.shift, minlength=buckets + 1))[:buckets]
        self.clean = self.first == last

    def __call__(self, rows: NDArray[np.int64]) -> NDArray[np.intp]:
        bucket = rows >> self.shift
        out: NDArray[np.intp] = self.first[bucket]
        other = np.flatnonzero(~self.clean[bucket])
        if other.shape[0]:
            out[other] = np.searchsorted(self.ends, rows[other], side="right")
        return out


def adjust(
    x: NDArray[np.integer],
    counts: NDArray[np.int64],
    rng: np.random.Generator,
    jit: ModuleType | None = None,
    cells_of: RowCells | None = None,
) -> None:
    """Bring every row of Poisson counts ``x`` to ``counts.sum()`` rows, in place.

    All rows of the chunk at once: the rows to remove are positions among each row's
    drawn rows, chosen with replacement and redrawn where they repeat until each row
    has as many distinct positions as it must lose (a uniformly random subset: the
    procedure treats every position alike); the rows to add fall in cell ``c`` with
    probability ``n_c / N`` each.  ``jit``: the compiled kernels, which find the cells
    of the same positions in one pass over the rows instead of a cumulative sum and a
    search.
    """
    total = int(counts.sum())
    cells = x.shape[1]
    drawn = x.sum(axis=1, dtype=np.int64)
    over = np.flatnonzero(drawn > total)
    if over.shape[0]:
        need = drawn[over] - total
        (_remove if jit is None else _remove_compiled)(x, over, need, drawn[over], rng, jit)
    under = np.flatnonzero(drawn < total)
    if under.shape[0]:
        short = total - drawn[under]
        picked = rng.integers(0, total, size=int(short.sum()))
        cells_of = cells_of or RowCells(counts)
        if jit is not None:
            rows = np.repeat(under, short)
            jit.add(x, rows, picked, cells_of.ends, cells_of.first, cells_of.shift)
            return
        rank = np.repeat(np.arange(under.shape[0]), short)
        added = np.bincount(rank * cells + cells_of(picked), minlength=under.shape[0] * cells)
        x[under] += added.reshape(under.shape[0], cells).astype(x.dtype)


def _remove(
    x: NDArray[np.integer],
    over: NDArray[np.intp],
    need: NDArray[np.int64],
    drawn: NDArray[np.int64],
    rng: np.random.Generator,
    jit: ModuleType | None,
) -> None:
    """Remove ``need`` of the ``drawn`` rows of each replicate ``over`` of ``x``."""
    ends = np.cumsum(drawn)  # positions of the rows to thin, row after row
    base = ends - drawn
    chosen = np.empty(0, dtype=np.int64)
    short = need
    while short.any():
        rows = np.repeat(np.arange(over.shape[0]), short)
        picked = base[rows] + rng.integers(0, drawn[rows])
        chosen = np.sort(np.concatenate((chosen, picked)))
        chosen = chosen[_firsts(chosen)]
        short = need - np.diff(np.searchsorted(chosen, np.concatenate(([0], ends))))
    _thin(x, over, chosen)


def _remove_compiled(
    x: NDArray[np.integer],
    over: NDArray[np.intp],
    need: NDArray[np.int64],
    drawn: NDArray[np.int64],
    rng: np.random.Generator,
    jit: ModuleType | None,
) -> None:
    """:func:`_remove` with each replicate's positions kept apart (sorted, no repeats)
    by the kernel: the same random numbers, the same positions."""
    assert jit is not None
    base = np.cumsum(drawn) - drawn
    first = np.concatenate(([0], np.cumsum(need)[:-1]))
    chosen = np.empty(int(need.sum()), dtype=np.int64)
    have = np.zeros(over.shape[0], dtype=np.int64)
    short = need
    while short.any():
        rows = np.repeat(np.arange(over.shape[0]), short)
        picked = base[rows] + rng.integers(0, drawn[rows])
        jit.merge(chosen, have, first, rows, picked)
        short = need - have
    jit.thin(x, over, chosen)


def _thin(x: NDArray[np.integer], over: NDArray[np.intp], chosen: NDArray[np.int64]) -> None:
    """Remove from rows ``over`` of ``x`` the drawn rows at positions ``chosen`` (sorted;
    positions count the rows of ``x[over]`` one replicate after another)."""
    cells = x.shape[1]
    running = np.cumsum(x[over].reshape(-1), dtype=np.int64)
    at = np.searchsorted(running, chosen, side="right")  # sorted, in x[over] flattened
    first = np.flatnonzero(_firsts(at))
    times = np.diff(np.append(first, at.shape[0]))
    at = at[first]
    x.reshape(-1)[over[at // cells] * cells + at % cells] -= times.astype(x.dtype)


def _firsts(ordered: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Where each run of equal values of a sorted array starts."""
    out = np.ones(ordered.shape[0], dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=out[1:])
    return out
