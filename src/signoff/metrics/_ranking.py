"""Exact ranking metrics from the raw arrays: ROC AUC per group, average precision.

The count table bins scores, which would turn close scores into ties; the
point estimates of ROC AUC and average precision therefore use the raw
arrays.  Both reuse one sort of the scores (:func:`score_order`: 64-bit integer
keys, NumPy's vectorised sort), and the per-group AUC is a single vectorized
Mann–Whitney rank sum (no loop over groups), so the cost is one sort plus O(N)
per attribute.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ._counts import ratio

__all__ = [
    "Ranked",
    "auc_from_rank_sums",
    "average_precision",
    "roc_auc_by_group",
    "roc_auc_by_mapped_group",
    "score_order",
    "score_ranks",
]

FloatArray = NDArray[np.float64]
#: Rows of the score order handled at a time: per-row temporaries stay this small.
BLOCK_ROWS = 1 << 16


def score_order(scores: FloatArray) -> NDArray[np.intp]:
    """Row order by ascending score, ties in row order: ``np.argsort(scores,
    kind="stable")`` exactly; compute once, pass to both functions.

    NumPy's stable argsort of floats is a merge sort of the row numbers whose reads
    scatter over the scores, and slows down sharply once they outgrow the CPU's caches
    (10M rows: 13 times the time of 1M).  Its sort of plain 64-bit integers is several
    times faster, so each row is packed into one (:func:`_packed_order`).  Scores with a
    NaN take NumPy's argsort (it puts them last).
    """
    packed = _packed_order(scores)
    if packed is None:
        order: NDArray[np.intp] = np.argsort(scores, kind="stable")
        return order
    return packed.order


class _Packed(NamedTuple):
    """The rows sorted by score: the row order (stable), where the score rises from the
    row before (False at the first row): the runs of tied scores; and the labels in that
    order when they rode in the keys (None: gather them through the order)."""

    order: NDArray[np.intp]
    rises: NDArray[np.bool_]
    labels: NDArray[np.int8] | None = None


def _packed_order(scores: FloatArray, y: NDArray[np.int8] | None = None) -> _Packed | None:
    """The stable order by score through one sort of 64-bit integers (None: fewer than
    two rows, a NaN, or too many runs to sort again).

    Each row's key is its score's bits in an order-keeping form, less the smallest
    score's and moved up as far as the largest allows (:func:`_span`), with the low bits
    replaced by the row number.  Sorting the keys gives the order by (score's high bits,
    row): the stable order, except where two different scores share their high bits.
    One pass over the sorted keys compares the scores of neighbours that share high
    bits — for the ties, and for pairs out of order; only the runs of keys holding one
    are sorted again by score (stably) — or, when those runs hold more than
    :data:`RESORT_SHARE` of the rows, None: NumPy's argsort then does it all.

    Labels ``y`` of 0 and 1 ride in the lowest bit, below the row number (which alone
    orders rows of equal high bits): the sorted keys then hold the labels in score
    order, and no gather of the labels through the order is needed — a gather whose
    reads scatter over the rows once they outgrow the CPU's caches.
    """
    scores = np.asarray(scores, dtype=np.float64)  # (the keys are 64-bit floats' bits)
    n = scores.shape[0]
    if n < 2 or bool(np.isnan(scores).any()):
        return None
    label = 1 if y is not None and _one_bit(y, n) else 0  # bits below the row number
    bits = (n - 1).bit_length() + label  # the row number, and the label below it
    low, spare = _span(scores)
    keys = np.empty(n, dtype=np.uint64)
    for start in range(0, n, BLOCK_ROWS):
        part = slice(start, start + BLOCK_ROWS)
        key = _sortable(scores[part])
        key -= low
        key <<= spare
        key >>= np.uint64(bits)
        key <<= np.uint64(bits)
        row = np.arange(start, min(start + BLOCK_ROWS, n), dtype=np.uint64)
        if label:
            assert y is not None
            row <<= np.uint64(1)
            row |= y[part].astype(np.uint64)
        key |= row
        keys[part] = key
    keys.sort()  # NumPy's vectorised sort of 64-bit integers, in place
    order = np.empty(n, dtype=np.intp)  # the row numbers (with the label bit, if any)
    np.bitwise_and(keys, np.uint64((1 << bits) - 1), out=order, casting="unsafe")
    rises = np.zeros(n, dtype=bool)
    found = []
    shift = np.uint64(bits)
    for start in range(1, n, BLOCK_ROWS):
        here = keys[start - 1 : start + BLOCK_ROWS]
        changed = ((here[1:] ^ here[:-1]) >> shift) != 0  # high bits differ: scores do
        rises[start : start + changed.shape[0]] = changed
        at = np.flatnonzero(~changed) + start
        if at.shape[0]:
            score, before = scores[order[at] >> label], scores[order[at - 1] >> label]
            rises[at] = score > before
            found.append(at[score < before])
    down = np.concatenate(found) if found else np.empty(0, dtype=np.intp)
    if down.shape[0] and not _resort(scores, keys, order, rises, bits, down, label):
        return None
    del keys  # (peak memory: the labels are taken out once the keys are gone)
    if not label:
        return _Packed(order, rises)
    labels = np.empty(n, dtype=np.int8)
    np.bitwise_and(order, 1, out=labels, casting="unsafe")
    order >>= 1
    return _Packed(order, rises, labels)


def _span(scores: FloatArray) -> tuple[np.uint64, np.uint64]:
    """The smallest score's key, and by how many bits every key less it can move up and
    still fit 64 bits: scores between 1e-6 and 1 share their sign and most of their
    exponent's bits, so keys made to start at 0 and moved up keep about 7 more bits of
    each score above the row number — and ten times the rows make 128 times fewer
    neighbours that share their high bits (each compared through the scores, and half of
    them sorted again) than the raw bits would."""
    ends = _sortable(np.array([scores.min(), scores.max()]))
    width = int(ends[1] - ends[0]).bit_length()
    return ends[0], np.uint64(min(64 - width, 63))


def _one_bit(y: NDArray[np.int8], n: int) -> bool:
    """Whether ``y`` holds an ``int8`` 0 or 1 for each of ``n`` rows (labels as signoff
    reads them; anything else is gathered through the order, keeping its type)."""
    return y.shape == (n,) and y.dtype == np.int8 and not bool(np.any(y.view(np.uint8) > 1))


def _sortable(scores: FloatArray) -> NDArray[np.uint64]:
    """Unsigned integers in the order of the (non-NaN) floats ``scores``: the sign bit
    set on non-negative floats, every bit flipped on negative ones; −0.0 as 0.0."""
    key: NDArray[np.uint64] = (scores + 0.0).view(np.uint64)  # a copy; −0.0 + 0.0 is 0.0
    negative = key >= np.uint64(1 << 63)
    np.invert(key, out=key, where=negative)
    np.bitwise_or(key, np.uint64(1 << 63), out=key, where=~negative)
    return key


#: Past this share of the rows in runs to sort again, NumPy's argsort of the floats is
#: the cheaper way (the row number takes more of a key's bits as rows grow, so at some
#: hundred million rows of continuous scores most neighbours share their high bits).
RESORT_SHARE = 0.25


def _resort(
    scores: FloatArray,
    keys: NDArray[np.uint64],
    order: NDArray[np.intp],
    rises: NDArray[np.bool_],
    bits: int,
    down: NDArray[np.intp],
    label: int = 0,
) -> bool:
    """Sort again, by score and stably, each run of ``keys`` sharing its high bits that
    holds a position of ``down`` (a score below the one before it): ``order`` and
    ``rises`` in place; False, with nothing done, when those runs hold more than
    :data:`RESORT_SHARE` of the rows.  ``label``: 1 when ``order`` holds each row number
    shifted left by one, its label in the lowest bit."""
    n = keys.shape[0]
    shift = np.uint64(bits)
    # The run around each such pair: every key with its high bits.
    head = (keys[down] >> shift) << shift
    first, at = np.unique(np.searchsorted(keys, head, side="left"), return_index=True)
    top = head[at] >= np.uint64(2**64 - 2**bits)  # the next head wraps around to 0
    last = np.where(top, n, np.searchsorted(keys, head[at] + np.uint64(2**bits)))
    length = last - first
    if int(length.sum()) > RESORT_SHARE * n:
        return False
    rows = np.repeat(first - np.cumsum(length) + length, length) + np.arange(length.sum())
    # One stable sort of every such run's rows by score: the runs' scores are apart (each
    # run's below the next one's), and a run's rows are in row order, which ties keep.
    resorted = np.argsort(scores[order[rows] >> label], kind="stable")
    order[rows] = order[rows[resorted]]  # (a label bit below the row number moves with it)
    inside = rows[np.isin(rows, first, invert=True)]  # a run's first row rises as before
    rises[inside] = scores[order[inside] >> label] > scores[order[inside - 1] >> label]
    return True


@dataclass(frozen=True)
class Ranked:
    """The rows in ascending score order, once, for every exact ranking metric.

    Attributes
    ----------
    order : ndarray of intp
        Row order by ascending score (stable).
    y : ndarray of int8
        The labels in that order.
    run : ndarray of int32 (int64 past 2**31 rows)
        Index of each sorted row's run of tied scores: rows with equal scores share it.
    """

    order: NDArray[np.intp]
    y: NDArray[np.int8]
    run: NDArray[np.signedinteger[Any]]


def score_ranks(
    y: NDArray[np.int8], scores: FloatArray, *, order: NDArray[np.intp] | None = None
) -> Ranked:
    """Sort once: the order, the labels in it and the runs of tied scores.

    Each metric then reads the sorted labels and runs through increasing indices
    (one stream per group), never the raw arrays through the permutation again.
    """
    packed = _packed_order(scores, y) if order is None else None
    if order is None:
        order = packed.order if packed is not None else np.argsort(scores, kind="stable")
    n = order.shape[0]
    kind: type[np.signedinteger[Any]] = np.int32 if n < np.iinfo(np.int32).max else np.int64
    run: NDArray[np.signedinteger[Any]]
    labels = None
    if packed is not None:  # the runs of ties found with the order
        run = np.cumsum(packed.rises, dtype=kind)
        labels = packed.labels
        del packed
    else:
        run = np.zeros(n, dtype=kind)
        if n:
            ordered = scores[order]
            np.not_equal(ordered[1:], ordered[:-1], out=run[1:], casting="unsafe")
            del ordered
            np.cumsum(run, out=run)
    return Ranked(order=order, y=y[order] if labels is None else labels, run=run)


def roc_auc_by_group(
    y: NDArray[np.int8],
    scores: FloatArray,
    groups: NDArray[np.signedinteger[Any]] | None,
    n_groups: int,
    *,
    order: NDArray[np.intp] | None = None,
    ranked: Ranked | None = None,
) -> FloatArray:
    """ROC AUC of every group, NaN where a group lacks one class.

    Equal to ``sklearn.metrics.roc_auc_score`` on each group's rows (ties
    count one half, through average ranks).  ``groups=None`` means one group
    (the overall AUC).  Works per run of tied scores rather than per row; pass
    ``ranked`` (:func:`score_ranks`) when computing several: then a call reads
    the sorted labels and runs group by group, in increasing order, and only the
    (one- or two-byte) group codes go through the permutation.
    """
    if ranked is None:
        ranked = score_ranks(y, scores, order=order)
    if groups is None or n_groups == 1:
        return _auc_in_blocks(ranked, n_groups, None)
    codes = groups
    return _auc_in_blocks(ranked, n_groups, lambda part: codes[ranked.order[part]])


def roc_auc_by_mapped_group(
    ranked: Ranked,
    ordered: NDArray[np.signedinteger[Any]],
    mapping: NDArray[np.signedinteger[Any]],
    n_groups: int,
) -> FloatArray:
    """:func:`roc_auc_by_group` of groups given through codes already in score order.

    ``ordered`` holds a code of every row in ``ranked``'s order (say the joint group of
    every protected attribute, gathered through the order once) and ``mapping`` each
    code's group (``-1`` for a code no row has).  One gather through the permutation then
    serves every attribute: each reads its groups from a table of a few entries, a block
    of consecutive rows at a time, instead of through the permutation of all rows, whose
    scattered reads cost most of the time once the rows outgrow the CPU's caches.
    """
    table: NDArray[np.signedinteger[Any]] = np.asarray(mapping).astype(_key_type(n_groups))

    def codes(part: slice) -> NDArray[np.signedinteger[Any]]:
        groups: NDArray[np.signedinteger[Any]] = table.take(ordered[part])
        return groups

    return _auc_in_blocks(ranked, n_groups, codes)


def _key_type(n_groups: int) -> type[np.signedinteger[Any]]:
    """The group codes' type in the per-block sort: one byte while they fit (NumPy's
    stable sort of one-byte keys is a radix sort of one pass), else two."""
    if n_groups < np.iinfo(np.int8).max:
        return np.int8
    return np.int16 if n_groups < np.iinfo(np.int16).max else np.intp


def _auc_in_blocks(
    ranked: Ranked,
    n_groups: int,
    codes: Callable[[slice], NDArray[np.signedinteger[Any]]] | None,
) -> FloatArray:
    """The per-group rank sums a block of sorted rows at a time; ``codes(rows)``: the
    groups of a slice of the sorted rows (None: one group)."""
    n = ranked.y.shape[0]
    if n == 0:
        return np.full(n_groups, np.nan)
    key_type = _key_type(n_groups)
    seen = np.zeros(n_groups, dtype=np.int64)  # rows of each group in earlier blocks
    positives = np.zeros(n_groups, dtype=np.int64)
    twice_rank_sum = np.zeros(n_groups, dtype=np.int64)  # 2 × Σ mean rank of positives
    start = 0
    while start < n:
        # Blocks end where a run of tied scores ends, so no run is split.
        stop = (
            n
            if start + BLOCK_ROWS >= n
            else int(np.searchsorted(ranked.run, ranked.run[start + BLOCK_ROWS - 1], side="right"))
        )
        if codes is None:
            key = np.zeros(stop - start, dtype=key_type)
            pos, run = ranked.y[start:stop], ranked.run[start:stop]
        else:
            key = codes(slice(start, stop)).astype(key_type, copy=False)
            by_group = np.argsort(key, kind="stable")  # radix sort on small integers: O(N)
            key, pos, run = (
                key[by_group],
                ranked.y[start:stop][by_group],
                ranked.run[start:stop][by_group],
            )
        _add_block(key, pos, run, seen, positives, twice_rank_sum)
        start = stop
    return auc_from_rank_sums(positives, seen, twice_rank_sum)


def auc_from_rank_sums(
    positives: NDArray[np.int64], rows: NDArray[np.int64], twice_rank_sum: NDArray[np.int64]
) -> FloatArray:
    """ROC AUC of every group from whole-number sums: its positives, its rows and twice the
    sum of the positives' mean ranks (ties share their mean rank, ranks counted from 1).

    Every sum is a whole number (exact in any order, so any engine that counts them gets
    the same AUC, bit for bit); the float expression is the one scikit-learn's rank
    formula gives.  NaN where a group lacks one class.
    """
    counts = positives.astype(np.float64)
    rank_sum = twice_rank_sum.astype(np.float64) / 2.0
    u = rank_sum - counts * (counts + 1) / 2.0
    return ratio(u, counts * (rows.astype(np.float64) - counts))


def _add_block(
    key: NDArray[np.signedinteger[Any]],
    pos: NDArray[np.int8],
    run: NDArray[np.signedinteger[Any]],
    seen: NDArray[np.int64],
    positives: NDArray[np.int64],
    twice_rank_sum: NDArray[np.int64],
) -> None:
    """Add one block of rows (sorted by group, then score) to the per-group sums."""
    n = key.shape[0]
    size = np.bincount(key, minlength=seen.shape[0])
    group_end = np.cumsum(size)
    group_start = group_end - size
    new_run = np.empty(n, dtype=bool)  # a run starts at a new tied score or a new group
    new_run[0] = True
    np.not_equal(run[1:], run[:-1], out=new_run[1:])
    new_run[group_start[size > 0]] = True
    run_start = np.flatnonzero(new_run)
    del new_run
    run_group = key[run_start].astype(np.intp)  # the rows are sorted by group
    run_length = np.diff(run_start, append=n)
    # 2 × mean rank within the group: first + last rank, ranks counted from 1.
    twice_rank = 2 * (seen[run_group] + run_start - group_start[run_group]) + run_length + 1
    del run_length
    # Positives per run as differences of a running count: a reduceat over
    # millions of one-row runs costs far more.
    running = np.cumsum(pos, dtype=np.int64)
    pos_in_run = np.diff(running[np.append(run_start[1:] - 1, n - 1)], prepend=0)
    del running, run_start
    np.add.at(positives, run_group, pos_in_run)
    np.add.at(twice_rank_sum, run_group, twice_rank * pos_in_run)
    seen += size


def average_precision(
    y: NDArray[np.int8],
    scores: FloatArray,
    *,
    order: NDArray[np.intp] | None = None,
    ranked: Ranked | None = None,
) -> float:
    """Average precision, equal to ``sklearn.metrics.average_precision_score``.

    NaN when there is no positive row.
    """
    if ranked is None:
        ranked = score_ranks(y, scores, order=order)
    n = ranked.y.shape[0]
    total = int(np.count_nonzero(ranked.y))
    if n == 0 or total == 0:
        return float("nan")
    # scikit-learn's step sum over thresholds: one term per run of tied scores.  The rows
    # are read block by block (ascending scores), each block's run starts found by
    # comparing neighbours (linear, in cache: no search over the whole array); a run's
    # term needs the next run's count, so each block's last run waits for the next block.
    # Each block's terms are summed at once and the block sums added exactly
    # (``math.fsum``): no array of one term per run (80 MB at 10M distinct scores) is
    # written and read back, and the sum agrees with scikit-learn's to rounding (its
    # pairwise sum over all terms differs in the last bits).
    run, labels = ranked.run, ranked.y
    sums: list[float] = []
    below = 0  # positives in the rows before the block
    waiting_tp = np.empty(0, dtype=np.int64)  # the last run seen: positives at or above
    waiting_first = np.empty(0, dtype=np.intp)  # and its first row
    for a in range(0, n, BLOCK_ROWS):
        b = min(a + BLOCK_ROWS, n)
        block = run[a:b]
        starts = np.flatnonzero(block[1:] != block[:-1]) + 1
        if a == 0 or run[a] != run[a - 1]:
            starts = np.concatenate(([0], starts))
        running = np.concatenate(([0], np.cumsum(labels[a:b], dtype=np.int64)))
        tp = np.concatenate((waiting_tp, total - below - running[starts]))
        first = np.concatenate((waiting_first, starts + a))
        below += int(running[-1])
        sums.append(_terms_sum(tp, first, n, total))
        waiting_tp, waiting_first = tp[-1:], first[-1:]
    # the highest run: nothing above it
    sums.append(_terms_sum(np.concatenate((waiting_tp, [0])), waiting_first, n, total))
    return math.fsum(sums)


def _terms_sum(tp: NDArray[np.int64], first: NDArray[np.intp], n: int, total: int) -> float:
    """The sum of the terms of consecutive runs whose positives at or above are ``tp``
    (one more count than runs: the next run's) and whose first rows are ``first``."""
    m = int(tp.shape[0]) - 1
    if m <= 0:
        return 0.0
    precision = tp[:m].astype(np.float64) / (n - first[:m])
    recall = tp.astype(np.float64) / float(total)
    gained = recall[:-1] - recall[1:]
    gained *= precision
    return float(gained.sum())
