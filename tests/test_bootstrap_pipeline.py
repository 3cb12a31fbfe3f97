"""The bootstrap on two threads: draws on the calling thread, evaluation beside it.

One thread or two must give the same replicates to the bit (every draw stays on the
calling thread, in the same order), on the NumPy path and through the compiled kernels,
in both modes of drawing; and the hand-over itself keeps order, bounds how far the draws
run ahead, and stops at the first error.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bootstrap_data import scores_config
from signoff.audit._stats import Statistics, compute_statistics
from signoff.config import AuditConfig
from signoff.evidence import (
    THREADS_ENV,
    _kernel,
    _pipeline,
    build_table,
    choose_mode,
    encode_attributes,
    joint_groups,
    make_grid,
    pipelined,
    plan_views,
    replicate_steps,
)


def _frame(rows: int, seed: int) -> pd.DataFrame:
    """Odd groups: a group without positives, a rare group, tied scores, a sparse product,
    and two more attributes of four groups each (a wide product)."""
    rng = np.random.default_rng(seed)
    a = rng.choice(["x", "y", "z"], rows, p=[0.6, 0.3, 0.1])
    b = rng.choice(["p", "q"], rows)
    c = rng.choice(["c0", "c1", "rare"], rows, p=[0.6, 0.3995, 0.0005])
    d = rng.integers(0, 40, rows)
    e = (d % 7 + rng.integers(0, 2, rows)).astype(str)  # few of the 40 × 8 combinations
    score = np.round(rng.beta(2, 3, rows) + 0.1 * (a == "x"), 2).clip(0, 1)  # ties
    y = (rng.random(rows) < score).astype(np.int8)
    y[c == "rare"] = 0
    f, g = (rng.choice(["w", "x", "y", "z"], rows) for _ in range(2))
    columns = {"a": a, "b": b, "c": c, "d": d.astype(str), "e": e, "f": f, "g": g}
    return pd.DataFrame({**columns, "y": y, "s": score})


def _config(attributes: list[str], intersections: list[list[str]]) -> AuditConfig:
    return scores_config(attributes, intersections, replicates=130)


CASES = {
    # the product of the groups: every fine cell of the joint table is drawn
    "joint": (["a", "b", "c"], [["a", "b"], ["a", "b", "c"]]),
    # a wide product read through narrow views: the views' cells are drawn
    "views": (["a", "b", "c", "f", "g"], []),
}


def _assert_same(a: Any, b: Any, where: str) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _assert_same(a[key], b[key], f"{where}/{key}")
    else:
        np.testing.assert_array_equal(a, b, err_msg=where)


def _kernels(monkeypatch: pytest.MonkeyPatch, compiled: bool) -> None:
    if compiled:
        pytest.importorskip("numba")
        monkeypatch.delenv(_kernel.DISABLE_ENV, raising=False)
        monkeypatch.setattr(_kernel, "MIN_DRAWS", 0)
    else:
        monkeypatch.setenv(_kernel.DISABLE_ENV, "1")


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
@pytest.mark.parametrize("case", list(CASES))
def test_one_thread_or_two_give_the_same_statistics_to_the_bit(
    monkeypatch: pytest.MonkeyPatch, case: str, compiled: bool
) -> None:
    attributes, intersections = CASES[case]
    frame = _frame(20_000, seed=11)
    config = _config(attributes, intersections)
    attrs = encode_attributes(frame, config, file=Path("x.parquet"))
    y, s = frame["y"].to_numpy(np.int8), frame["s"].to_numpy(np.float64)
    _kernels(monkeypatch, compiled)
    # the case draws in the mode it is named for
    grid = make_grid(s, threshold=0.5, calibration_bins=config.calibration_bins)
    joint = joint_groups(attrs)
    table = build_table(y, s, joint.codes, joint.n_groups, grid)
    assert choose_mode(table, plan_views(attrs, joint)) == case

    evaluated_on: set[str] = set()
    real = _pipeline.ThreadPoolExecutor

    class Watched(real):  # type: ignore[misc, valid-type]
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            def where(*a: Any, **k: Any) -> Any:
                evaluated_on.add(threading.current_thread().name)
                return fn(*a, **k)

            return super().submit(where, *args, **kwargs)

    monkeypatch.setattr(_pipeline, "ThreadPoolExecutor", Watched)

    def run(threads: str) -> Statistics:
        monkeypatch.setenv(THREADS_ENV, threads)
        return compute_statistics(y, s, attrs, config, seed=3)

    one, two = run("1"), run("2")
    assert evaluated_on
    assert all(n.startswith("signoff-bootstrap") for n in evaluated_on)
    for field in ("point", "low", "high", "reliability", "shift_shares"):
        _assert_same(getattr(one, field), getattr(two, field), field)
    assert np.isfinite(two.low["a"]["roc_auc"]).all()  # the intervals are there


@pytest.mark.parametrize("mode", ["joint", "views"])
def test_each_step_builds_what_taking_it_at_once_builds(
    monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """Steps drawn ahead and built later give the replicates built at once."""
    monkeypatch.setenv(_kernel.DISABLE_ENV, "1")
    frame = _frame(5_000, seed=2)
    config = _config(*CASES["joint"])
    attrs = encode_attributes(frame, config, file=Path("x.parquet"))
    y, s = frame["y"].to_numpy(np.int8), frame["s"].to_numpy(np.float64)
    grid = make_grid(s, threshold=0.5, calibration_bins=config.calibration_bins)
    joint = joint_groups(attrs)
    table = build_table(y, s, joint.codes, joint.n_groups, grid)
    views = plan_views(attrs, joint)

    def steps() -> Any:
        return replicate_steps(
            table, replicates=45, rng=np.random.default_rng(4), chunk=10, views=views, mode=mode
        )

    at_once = [step() for step in steps()]
    drawn_first = list(steps())  # every chunk drawn before any is built
    later = [step() for step in drawn_first]
    assert len(at_once) == len(later) == 5
    for a, b in zip(at_once, later, strict=True):
        assert a.size == b.size
        _assert_same(a.stacked, b.stacked, "stacked")
        _assert_same(a.by_view or {}, b.by_view or {}, "by_view")


def test_draws_stay_on_the_calling_thread_and_results_keep_their_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(THREADS_ENV, "2")
    caller = threading.current_thread().name
    taken: list[str] = []
    evaluated: list[str] = []

    def steps() -> Any:
        for i in range(12):
            taken.append(threading.current_thread().name)
            yield i

    def then(i: int) -> int:
        evaluated.append(threading.current_thread().name)
        return i * 10

    results = []
    for k, value in enumerate(pipelined(steps(), then)):
        results.append(value)
        assert len(taken) <= k + 1 + _pipeline.AHEAD  # the draws run at most one ahead
    assert results == [i * 10 for i in range(12)]
    assert set(taken) == {caller}
    assert evaluated
    assert caller not in evaluated


def test_an_error_in_the_evaluation_stops_the_draws_and_is_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(THREADS_ENV, "2")
    taken: list[int] = []

    def steps() -> Any:
        for i in range(100):
            taken.append(i)
            yield i

    def then(i: int) -> int:
        if i == 3:
            raise ValueError("chunk 3 failed")
        return i

    results: list[int] = []
    with pytest.raises(ValueError, match="chunk 3 failed"):
        results.extend(pipelined(steps(), then))
    assert results == [0, 1, 2]
    assert len(taken) <= 3 + 1 + _pipeline.AHEAD


@pytest.mark.parametrize(
    ("setting", "cores", "second"),
    [
        ("1", 2, False),  # the setting: one thread
        (None, 1, False),  # one core
        ("0", 1, False),  # a value that is neither 1 nor 2: as the cores allow
        ("0", 2, True),
        (None, 2, True),
        ("2", 1, True),  # the setting: two threads whatever the cores
    ],
)
def test_the_setting_or_else_the_cores_choose_the_thread(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, cores: int, second: bool
) -> None:
    if setting is None:
        monkeypatch.delenv(THREADS_ENV, raising=False)
    else:
        monkeypatch.setenv(THREADS_ENV, setting)
    monkeypatch.setattr(_pipeline, "usable_cores", lambda: cores)
    caller = threading.current_thread().name
    where = set(pipelined(range(5), lambda _: threading.current_thread().name))
    assert (where != {caller}) == second
