"""A profile is counts (DESIGN rule 1): what a batch is, in buckets that add up.
This module holds the counts; :mod:`._profile` counts a batch into them.

* numeric column: rows per bucket — null, below the reference minimum, each
  reference-quantile bin, above the maximum — with the sum of the values per
  bucket and the column's count, sum and sum of squares (finite values; ±∞
  are counted below/above but left out of the sums);
* categorical column: rows per reference category, an ``unseen`` bucket and
  nulls, and the (at most ``UNSEEN_EXAMPLES``) smallest unseen values;
* the score column like a numeric column, and the group table: for every
  joint group of the protected attributes, every label state (negative,
  positive, not yet labelled) and every score-grid bin, the audit's count
  table sums (rows, Σs, Σs², Σ log-loss term).

Every part is a sum over rows, so ``merge(profile(A), profile(B))`` equals
``profile(A ∪ B)``: counts exactly, float sums up to the order of addition
(exactly when the values' partial sums are exact, as the property test uses).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..evidence import CountTable, ScoreGrid

__all__ = [
    "MISSING_GROUP",
    "OUTSIDE_BINS",
    "UNLABELLED",
    "UNSEEN_EXAMPLES",
    "CategoricalCounts",
    "GroupTable",
    "NumericCounts",
    "Profile",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

UNSEEN_EXAMPLES = 20
MISSING_GROUP = "(missing)"
OUTSIDE_BINS = "(outside bins)"
UNLABELLED = 2  # the third state of the label axis


@dataclass(frozen=True, eq=False)
class NumericCounts:
    """Counts of one numeric column; ``counts`` = [null, below, bin 1..B, above]."""

    edges: FloatArray
    counts: IntArray
    sums: FloatArray
    count: int
    sum: float
    sum_squares: float

    @property
    def n_bins(self) -> int:
        """Reference-quantile bins."""
        return int(self.edges.shape[0]) - 1

    @property
    def nulls(self) -> int:
        """Null rows."""
        return int(self.counts[0])

    @property
    def outside(self) -> int:
        """Non-null rows below the reference minimum or above its maximum."""
        return int(self.counts[1] + self.counts[-1])


@dataclass(frozen=True, eq=False)
class CategoricalCounts:
    """Counts of one categorical column; ``counts`` = [category 1..K, unseen, null]."""

    categories: tuple[str, ...]
    counts: IntArray
    unseen_examples: tuple[str, ...]

    @property
    def nulls(self) -> int:
        """Null rows."""
        return int(self.counts[-1])

    @property
    def unseen(self) -> int:
        """Rows whose value the reference never had."""
        return int(self.counts[-2])


@dataclass(frozen=True, eq=False)
class GroupTable:
    """The audit count table per (joint group, label state, score bin), shape (J, 3, B)."""

    attributes: tuple[str, ...]
    keys: tuple[tuple[str, ...], ...]
    grid: ScoreGrid
    n: FloatArray
    s: FloatArray
    s2: FloatArray
    ll: FloatArray

    def labelled(self) -> CountTable:
        """The rows with a label: the audit's CountTable over joint groups."""
        return CountTable(
            n=self.n[:, :2], s=self.s[:, :2], s2=self.s2[:, :2], ll=self.ll[:, :2], grid=self.grid
        )

    def decisions(self) -> CountTable:
        """Every row, unlabelled ones counted as label 0: read only selection rates from it."""
        n, s, s2 = (a[:, :2].copy() for a in (self.n, self.s, self.s2))
        n[:, 0] += self.n[:, UNLABELLED]
        s[:, 0] += self.s[:, UNLABELLED]
        s2[:, 0] += self.s2[:, UNLABELLED]
        return CountTable(n=n, s=s, s2=s2, ll=np.zeros_like(n), grid=self.grid)

    def view(self, parts: tuple[str, ...]) -> tuple[NDArray[np.intp], tuple[str, ...]]:
        """Each joint group's group of one attribute (or intersection ``a*b``), and its labels."""
        index = [self.attributes.index(p) for p in parts]
        names = ["*".join(key[i] for i in index) for key in self.keys]
        labels = tuple(sorted(set(names)))
        lookup = {label: k for k, label in enumerate(labels)}
        return np.array([lookup[n] for n in names], dtype=np.intp), labels


@dataclass(frozen=True, eq=False)
class Profile:
    """Counts of one batch (or window, or the reference).

    Compare two profiles by their canonical form (``profile_to_dict``): the
    dataclass holds arrays, so ``==`` is identity.
    """

    rows: int
    numeric: Mapping[str, NumericCounts]
    categorical: Mapping[str, CategoricalCounts]
    score: str | None
    table: GroupTable | None
