"""Drift acceptance on seeded synthetic data (20 columns, 100k rows), and the decision rule."""

from __future__ import annotations

import numpy as np
import pytest

from monitor_data import SHIFTED, make_batch
from signoff.monitor import (
    Thresholds,
    compare_profiles,
    make_spec,
    numeric_values,
    prepare_ks,
    profile_frame,
)

ROWS = 100_000
FEATURES = [f"x{i:02d}" for i in range(14)] + [f"c{i:02d}" for i in range(6)]


@pytest.fixture(scope="module")
def reference():
    frame = make_batch(ROWS, seed=1)
    spec = make_spec(frame, features=FEATURES, score="score")
    return frame, spec, profile_frame(frame, spec)


def _drift(reference, *, shifted: bool, exact: bool):
    frame, spec, profile = reference
    batch = make_batch(ROWS, seed=2, shifted=shifted)
    raw = None
    if exact:
        raw = {
            c: (prepare_ks(numeric_values(frame[c])), numeric_values(batch[c]))
            for c in spec.numeric
        }
    return compare_profiles(profile, profile_frame(batch, spec), raw=raw)


@pytest.mark.parametrize("exact", [False, True], ids=["binned", "exact"])
def test_no_drift_flags_at_most_one_column(reference, exact):
    report = _drift(reference, shifted=False, exact=exact)
    assert len(report.columns) == 20
    assert sum(c.drifted for c in report.columns) <= 1
    assert report.prediction is not None
    assert not report.prediction.drifted


@pytest.mark.parametrize("exact", [False, True], ids=["binned", "exact"])
def test_four_shifted_columns_are_all_flagged_and_at_most_one_other(reference, exact):
    report = _drift(reference, shifted=True, exact=exact)
    flagged = {c.column for c in report.columns if c.drifted}
    assert set(SHIFTED) <= flagged
    assert len(flagged - set(SHIFTED)) <= 1
    assert report.share == pytest.approx(len(flagged) / 20)
    methods = {c.column: c.method for c in report.columns}
    assert methods["x00"] == ("ks" if exact else "ks_binned")
    assert methods["c00"] == "chi2"


def test_effect_size_alone_or_significance_alone_does_not_drift(reference):
    _frame, spec, profile = reference
    batch = make_batch(ROWS, seed=2, shifted=True)
    current = profile_frame(batch, spec)
    lenient_p = compare_profiles(profile, current, default=Thresholds(p_value=1e-300))
    assert not any(c.drifted for c in lenient_p.columns if c.column != "x00" and c.p_value_holm > 0)
    huge_effect = compare_profiles(
        profile, current, default=Thresholds(psi=10, wasserstein=10, jensen_shannon=10)
    )
    assert not any(c.drifted for c in huge_effect.columns)
    x00 = next(c for c in huge_effect.columns if c.column == "x00")
    assert x00.p_value_holm < 1e-10
    assert not x00.effect


def test_thresholds_are_settable_per_column(reference):
    _frame, spec, profile = reference
    current = profile_frame(make_batch(ROWS, seed=2, shifted=True), spec)
    report = compare_profiles(
        profile, current, thresholds={"x00": Thresholds(psi=5, wasserstein=5)}
    )
    flagged = {c.column for c in report.columns if c.drifted}
    assert "x00" not in flagged
    assert {"x01", "x02", "c00"} <= flagged


def test_selection_rate_change_is_reported(reference):
    frame, spec, profile = reference
    batch = make_batch(ROWS, seed=2)
    batch["score"] = np.clip(batch["score"] + 0.2, 0, 1)
    report = compare_profiles(profile, profile_frame(batch, spec))
    assert report.prediction is not None
    assert report.prediction.drifted
    change = report.prediction.selection_rate_change
    expected = float((batch["score"] >= 0.5).mean() - (frame["score"] >= 0.5).mean())
    assert change == pytest.approx(expected, abs=1e-12)
