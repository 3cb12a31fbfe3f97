"""Tumbling windows, and the monitor's place in the layers (it may not reach the registry yet)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from signoff.errors import DataError
from signoff.monitor import split_windows
from signoff.monitor._windows import MISSING_TIMESTAMP

MONITOR = Path(__file__).resolve().parents[1] / "src" / "signoff" / "monitor"
FILE = Path("batch.csv")


def test_windows_are_aligned_on_utc_midnight_and_keep_row_order():
    frame = pd.DataFrame(
        {
            "t": [
                "2025-03-02T23:59:59Z",
                "2025-03-01T10:00:00+02:00",
                "2025-03-02T00:00:00Z",
                "2025-03-01 12:00",
            ]
        }
    )
    windows = split_windows(frame, timestamp="t", length=dt.timedelta(days=1), file=FILE)
    assert [w.start.isoformat() for w in windows] == [
        "2025-03-01T00:00:00+00:00",
        "2025-03-02T00:00:00+00:00",
    ]
    assert [w.rows.tolist() for w in windows] == [[1, 3], [0, 2]]
    assert windows[0].end == windows[1].start


def test_epoch_seconds_and_six_hour_windows():
    frame = pd.DataFrame({"t": [0, 3600 * 5, 3600 * 6, 3600 * 13]})
    windows = split_windows(frame, timestamp="t", length=dt.timedelta(hours=6), file=FILE)
    assert [len(w.rows) for w in windows] == [2, 1, 1]


def test_no_window_length_is_one_window_spanning_the_timestamps():
    frame = pd.DataFrame({"t": ["2025-03-01T10:00:00Z", "2025-03-03T10:00:00Z"]})
    (window,) = split_windows(frame, timestamp="t", length=None, file=FILE)
    assert window.end - window.start == dt.timedelta(days=2)


def test_a_missing_timestamp_is_a_data_error_naming_the_row():
    frame = pd.DataFrame({"t": ["2025-03-01T10:00:00Z", None]})
    with pytest.raises(DataError) as caught:
        split_windows(frame, timestamp="t", length=dt.timedelta(days=1), file=FILE)
    assert caught.value.message == MISSING_TIMESTAMP.format(row=2, count=1)
    assert caught.value.file == "batch.csv"


FORBIDDEN = ("registry", "workflow", "store", "ledger", "audit", "cli", "server")
THROUGH_INIT = ("evidence", "metrics", "policy", "config")


@pytest.mark.parametrize("module", sorted(MONITOR.glob("*.py")), ids=lambda p: p.name)
def test_monitor_uses_only_the_layers_it_may_and_only_through_their_init(module: Path):
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
            package, *rest = node.module.split(".")
            assert package not in FORBIDDEN, f"{module.name} imports signoff.{node.module}"
            if package in THROUGH_INIT:
                assert not rest, f"{module.name} reaches into signoff.{node.module}"
