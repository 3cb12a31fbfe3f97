"""The bundled policy templates validate and make sense; every metric has guidance."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import pytest
import yaml

from signoff.metrics import METRICS
from signoff.policy import REPRODUCIBILITY_GUIDANCE, Gate, Policy
from signoff.policy._guidance import GUIDANCE, MetricGuidance, guidance
from signoff.policy._load import load_policy

TEMPLATE_NAMES = ("credit_baseline.yaml", "eu_ai_act_high_risk.yaml", "four_fifths.yaml")
RATIOS = {"demographic_parity_ratio", "disparate_impact"}
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _templates() -> Traversable:
    return resources.files("signoff.policy") / "templates"


def _raw(name: str) -> dict[str, Any]:
    data = yaml.safe_load((_templates() / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _policy(name: str) -> Policy:
    return Policy.model_validate(_raw(name))


def _gates() -> list[tuple[str, Gate]]:
    return [(name, gate) for name in TEMPLATE_NAMES for gate in _policy(name).gates]


def _gate_ids() -> list[str]:
    return [f"{name}:{gate.key}" for name, gate in _gates()]


def _comparison_problems(gate: Gate) -> list[str]:
    """Why ``gate``'s comparison does not fit its metric's direction and bounds."""
    spec = METRICS[gate.metric]
    low, high = spec.bounds
    lo = -float("inf") if low is None else low
    hi = float("inf") if high is None else high
    problems = []
    if isinstance(gate.threshold, tuple):
        t_low, t_high = gate.threshold
        if t_low < lo or t_high > hi:
            problems.append(f"[{t_low}, {t_high}] reaches outside the range [{lo}, {hi}]")
        if t_low <= lo and t_high >= hi:
            problems.append(f"[{t_low}, {t_high}] covers the whole range: it cannot fail")
        if gate.metric in RATIOS and not t_low < 1 <= t_high:
            problems.append("a ratio band should contain parity (1)")
        return problems
    t = gate.threshold
    if gate.comparison == "equal":
        problems.append("`equal` on a measured value is fragile; use a bound")
    elif gate.comparison.startswith("less"):
        if spec.direction != "lower":
            problems.append(f"{gate.metric} is better higher, yet the gate caps it")
        if (gate.comparison == "less_equal" and t >= hi) or t > hi:
            problems.append(f"threshold {t} is at or above the maximum {hi}: it cannot fail")
        if (gate.comparison == "less_than" and t <= lo) or t < lo:
            problems.append(f"threshold {t} is at or below the minimum {lo}: it cannot pass")
    else:
        if spec.direction != "higher":
            problems.append(f"{gate.metric} is better lower, yet the gate floors it")
        if (gate.comparison == "greater_equal" and t <= lo) or t < lo:
            problems.append(f"threshold {t} is at or below the minimum {lo}: it cannot fail")
        if (gate.comparison == "greater_than" and t >= hi) or t > hi:
            problems.append(f"threshold {t} is at or above the maximum {hi}: it cannot pass")
        if gate.metric in RATIOS and t > 1:
            problems.append("a ratio gate above 1 belongs in a `between` band")
    return problems


# --- the templates ----------------------------------------------------------------


def test_templates_are_package_data():
    found = sorted(p.name for p in _templates().iterdir() if p.name.endswith(".yaml"))
    assert found == sorted(TEMPLATE_NAMES)


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_template_validates(name: str):
    policy = _policy(name)
    assert policy.gates
    assert policy.citation
    assert policy.review_cycle.frequency is not None
    assert policy.review_cycle.owner


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_template_has_stable_unique_ids(name: str):
    ids = [gate.id for gate in _policy(name).gates]
    assert all(i is not None and ID_PATTERN.match(i) for i in ids), ids
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_template_dates(name: str):
    raw = _raw(name)
    # Dates are quoted strings in the files (as in DESIGN.md) and parse as dates.
    policy = Policy.model_validate(raw)
    assert isinstance(policy.effective_date, dt.date)
    assert policy.review_cycle.next_review is not None
    assert policy.review_cycle.next_review.year == 2027
    assert policy.expires is None or policy.expires > policy.effective_date


@pytest.mark.parametrize(("name", "gate"), _gates(), ids=_gate_ids())
def test_gate_is_sensible(name: str, gate: Gate):
    assert gate.metric in METRICS, f"{name}: unknown metric {gate.metric!r}"
    assert gate.clause.strip(), f"{name}: gate {gate.key} has no clause"
    assert gate.rationale.strip(), f"{name}: gate {gate.key} has no rationale"
    assert _comparison_problems(gate) == []
    spec = METRICS[gate.metric]
    if gate.use_confidence_bound:
        assert spec.ci, f"{gate.metric} has no interval to judge"
    if gate.attributes is not None:
        assert {"attribute", "group"} & set(spec.levels)


@pytest.mark.parametrize(
    ("gate", "problem"),
    [
        (Gate(name="g", metric="disparate_impact", threshold=1.25, comparison="greater_equal"),
         "between"),
        (Gate(name="g", metric="roc_auc", threshold=0.7, comparison="less_equal"), "better higher"),
        (Gate(name="g", metric="max_null_share", threshold=1.0, comparison="less_equal"),
         "cannot fail"),
        (Gate(name="g", metric="accuracy", threshold=0.0, comparison="greater_equal"),
         "cannot fail"),
        (Gate(name="g", metric="demographic_parity_ratio", threshold=(0.8, 1.25),
              comparison="between"), "outside"),
        (Gate(name="g", metric="accuracy", threshold=(0.0, 1.0), comparison="between"),
         "whole range"),
        (Gate(name="g", metric="disparate_impact", threshold=(1.1, 1.25), comparison="between"),
         "parity"),
        (Gate(name="g", metric="accuracy", threshold=0.9, comparison="equal"), "fragile"),
    ],
)  # fmt: skip
def test_sensibility_check_catches_nonsense(gate: Gate, problem: str):
    assert any(problem in p for p in _comparison_problems(gate))


def test_credit_baseline_carries_the_design_example():
    policy = _policy("credit_baseline.yaml")
    assert policy.policy_name == "Organization Credit Model Baseline"
    assert policy.effective_date == dt.date(2025, 1, 1)
    assert policy.review_cycle.frequency == "quarterly"
    assert "SR 11-7" in policy.citation
    assert "ECOA" in policy.citation
    gates = {gate.metric: gate for gate in policy.gates}
    parity = gates["demographic_parity_difference"]
    assert (parity.threshold, parity.comparison, parity.severity) == (0.10, "less_than", "error")
    assert "ECOA" in parity.clause
    assert gates["disparate_impact"].threshold == (0.8, 1.25)
    assert gates["roc_auc"].threshold == 0.70
    repro = policy.reproducibility
    assert (repro.strict_mode_required, repro.seed_required, repro.manifest_required) == (
        True,
        True,
        True,
    )
    # The quickstart demo is not a git checkout; the YAML says why.
    assert repro.git_commit_required is False
    assert "git checkout" in (_templates() / "credit_baseline.yaml").read_text(encoding="utf-8")


def test_four_fifths_judges_point_and_bound():
    gates = _policy("four_fifths.yaml").gates
    assert {g.metric for g in gates} == {"disparate_impact"}
    assert all(g.threshold == (0.8, 1.25) and g.attributes is None for g in gates)
    by_bound = {g.use_confidence_bound: g.severity for g in gates}
    assert by_bound == {False: "error", True: "info"}


def test_eu_ai_act_starter():
    policy = _policy("eu_ai_act_high_risk.yaml")
    assert policy.citation == "Regulation (EU) 2024/1689"
    assert policy.effective_date == dt.date(2026, 8, 2)
    assert policy.reproducibility.git_commit_required is True
    text = (_templates() / "eu_ai_act_high_risk.yaml").read_text(encoding="utf-8")
    assert "legal review" in text
    clauses = {g.metric: g.clause for g in policy.gates}
    for metric in ("min_group_size", "max_null_share"):
        assert "Art. 10" in clauses[metric]
    for metric in ("roc_auc", "brier_score", "max_shift_degradation"):
        assert "Art. 15" in clauses[metric]
    for metric in ("equalized_odds_difference", "demographic_parity_difference"):
        assert "Art. 10(2)(f)" in clauses[metric]
    assert "Art. 13" in clauses["protected_attribute_importance_rank"]


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_template_loads_with_the_policy_loader(name: str):
    with resources.as_file(_templates() / name) as path:
        loaded = load_policy(path)
    assert loaded.policy == _policy(name)


def test_a_child_can_tighten_the_credit_baseline(tmp_path: Path):
    with resources.as_file(_templates() / "credit_baseline.yaml") as path:
        shutil.copy(path, tmp_path / "credit_baseline.yaml")
    child = tmp_path / "production.yaml"
    child.write_text(
        "policy_name: Credit production\n"
        'version: "1.0"\n'
        "extends: credit_baseline.yaml\n"
        "gates:\n"
        "  - name: Demographic Parity\n"
        "    id: fairness-demographic-parity\n"
        "    metric: demographic_parity_difference\n"
        "    threshold: 0.05\n"
        "    comparison: less_than\n"
        "    severity: error\n"
        "reproducibility: {git_commit_required: true}\n",
        encoding="utf-8",
    )
    policy = load_policy(child).policy
    parity = {g.key: g for g in policy.gates}["fairness-demographic-parity"]
    assert parity.threshold == 0.05
    assert len(policy.gates) == len(_policy("credit_baseline.yaml").gates)
    assert policy.reproducibility.git_commit_required is True


# --- guidance ---------------------------------------------------------------------


def test_guidance_covers_the_registry_in_order():
    assert list(GUIDANCE) == list(METRICS)


@pytest.mark.parametrize("metric", list(METRICS))
def test_guidance_entry_is_complete(metric: str):
    entry = guidance(metric)
    assert isinstance(entry, MetricGuidance)
    assert entry.metric == metric
    for field in (entry.typical, entry.remediation, entry.interpretation):
        assert field.strip()
        assert field == field.strip()
    assert "\n" not in entry.remediation
    assert len(entry.remediation) < 200


def test_guidance_for_unknown_metric_names_the_closest():
    with pytest.raises(KeyError, match="demographic_parity_difference"):
        guidance("demographic_parity_diff")


def test_reproducibility_guidance():
    assert set(REPRODUCIBILITY_GUIDANCE) == {
        "strict_mode_required",
        "seed_required",
        "manifest_required",
        "git_commit_required",
        "expired",
        "review_overdue",
        "not_yet_effective",
    }
    for text in REPRODUCIBILITY_GUIDANCE.values():
        assert text.strip()
        assert "\n" not in text
        assert len(text) < 200


def test_reproducibility_guidance_matches_the_schema():
    from signoff.policy import Reproducibility

    assert set(Reproducibility.model_fields) <= set(REPRODUCIBILITY_GUIDANCE)
