"""Gate semantics: every comparison at, below and above its threshold; CI mode; missing evidence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from signoff.policy import AuditContext, Gate, Policy
from signoff.policy._evaluate import evaluate, passes

TODAY = dt.date(2026, 1, 15)


def _results(**overall: Any) -> dict[str, Any]:
    """A small results.json: two attributes, two groups each."""

    def est(value: float | None, ci: list[float] | None = None) -> dict[str, Any]:
        return {"value": value, "ci": ci}

    def block(dpd: float, counts: tuple[int, int], recalls: tuple[float, float]) -> dict[str, Any]:
        return {
            "demographic_parity_difference": est(dpd, [dpd - 0.05, dpd + 0.05]),
            "min_group_size": est(min(counts)),
            "groups": {
                "a": {
                    "count": est(counts[0]),
                    "recall": est(recalls[0], [recalls[0] - 0.1, recalls[0] + 0.1]),
                },
                "b": {"count": est(counts[1]), "recall": est(recalls[1], None)},
            },
        }

    base = {"accuracy": est(0.8, [0.75, 0.85]), "min_group_size": est(40)}
    base.update({k: (est(*v) if isinstance(v, tuple) else v) for k, v in overall.items()})
    return {
        "overall": base,
        "by_attribute": {
            "sex": block(0.04, (40, 60), (0.7, 0.9)),
            "age": block(0.12, (45, 55), (0.8, 0.6)),
        },
    }


def _gate(**kw: Any) -> Gate:
    kw.setdefault("name", "g")
    kw.setdefault("metric", "accuracy")
    kw.setdefault("severity", "error")
    return Gate(**kw)


def _run(*gates: Gate, results: dict[str, Any] | None = None, **context: Any):
    policy = Policy(policy_name="p", version="1", gates=gates)
    out = evaluate(policy, results or _results(), AuditContext(today=TODAY, **context))
    return [g for g in out if g.kind == "metric"]


@pytest.mark.parametrize(
    ("comparison", "threshold", "below", "at", "above"),
    [
        ("less_than", 0.5, True, False, False),
        ("less_equal", 0.5, True, True, False),
        ("greater_than", 0.5, False, False, True),
        ("greater_equal", 0.5, False, True, True),
        ("equal", 0.5, False, True, False),
    ],
)
def test_comparison_semantics(comparison, threshold, below, at, above):
    gate = _gate(comparison=comparison, threshold=threshold)
    assert passes(threshold - 0.01, gate) is below
    assert passes(threshold, gate) is at
    assert passes(threshold + 0.01, gate) is above


def test_between_is_inclusive():
    gate = _gate(comparison="between", threshold=[0.8, 1.25])
    assert [passes(v, gate) for v in (0.79, 0.8, 1.0, 1.25, 1.26)] == [
        False,
        True,
        True,
        True,
        False,
    ]


@pytest.mark.parametrize(
    ("comparison", "threshold", "status"),
    [
        ("greater_equal", 0.78, "PASS"),
        ("greater_equal", 0.8, "PASS"),
        ("greater_equal", 0.81, "FAIL"),
    ],
)
def test_point_estimate_mode(comparison, threshold, status):
    [result] = _run(_gate(comparison=comparison, threshold=threshold))
    assert result.status == status
    assert result.value == 0.8


@pytest.mark.parametrize(
    ("comparison", "threshold", "status", "judged"),
    [
        ("greater_equal", 0.76, "FAIL", 0.75),  # point 0.8 passes, lower bound 0.75 does not
        ("greater_equal", 0.75, "PASS", 0.75),
        ("less_than", 0.84, "FAIL", 0.85),
        ("less_than", 0.86, "PASS", 0.85),
        ("between", [0.7, 0.84], "FAIL", 0.85),
        ("between", [0.7, 0.9], "PASS", 0.85),
    ],
)
def test_confidence_bound_mode_judges_the_pessimistic_end(comparison, threshold, status, judged):
    [result] = _run(_gate(comparison=comparison, threshold=threshold, use_confidence_bound=True))
    assert result.status == status
    assert result.measurements[0].judged == judged


@pytest.mark.parametrize(
    ("severity", "status"), [("error", "FAIL"), ("warning", "WARN"), ("info", "INFO")]
)
def test_missing_evidence_never_passes(severity, status):
    results = _results(accuracy=(None, None))
    [result] = _run(
        _gate(comparison="greater_equal", threshold=0.5, severity=severity), results=results
    )
    assert result.status == status
    assert result.message.startswith("missing evidence: accuracy has no value for overall")
    [absent] = _run(
        _gate(metric="roc_auc", comparison="greater_equal", threshold=0.5, severity=severity)
    )
    assert absent.status == status
    assert "missing evidence: roc_auc" in absent.message


def test_confidence_bound_without_interval_is_missing_evidence():
    results = _results(accuracy=(0.9, None))
    [result] = _run(
        _gate(comparison="greater_equal", threshold=0.5, use_confidence_bound=True), results=results
    )
    assert result.status == "FAIL"
    assert "no confidence interval" in result.message


def test_disparity_gate_applies_to_every_attribute_and_fails_if_any_fails():
    [result] = _run(
        _gate(metric="demographic_parity_difference", comparison="less_than", threshold=0.1)
    )
    assert result.status == "FAIL"
    assert result.attribute == "age"
    assert result.value == 0.12
    assert [(m.attribute, m.value, m.passed) for m in result.measurements] == [
        ("sex", 0.04, True),
        ("age", 0.12, False),
    ]
    assert "(1 of 2 failing)" in result.message
    [scoped] = _run(
        _gate(
            metric="demographic_parity_difference",
            comparison="less_than",
            threshold=0.1,
            attributes=["sex"],
        )
    )
    assert scoped.status == "PASS"


def test_overall_metric_with_attribute_scope_is_judged_per_attribute():
    [result] = _run(
        _gate(
            metric="min_group_size",
            comparison="greater_equal",
            threshold=42,
            attributes=["sex", "age"],
        )
    )
    assert [(m.attribute, m.value) for m in result.measurements] == [("sex", 40), ("age", 45)]
    assert result.status == "FAIL"
    [overall] = _run(_gate(metric="min_group_size", comparison="greater_equal", threshold=42))
    assert overall.measurements[0].attribute is None


def test_group_metric_is_judged_per_group():
    [result] = _run(
        _gate(metric="recall", comparison="greater_equal", threshold=0.65, attributes=["age"])
    )
    assert [(m.group, m.passed) for m in result.measurements] == [("a", True), ("b", False)]
    assert result.group == "b"


def test_unknown_attribute_in_scope_is_an_error_status():
    [result] = _run(
        _gate(
            metric="demographic_parity_difference",
            comparison="less_than",
            threshold=0.1,
            attributes=["race"],
        )
    )
    assert result.status == "ERROR"
    assert result.blocking
    assert "attribute(s) ['race'] are not in the audit; audited: sex, age" in result.message


def _extra(policy: Policy, **context: Any):
    return [
        g
        for g in evaluate(policy, _results(), AuditContext(today=TODAY, **context))
        if g.kind != "metric"
    ]


def test_reproducibility_requirements_are_gates():
    policy = Policy.model_validate(
        {
            "policy_name": "p",
            "version": "1",
            "reproducibility": {"seed_required": True, "git_commit_required": True},
        }
    )
    gates = {g.name: g for g in _extra(policy, seed_set=True, git={"commit": "abc", "dirty": True})}
    assert gates["Reproducibility: seed set"].status == "PASS"
    clean = gates["Reproducibility: clean git commit"]
    assert clean.status == "FAIL"
    assert clean.message == "commit abc with uncommitted changes"
    assert "Reproducibility: strict mode" not in gates
    strict = {g.name for g in _extra(policy, strict=True)}
    assert {"Reproducibility: strict mode", "Reproducibility: manifest"} <= strict


@pytest.mark.parametrize(
    ("fields", "strict", "status", "message"),
    [
        ({"effective_date": "2025-01-01"}, False, "PASS", "in effect on 2026-01-15"),
        ({"expires": "2026-01-01"}, False, "WARN", "expired on 2026-01-01"),
        ({"effective_date": "2026-06-01"}, False, "WARN", "not in effect until 2026-06-01"),
        ({"effective_date": "2026-06-01"}, True, "FAIL", "not in effect until 2026-06-01"),
    ],
)
def test_policy_dates(fields, strict, status, message):
    policy = Policy.model_validate({"policy_name": "p", "version": "1", **fields})
    [in_force] = [g for g in _extra(policy, strict=strict) if g.name == "Policy in force"]
    assert (in_force.status, in_force.message) == (status, message)


def test_overdue_review_warns():
    policy = Policy.model_validate(
        {
            "policy_name": "p",
            "version": "1",
            "review_cycle": {"frequency": "quarterly", "next_review": "2025-12-31"},
        }
    )
    [review] = [g for g in _extra(policy) if g.name == "Policy review current"]
    assert review.status == "WARN"
    assert review.message == "review overdue since 2025-12-31"


def test_the_worst_failure_decides_and_else_the_closest_pass():
    [both] = _run(
        _gate(metric="demographic_parity_difference", comparison="less_than", threshold=0.03)
    )
    assert (both.attribute, both.value) == ("age", 0.12)
    assert "(2 of 2 failing)" in both.message
    [neither] = _run(
        _gate(metric="demographic_parity_difference", comparison="less_than", threshold=0.5)
    )
    assert (neither.attribute, neither.value) == ("age", 0.12)  # closest to the threshold


def _malformed(path: str, value: Any) -> dict[str, Any]:
    """The standard results with the part at dotted ``path`` replaced by ``value``."""
    results = _results()
    *parents, last = path.split(".")
    node = results
    for key in parents:
        node = node[key]
    node[last] = value
    return results


@pytest.mark.parametrize(
    ("gate", "path", "value", "said"),
    [
        (
            _gate(comparison="greater_equal", threshold=0.5),
            "overall",
            [1, 2],
            "at overall: expected an object, got an array",
        ),
        (
            _gate(comparison="greater_equal", threshold=0.5),
            "overall.accuracy",
            0.8,
            "at overall.accuracy: expected an object, got the num",
        ),
        (
            _gate(comparison="greater_equal", threshold=0.5),
            "overall.accuracy.value",
            "0.8",
            "overall.accuracy.value: expected a number or",
        ),
        (
            _gate(comparison="greater_equal", threshold=0.5),
            "overall.accuracy.value",
            True,
            "expected a number or null, got a boolean",
        ),
        (
            _gate(comparison="greater_equal", threshold=0.5),
            "overall.accuracy.ci",
            [0.7],
            "overall.accuracy.ci: expected [low, high] or nu",
        ),
        (
            _gate(comparison="greater_equal", threshold=0.5, use_confidence_bound=True),
            "overall.accuracy.ci",
            ["a", 1],
            "overall.accuracy.ci[0]: expected a number or null, got the string 'a'",
        ),
        (
            _gate(metric="demographic_parity_difference", comparison="less_than", threshold=0.1),
            "by_attribute",
            "sex",
            "at by_attribute: expected an object, got the string 'sex'",
        ),
        (
            _gate(metric="demographic_parity_difference", comparison="less_than", threshold=0.1),
            "by_attribute.age",
            None,
            "at by_attribute.age: expected an object, got null",
        ),
        (
            _gate(metric="recall", comparison="greater_equal", threshold=0.5, attributes=["sex"]),
            "by_attribute.sex.groups",
            [],
            "at by_attribute.sex.groups: expected an object, got an array",
        ),
        (
            _gate(metric="recall", comparison="greater_equal", threshold=0.5, attributes=["sex"]),
            "by_attribute.sex.groups.b.recall.value",
            {},
            "by_attribute.sex.groups.b.recall.value: expected a number or null, got a dict",
        ),
    ],
)
def test_malformed_results_are_an_error_gate_naming_the_place_never_a_crash(
    gate, path, value, said
):
    # results.json attached through the Python API (or edited before it was hashed) can
    # have any shape: the gate says where and what was expected, and never passes
    [result] = _run(gate, results=_malformed(path, value))
    assert result.status == "ERROR"
    assert said in result.message
    assert result.message.startswith("results.json is malformed at ")
    assert "signoff audit" in result.remediation


def test_a_results_document_that_is_not_an_object_is_an_error_gate():
    policy = Policy(
        policy_name="p", version="1", gates=(_gate(comparison="greater_equal", threshold=0.5),)
    )
    [result, *_] = evaluate(policy, ["not", "an", "object"], AuditContext(today=TODAY))  # type: ignore[arg-type]
    assert result.status == "ERROR"
    assert "at the top level: expected an object, got an array" in result.message


def test_a_manifest_git_block_of_the_wrong_shape_is_not_a_clean_commit():
    policy = Policy(
        policy_name="p", version="1", gates=(), reproducibility={"git_commit_required": True}
    )
    git = {"commit": "abc123def456"}  # no "dirty": never taken as clean
    [check] = [
        g
        for g in evaluate(policy, _results(), AuditContext(today=TODAY, git=git))
        if g.kind == "reproducibility"
    ]
    assert check.status == "FAIL"
    assert "uncommitted changes" in check.message
