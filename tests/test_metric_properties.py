"""Properties every metric must have, parametrized over the metric registry.

* row order does not matter (points and intervals);
* renaming groups permutes the per-group results and leaves every disparity unchanged;
* repeating every row k times leaves every rate unchanged (integer weights = repeated rows);
* the count tables of two halves add up to the table of the whole;
* the registry is honest: every metric appears in results.json at every level it declares,
  nothing else looks like a metric there, and its interval flag and bounds hold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import signoff
from signoff.evidence import build_table, make_grid
from signoff.metrics import GROUP_STATISTICS, METRICS, group_statistics

GROUP_LEVEL = sorted(name for name, spec in METRICS.items() if "group" in spec.levels)
ATTRIBUTE_LEVEL = sorted(name for name, spec in METRICS.items() if "attribute" in spec.levels)
SCALE_WITH_ROWS = {"count", "min_group_size", "statistical_power"}  # not rates: they grow with N
THRESHOLD = 0.45
RTOL = 1e-9  # float sums in another order differ in the last bits; nothing else may differ

G_NAMES = {"a": "zulu", "b": "alpha", "c": "mike"}  # sorted order becomes b, c, a
H_NAMES = {"p": "yes", "q": "no"}  # sorted order becomes q, p


def make_frame(n: int = 800, seed: int = 3) -> pd.DataFrame:
    """Scores rounded to 2 decimals (ties), some exactly on the threshold, three × two groups."""
    rng = np.random.default_rng(seed)
    g = rng.choice(np.array(["a", "b", "c"]), size=n, p=[0.5, 0.3, 0.2])
    h = rng.choice(np.array(["p", "q"]), size=n, p=[0.6, 0.4])
    centre = np.select([g == "a", g == "b"], [0.5, -0.4], 0.0) + np.where(h == "q", 0.3, 0.0)
    s = np.round(1.0 / (1.0 + np.exp(-rng.normal(centre, 1.3))), 2)
    s[:20] = THRESHOLD
    y = (rng.random(n) < 0.15 + 0.7 * s).astype(np.int64)
    return pd.DataFrame({"y": y, "s": s, "g": g, "h": h})


def run_audit(
    folder: Path, frame: pd.DataFrame, *, replicates: int = 0, privileged: str = "q"
) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "data.csv"
    frame.to_csv(path, index=False)
    config = {
        "data": {"path": str(path), "target": "y", "score_column": "s"},
        "protected_attributes": {"g": {}, "h": {"privileged": privileged}},
        "intersections": [["g", "h"]],
        "threshold": THRESHOLD,
        "seed": 7,
        "bootstrap": {"replicates": replicates},
        "explain": {"permutation_repeats": 0},
    }
    return dict(signoff.audit(config).results)


def same(a: dict[str, Any], b: dict[str, Any], where: str, *, ci: bool = True) -> None:
    """Two ``{"value", "ci"}`` estimates agree (None ↔ None)."""
    if a["value"] is None:
        assert b["value"] is None, where
    else:
        np.testing.assert_allclose(b["value"], a["value"], rtol=RTOL, atol=1e-12, err_msg=where)
    if ci:
        if a["ci"] is None:
            assert b["ci"] is None, where
        else:
            np.testing.assert_allclose(b["ci"], a["ci"], rtol=RTOL, atol=1e-12, err_msg=where)


def rename(label: str) -> str:
    """A group label of the original frame → the same group's label after renaming."""
    parts = label.split("*")
    if len(parts) == 2:
        return f"{G_NAMES[parts[0]]}*{H_NAMES[parts[1]]}"
    return G_NAMES.get(label) or H_NAMES[label]


@pytest.fixture(scope="module")
def audits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("properties")
    frame = make_frame()
    permuted = frame.sample(frac=1.0, random_state=1).reset_index(drop=True)
    renamed = frame.assign(g=frame["g"].map(G_NAMES), h=frame["h"].map(H_NAMES))
    repeated = frame.loc[frame.index.repeat(3)].reset_index(drop=True)
    return {
        "base": run_audit(folder / "base", frame),
        "base_ci": run_audit(folder / "base_ci", frame, replicates=300),
        "permuted_ci": run_audit(folder / "permuted_ci", permuted, replicates=300),
        "renamed": run_audit(folder / "renamed", renamed, privileged=H_NAMES["q"]),
        "repeated": run_audit(folder / "repeated", repeated),
    }


ATTRIBUTES = ("g", "h", "g*h")


# --- row order --------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", GROUP_LEVEL)
def test_group_metric_ignores_row_order(audits: dict[str, Any], metric: str) -> None:
    base, permuted = audits["base_ci"], audits["permuted_ci"]
    for attribute in ATTRIBUTES:
        groups = base["by_attribute"][attribute]["groups"]
        other = permuted["by_attribute"][attribute]["groups"]
        assert list(other) == list(groups)
        for label, entry in groups.items():
            same(entry[metric], other[label][metric], f"{attribute}={label} {metric}")
    if metric in base["overall"]:
        same(base["overall"][metric], permuted["overall"][metric], f"overall {metric}")


@pytest.mark.parametrize("metric", ATTRIBUTE_LEVEL)
def test_attribute_metric_ignores_row_order(audits: dict[str, Any], metric: str) -> None:
    base, permuted = audits["base_ci"], audits["permuted_ci"]
    for attribute in ATTRIBUTES:
        same(
            base["by_attribute"][attribute][metric],
            permuted["by_attribute"][attribute][metric],
            f"{attribute} {metric}",
        )


# --- relabelled groups ------------------------------------------------------------------------


def test_renaming_reorders_the_groups() -> None:
    """The renaming really changes the group order (else the tests below prove little)."""
    assert sorted(G_NAMES.values()) != [G_NAMES[k] for k in sorted(G_NAMES)]
    assert sorted(H_NAMES.values()) != [H_NAMES[k] for k in sorted(H_NAMES)]


@pytest.mark.parametrize("metric", GROUP_LEVEL)
def test_renamed_groups_permute_group_results(audits: dict[str, Any], metric: str) -> None:
    base, renamed = audits["base"], audits["renamed"]
    for attribute in ATTRIBUTES:
        groups = base["by_attribute"][attribute]["groups"]
        other = renamed["by_attribute"][attribute]["groups"]
        assert sorted(other) == sorted(rename(label) for label in groups)
        for label, entry in groups.items():
            same(entry[metric], other[rename(label)][metric], f"{attribute}={label} {metric}")


@pytest.mark.parametrize("metric", ATTRIBUTE_LEVEL)
def test_renamed_groups_leave_disparities_unchanged(audits: dict[str, Any], metric: str) -> None:
    base, renamed = audits["base"], audits["renamed"]
    for attribute in ATTRIBUTES:
        same(
            base["by_attribute"][attribute][metric],
            renamed["by_attribute"][attribute][metric],
            f"{attribute} {metric}",
        )
    assert renamed["by_attribute"]["h"]["privileged"] == H_NAMES["q"]


def test_renamed_groups_leave_overall_unchanged(audits: dict[str, Any]) -> None:
    base, renamed = audits["base"], audits["renamed"]
    for metric, entry in base["overall"].items():
        same(entry, renamed["overall"][metric], f"overall {metric}")
    assert base["confusion_matrix"] == renamed["confusion_matrix"]


# --- integer duplication ----------------------------------------------------------------------


@pytest.mark.parametrize("metric", GROUP_LEVEL)
def test_repeating_every_row_keeps_group_rates(audits: dict[str, Any], metric: str) -> None:
    base, repeated = audits["base"], audits["repeated"]
    factor = 3.0 if metric in SCALE_WITH_ROWS else 1.0
    for attribute in ATTRIBUTES:
        groups = base["by_attribute"][attribute]["groups"]
        other = repeated["by_attribute"][attribute]["groups"]
        for label, entry in groups.items():
            expected = dict(entry[metric])
            if expected["value"] is not None:
                expected["value"] *= factor
            same(expected, other[label][metric], f"{attribute}={label} {metric}", ci=False)


@pytest.mark.parametrize("metric", sorted(set(ATTRIBUTE_LEVEL) - SCALE_WITH_ROWS))
def test_repeating_every_row_keeps_disparities(audits: dict[str, Any], metric: str) -> None:
    base, repeated = audits["base"], audits["repeated"]
    for attribute in ATTRIBUTES:
        same(
            base["by_attribute"][attribute][metric],
            repeated["by_attribute"][attribute][metric],
            f"{attribute} {metric}",
            ci=False,
        )


def test_repeating_every_row_keeps_overall_rates(audits: dict[str, Any]) -> None:
    base, repeated = audits["base"], audits["repeated"]
    scale = {"min_group_size", "row_count", "statistical_power"}
    for metric, entry in base["overall"].items():
        if metric in scale or METRICS[metric].needs == ():  # data quality: not a rate of rows
            continue
        same(entry, repeated["overall"][metric], f"overall {metric}", ci=False)
    assert repeated["overall"]["row_count"]["value"] == 3 * base["overall"]["row_count"]["value"]
    cm_base, cm_rep = base["confusion_matrix"], repeated["confusion_matrix"]
    assert cm_rep == {k: 3 * v for k, v in cm_base.items()}


# --- count tables add up ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def halves() -> dict[str, Any]:
    frame = make_frame(n=1200, seed=9)
    y = frame["y"].to_numpy(np.int8)
    s = frame["s"].to_numpy(np.float64)
    groups = (frame["g"].map({"a": 0, "b": 1, "c": 2}) * 2 + (frame["h"] == "q")).to_numpy(np.intp)
    grid = make_grid(s, threshold=THRESHOLD)
    first = np.random.default_rng(0).random(y.shape[0]) < 0.4
    whole = build_table(y, s, groups, 6, grid)
    a = build_table(y[first], s[first], groups[first], 6, grid)
    b = build_table(y[~first], s[~first], groups[~first], 6, grid)
    return {"whole": whole, "sum": a + b, "a": a, "b": b}


@pytest.mark.parametrize("metric", GROUP_STATISTICS)
def test_tables_of_two_halves_add_up_to_the_whole(halves: dict[str, Any], metric: str) -> None:
    whole, summed = halves["whole"], halves["sum"]
    to_attribute = np.array([0, 0, 1, 1, 2, 2], dtype=np.intp)  # joint (g, h) → g
    for view, (left, right) in {
        "joint": (whole, summed),
        "attribute": (whole.regroup(to_attribute, 3), summed.regroup(to_attribute, 3)),
        "overall": (whole.total(), summed.total()),
    }.items():
        np.testing.assert_allclose(
            group_statistics(right)[metric],
            group_statistics(left)[metric],
            rtol=1e-12,
            atol=1e-12,
            equal_nan=True,
            err_msg=f"{view} {metric}",
        )


def test_table_addition_is_cellwise(halves: dict[str, Any]) -> None:
    whole, summed = halves["whole"], halves["sum"]
    np.testing.assert_array_equal(summed.n, whole.n)  # counts are exact
    for field in ("s", "s2", "ll"):
        np.testing.assert_allclose(getattr(summed, field), getattr(whole, field), rtol=1e-12)
    to_attribute = np.array([0, 0, 1, 1, 2, 2], dtype=np.intp)
    regrouped = halves["a"].regroup(to_attribute, 3) + halves["b"].regroup(to_attribute, 3)
    np.testing.assert_array_equal(regrouped.n, whole.regroup(to_attribute, 3).n)


def test_tables_over_different_grids_do_not_add(halves: dict[str, Any]) -> None:
    table = halves["a"]
    other = build_table(
        np.array([1], dtype=np.int8),
        np.array([0.5]),
        np.array([0], dtype=np.intp),
        6,
        make_grid(np.array([0.5]), threshold=THRESHOLD),
    )
    with pytest.raises(ValueError, match="different score grids"):
        table + other


# --- the registry is honest -------------------------------------------------------------------


def _is_estimate(entry: Any) -> bool:
    return isinstance(entry, dict) and set(entry) == {"value", "ci"}


@pytest.fixture(scope="module")
def demo_results(demo_template: Path) -> dict[str, Any]:
    """The full pipeline with a model (so importance and proxies are computed)."""
    return dict(signoff.audit(demo_template / "audit.yaml").results)


def _places(results: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(level, where, mapping) for every place results.json holds metrics."""
    out = [("overall", "overall", results["overall"])]
    for attribute, block in results["by_attribute"].items():
        out.append(("attribute", attribute, block))
        for label, entry in block["groups"].items():
            out.append(("group", f"{attribute}={label}", entry))
    return out


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_every_registry_metric_appears_at_its_declared_levels(
    demo_results: dict[str, Any], metric: str
) -> None:
    spec = METRICS[metric]
    seen_ci = False
    for level, where, mapping in _places(demo_results):
        if level not in spec.levels:
            assert metric not in mapping, f"{metric} at undeclared level {level} ({where})"
            continue
        assert metric in mapping, f"{metric} missing at {where}"
        entry = mapping[metric]
        assert _is_estimate(entry), where
        if not spec.ci:
            assert entry["ci"] is None, f"{metric} has no interval, yet {where} shows one"
        seen_ci = seen_ci or entry["ci"] is not None
        low, high = spec.bounds
        for x in [entry["value"], *(entry["ci"] or [])]:
            if x is not None:
                assert low is None or x >= low - 1e-12, f"{where} {metric} = {x} < {low}"
                assert high is None or x <= high + 1e-12, f"{where} {metric} = {x} > {high}"
    if spec.ci:
        assert seen_ci, f"{metric} is declared with an interval but none was reported"


def test_nothing_unregistered_looks_like_a_metric(demo_results: dict[str, Any]) -> None:
    for level, where, mapping in _places(demo_results):
        for key, entry in mapping.items():
            if _is_estimate(entry):
                assert key in METRICS, f"{where}.{key} is not in the registry"
                assert level in METRICS[key].levels, f"{where}.{key}: level {level} not declared"
