"""The metric registry is the single source of metric names, labels and table orders.

* every entry names a function that exists, and the functions whose result
  is a dict by metric name (count statistics, disparities) do return it;
* every table of the terminal summary, the report and the model card shows
  registry metrics only, with the registry's labels;
* no module of the report or the command line keeps its own list of metric
  names (a scan of their source for literal tuples, lists or dicts of names);
* a policy may name every registry metric, and nothing else.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import signoff
from signoff.evidence import build_table, make_grid
from signoff.metrics import (
    DISPARITY_METRICS,
    METRICS,
    SECTIONS,
    TABLES,
    closest_metrics,
    disparities,
    group_statistics,
)
from signoff.metrics._reference import metric_reference
from signoff.policy._load import UNKNOWN_METRIC, load_policy
from signoff.report import load_audit, model_card_context, report_context

SOURCE = Path(signoff.__file__).parent
FACES = sorted([*(SOURCE / "report").glob("*.py"), *(SOURCE / "cli").glob("*.py")])


@pytest.fixture(scope="module")
def statistics() -> dict[str, object]:
    rng = np.random.default_rng(5)
    scores = rng.random(400)
    labels = (rng.random(400) < scores).astype(np.int8)
    groups = rng.integers(0, 3, 400)
    table = build_table(labels, scores, groups, 3, make_grid(scores, threshold=0.5))
    stats = group_statistics(table)
    return {**stats, **disparities(stats)}


@pytest.mark.parametrize("name", list(METRICS))
def test_every_entry_names_the_function_that_computes_it(name: str, statistics: dict):
    spec = METRICS[name]
    assert callable(spec.function), spec.computed_by
    if spec.function in (group_statistics, disparities) and name != "min_group_size":
        assert name in statistics, f"{spec.computed_by} returns no {name!r}"
    assert spec.section in SECTIONS
    assert spec.label[:1].isupper()


def test_disparity_metrics_are_the_fairness_section_and_what_disparities_returns(statistics):
    assert set(DISPARITY_METRICS) == {n for n, s in METRICS.items() if s.section == "fairness"}
    assert set(DISPARITY_METRICS) <= set(statistics)


def test_sections_follow_the_registry_order():
    order = list(SECTIONS)
    positions = [order.index(spec.section) for spec in METRICS.values()]
    assert positions == sorted(positions), "registry entries of one section must be together"


@pytest.mark.parametrize("name", list(TABLES))
def test_every_table_shows_registry_metrics_only(name: str):
    shown = TABLES[name]
    assert shown, name
    assert set(shown) <= set(METRICS), f"{name} shows {set(shown) - set(METRICS)}"
    assert len(set(shown)) == len(shown), f"{name} shows a metric twice"


def _metric_name_literals(path: Path) -> list[tuple[int, list[str]]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Dict):  # a table of labels by name, not a record of values
            labels = all(
                isinstance(v, ast.Constant) and isinstance(v.value, str) for v in node.values
            )
            items = node.keys if labels else []
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = node.elts
        else:
            continue
        names = [i.value for i in items if isinstance(i, ast.Constant) and i.value in METRICS]
        if len(names) >= 2:
            found.append((node.lineno, names))
    return found


@pytest.mark.parametrize("path", FACES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_face_keeps_its_own_list_of_metric_names(path: Path):
    assert _metric_name_literals(path) == [], "read the names from signoff.metrics.TABLES"


def test_the_scan_finds_a_list_of_metric_names(tmp_path: Path):
    module = tmp_path / "copy.py"
    module.write_text('ROWS = ("accuracy", "precision")\nLABELS = {"f1": "F1", "recall": "TPR"}\n')
    assert _metric_name_literals(module) == [(1, ["accuracy", "precision"]), (2, ["f1", "recall"])]


def test_report_and_model_card_tables_use_registry_names_and_labels(demo: Path, tmp_path: Path):
    signoff.audit(demo / "audit.yaml").write(tmp_path / "out")
    documents = load_audit(tmp_path / "out")
    context = report_context(documents.results, documents.manifest)
    rows = context["performance"]["rows"] + context["calibration"]["rows"]
    for attribute in context["fairness"]["attributes"]:
        rows += attribute["disparities"]
    assert rows
    for row in rows:
        assert row["label"] == METRICS[row["name"]].label
    headings = [METRICS[m].column_heading for m in TABLES["report_group_columns"]]
    assert context["fairness"]["group_labels"] == headings
    card = model_card_context(documents.results, documents.manifest)
    assert [row["label"] for row in card["overall"]] == [
        METRICS[m].label for m in TABLES["model_card"]
    ]
    assert card["disparity_labels"] == [METRICS[m].label for m in TABLES["key_disparities"]]


def test_the_metric_docs_are_generated_from_the_registry():
    text = (Path(__file__).resolve().parents[1] / "docs" / "metrics.md").read_text()
    assert text == metric_reference()
    for spec in METRICS.values():
        assert f"| `{spec.name}` | {spec.label} |" in text


def _policy(tmp_path: Path, metric: str) -> Path:
    low = METRICS[metric].bounds[0] if metric in METRICS else None
    threshold = (low or 0.0) + 0.5  # inside the metric's range
    path = tmp_path / "policy.yaml"
    path.write_text(
        'policy_name: "p"\nversion: "1"\neffective_date: "2025-01-01"\ngates:\n'
        f"  - {{name: g, metric: {metric}, threshold: {threshold}, comparison: less_equal, severity: info}}\n"
    )
    return path


@pytest.mark.parametrize("metric", list(METRICS))
def test_a_policy_may_name_every_registry_metric(tmp_path: Path, metric: str):
    assert load_policy(_policy(tmp_path, metric)).policy.gates[0].metric == metric


def test_a_policy_naming_another_metric_is_refused_with_the_closest_names(tmp_path: Path):
    from signoff.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        load_policy(_policy(tmp_path, "acuracy"))
    hint = f" (did you mean {', '.join(closest_metrics('acuracy'))}?)"
    assert UNKNOWN_METRIC.format(metric="acuracy", hint=hint) in str(caught.value)
