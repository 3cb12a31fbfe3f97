"""Several views' groups side by side: the same values as each view alone, to the bit.

The audit evaluates every view of a table (or of a chunk of bootstrap replicates) at once,
the views' groups along one axis; ``share``, the disparities and the shift then read their
own view's groups by segment (``starts``).  Each test computes the side-by-side values and
the per-view ones independently, on random counts with empty groups and undefined rates,
and compares the bytes.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from signoff.audit._interval import percentile_interval
from signoff.evidence import CountTable, make_grid
from signoff.metrics import disparities, group_statistics, shift_scenarios

SIZES = (1, 3, 2, 9, 4)
PRIVILEGED = (None, 0, None, 4, 3)


def _table(rng: np.random.Generator, groups: int, batch: tuple[int, ...]) -> CountTable:
    scores = np.sort(rng.random(200))
    grid = make_grid(scores, threshold=0.5, calibration_bins=10)
    shape = (*batch, groups, 2, grid.n_bins)
    n = rng.poisson(rng.choice([0.0, 0.3, 4.0], size=shape)).astype(np.float64)
    n[..., 2, 1, :] = 0.0  # a group without positives
    n[..., 5, :, :] = 0.0  # an empty group
    mean = rng.random(shape)
    return CountTable(n=n, s=n * mean, s2=n * mean**2, ll=n * -np.log(mean), grid=grid)


def _views(table: CountTable) -> list[CountTable]:
    bounds = np.cumsum((0, *SIZES))
    return [
        CountTable(
            n=np.ascontiguousarray(table.n[..., a:b, :, :]),
            s=np.ascontiguousarray(table.s[..., a:b, :, :]),
            s2=np.ascontiguousarray(table.s2[..., a:b, :, :]),
            ll=np.ascontiguousarray(table.ll[..., a:b, :, :]),
            grid=table.grid,
        )
        for a, b in itertools.pairwise(bounds)
    ]


def _same(a: np.ndarray, b: np.ndarray, what: str) -> None:
    np.testing.assert_array_equal(a, b, err_msg=what)
    assert np.asarray(a).tobytes() == np.asarray(b).tobytes(), what


@pytest.mark.parametrize("batch", [(), (7,)], ids=["point", "replicates"])
def test_statistics_disparities_and_shift_side_by_side_equal_each_view_alone(
    batch: tuple[int, ...],
) -> None:
    rng = np.random.default_rng(3)
    table = _table(rng, sum(SIZES), batch)
    starts = np.concatenate(([0], np.cumsum(SIZES)[:-1])).astype(np.intp)
    joined = group_statistics(table, starts=starts)
    gaps = disparities(joined, privileged=list(PRIVILEGED), starts=starts)
    base, _, shifted = shift_scenarios(joined, delta=0.1, metric="recall", starts=starts)
    for v, view in enumerate(_views(table)):
        first, last = starts[v], starts[v] + SIZES[v]
        alone = group_statistics(view)
        for name, values in alone.items():
            _same(joined[name][..., first:last], values, f"view {v} {name}")
        for name, value in disparities(alone, privileged=PRIVILEGED[v]).items():
            _same(gaps[name][..., v], value, f"view {v} {name}")
        b, _, sh = shift_scenarios(alone, delta=0.1, metric="recall")
        _same(base[..., v], b, f"view {v} shift base")
        _same(shifted[..., 2 * first : 2 * last], sh, f"view {v} shifted")
    assert np.isnan(gaps["demographic_parity_difference"][..., 0]).all()  # one group


def test_percentile_interval_of_columns_side_by_side_equals_each_column_alone() -> None:
    rng = np.random.default_rng(8)
    samples = np.round(rng.normal(size=(400, 6)), 2)
    samples[rng.random(400) < 0.1, 2] = np.nan  # some replicates undefined
    samples[rng.random(400) < 0.7, 4] = np.nan  # most undefined: no interval
    low, high = percentile_interval(samples, 0.95)
    for c in range(samples.shape[1]):
        lo, hi = percentile_interval(samples[:, c : c + 1], 0.95)
        _same(low[c : c + 1], lo, f"low {c}")
        _same(high[c : c + 1], hi, f"high {c}")
        defined = samples[:, c][~np.isnan(samples[:, c])]
        if 2 * defined.shape[0] >= samples.shape[0]:  # NumPy's linear quantile
            np.testing.assert_allclose(lo[0], np.quantile(defined, 0.025), rtol=1e-12)
            np.testing.assert_allclose(hi[0], np.quantile(defined, 0.975), rtol=1e-12)
    assert np.isnan(low[4])
    assert np.isnan(high[4])
