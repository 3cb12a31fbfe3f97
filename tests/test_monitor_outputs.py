"""The monitoring outputs people and machines read: the SVG chart and the Prometheus file."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from signoff.monitor import Point, line_chart, prometheus_text
from signoff.monitor._chart import nice_ticks

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(finite, finite)
def test_nice_ticks_cover_the_range_in_round_steps(a: float, b: float):
    low, high = min(a, b), max(a, b)
    if high - low < 1e-9:
        high = low + 1.0
    ticks = nice_ticks(low, high)
    assert ticks[0] <= low + 1e-9 * max(1.0, abs(low))
    assert ticks[-1] >= high - 1e-9 * max(1.0, abs(high))
    assert 3 <= len(ticks) <= 8
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 2.5, 5, 10))


def test_the_chart_is_valid_svg_marks_failures_and_is_deterministic():
    points = [
        Point("11-01 00:00", 0.05, False, (0.01, 0.09)),
        Point("11-01 12:00", None),
        Point("11-02 00:00", 0.46, True, (0.4, 0.52)),
    ]
    svg = line_chart(points, title="Parity <gap> & more", threshold=0.2)
    assert svg == line_chart(points, title="Parity <gap> & more", threshold=0.2)
    root = ET.fromstring(svg)  # well-formed, the title escaped
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert titles[0] == "Parity <gap> & more"
    assert "11-02 00:00: 0.46 (failed)" in titles
    assert "threshold 0.2" in svg
    assert "not measured" in line_chart([Point("a", None)], title="empty")


def _window(drift_share: float, psi: float) -> dict:
    return {
        "rows": 10,
        "drift": {"share": drift_share, "drifted": [], "columns": {'x "odd"\\': {"psi": psi}}},
        "prediction_drift": {"psi": 0.01, "statistic": 0.1, "selection_rate_change": -0.02},
        "quality": {
            "null_share_change": 0.0,
            "out_of_range_share": 0.0,
            "unseen_category_share": 0.0,
            "schema_change_count": 0,
            "pii_column_count": 0,
        },
        "performance": {"label_coverage": None},
        "fairness": {"sex": {"demographic_parity_difference": {"value": 0.12, "ci": [0, 0.2]},
                             "min_group_size": {"value": 4, "ci": None}}},
    }  # fmt: skip


def test_the_prometheus_file_parses_with_prometheus_own_parser():
    text = prometheus_text(
        [
            ({"model": "b", "status": "error", "end": 1.7e9, "rows": 10, "alerts": 2},
             _window(0.25, 0.3)),
            ({"model": 'a\n"x"', "status": "pass", "end": None, "rows": 5, "alerts": 0},
             _window(0.0, 0.01)),
        ]
    )  # fmt: skip
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert set(families) >= {
        "signoff_monitor_status",
        "signoff_monitor_value",
        "signoff_monitor_column_value",
        "signoff_monitor_attribute_value",
    }
    status = {s.labels["model"]: s.value for s in families["signoff_monitor_status"].samples}
    assert status == {"b": 3.0, 'a\n"x"': 0.0}
    share = {
        s.labels["model"]: s.value
        for s in families["signoff_monitor_value"].samples
        if s.labels["metric"] == "drift_share"
    }
    assert share == {"b": 0.25, 'a\n"x"': 0.0}
    (column,) = {s.labels["column"] for s in families["signoff_monitor_column_value"].samples}
    assert column == 'x "odd"\\'
    for family in families.values():
        for sample in family.samples:
            assert set(sample.labels) <= {"model", "metric", "column", "attribute"}
    parity = [
        s for s in families["signoff_monitor_attribute_value"].samples
        if s.labels["metric"] == "demographic_parity_difference"
    ]  # fmt: skip
    assert [(s.labels["attribute"], s.value) for s in parity] == [("sex", 0.12), ("sex", 0.12)]


@pytest.mark.parametrize("status", ["pass", "info", "warning", "error", "unjudged"])
def test_every_status_has_a_code(status: str):
    text = prometheus_text(
        [({"model": "m", "status": status, "end": 1.0, "rows": 1, "alerts": 0}, _window(0, 0))]
    )
    assert "signoff_monitor_status{" in text
