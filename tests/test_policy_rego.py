"""Custom Rego rules over the audit evidence (signoff[rego], engine: regopy)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from signoff.errors import ConfigError, MissingExtraError
from signoff.policy._rego import REGO_QUERY, evaluate_rego

pytest.importorskip("regopy")

RULES = Path(__file__).parent / "data" / "rego"


def evidence(
    accuracy: float | None = 0.9,
    counts: dict[str, dict[str, int]] | None = None,
    ece: float = 0.01,
    manifest: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A small hand-built input document: results.json parts and a manifest."""
    overall: dict[str, Any] = {"expected_calibration_error": {"value": ece, "ci": None}}
    if accuracy is not None:
        overall["accuracy"] = {"value": accuracy, "ci": [accuracy - 0.02, accuracy + 0.02]}
    counts = counts if counts is not None else {"sex": {"female": 120, "male": 180}}
    by_attribute = {
        attr: {"groups": {g: {"count": {"value": n}} for g, n in groups.items()}}
        for attr, groups in counts.items()
    }
    results = {"overall": overall, "by_attribute": by_attribute}
    return {"results": results, "manifest": manifest if manifest is not None else {"seed": 7}}


def summary(path: Path, ev: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(g.name, g.status, g.message) for g in evaluate_rego(path, ev)]


def test_query_convention() -> None:
    assert REGO_QUERY == "data.signoff.deny"


def test_accuracy_rule_fails_on_low_evidence() -> None:
    (gate,) = evaluate_rego(RULES / "accuracy.rego", evidence(accuracy=0.7))
    assert gate.status == "FAIL"
    assert gate.blocking
    assert gate.kind == "rego"
    assert gate.severity == "error"
    assert gate.name == "rego: accuracy 0.7 is below the 0.8 floor"
    assert gate.message == "accuracy 0.7 is below the 0.8 floor"
    assert gate.clause == "Rego: accuracy.rego"
    assert gate.remediation == (
        "Fix what the rule reports, or change the rule in accuracy.rego through policy review"
    )


def test_accuracy_rule_passes_on_high_evidence_with_one_pass_gate() -> None:
    (gate,) = evaluate_rego(RULES / "accuracy.rego", evidence(accuracy=0.92))
    assert gate.status == "PASS"
    assert gate.name == "rego: accuracy.rego"
    assert gate.clause == "Rego: accuracy.rego"
    assert not gate.blocking


def test_missing_evidence_is_denied_by_an_explicit_rule() -> None:
    assert summary(RULES / "accuracy.rego", evidence(accuracy=None)) == [
        (
            "rego: accuracy is missing from the evidence",
            "FAIL",
            "accuracy is missing from the evidence",
        )
    ]


def test_rule_iterating_over_groups_denies_each_small_group() -> None:
    counts = {"sex": {"female": 12, "male": 300}, "age_group": {"<25": 8, "25+": 304}}
    assert summary(RULES / "small_groups.rego", evidence(counts=counts)) == [
        (
            "rego: group age_group=<25 has 8 rows, fewer than 30",
            "FAIL",
            "group age_group=<25 has 8 rows, fewer than 30",
        ),
        (
            "rego: group sex=female has 12 rows, fewer than 30",
            "FAIL",
            "group sex=female has 12 rows, fewer than 30",
        ),
    ]
    ok = {"sex": {"female": 30, "male": 300}}
    assert [g.status for g in evaluate_rego(RULES / "small_groups.rego", evidence(counts=ok))] == [
        "PASS"
    ]


def test_object_messages_carry_id_and_severity() -> None:
    ev = evidence(ece=0.1, manifest={"seed": None})
    calibration, seed = evaluate_rego(RULES / "objects.rego", ev)
    assert (calibration.name, calibration.id, calibration.status) == (
        "rego: calibration",
        "calibration",
        "WARN",
    )
    assert calibration.severity == "warning"
    assert not calibration.blocking
    assert calibration.message == "expected calibration error 0.1 exceeds 0.05"
    # No severity: error, a FAIL gate named after its message.
    assert (seed.name, seed.id, seed.status, seed.severity) == (
        "rego: no seed recorded in the manifest",
        None,
        "FAIL",
        "error",
    )


def test_manifest_may_be_null() -> None:
    ev = evidence(ece=0.1)
    ev["manifest"] = None
    assert [g.status for g in evaluate_rego(RULES / "objects.rego", ev)] == ["WARN"]


def test_long_messages_are_shortened_in_the_name_only() -> None:
    (gate,) = evaluate_rego(RULES / "long_message.rego", evidence())
    assert gate.name == "rego: The model's accuracy on the evaluation set is below the floo…"
    assert gate.message.endswith("sets for automated decisions")


def test_malformed_messages_are_error_gates_not_crashes() -> None:
    gates = evaluate_rego(RULES / "bad_messages.rego", evidence())
    assert [(g.status, g.name) for g in gates] == [
        ("ERROR", "rego: bad_messages.rego"),
        ("ERROR", "rego: bad_messages.rego"),
        ("FAIL", "rego: a plain message"),
    ]
    assert "got 42" in gates[0].message
    assert '"severity": "fatal"' in gates[1].message


def test_output_is_deterministic_and_sorted_by_message() -> None:
    counts = {f"attr{i}": {f"g{j}": j for j in range(5)} for i in range(4)}
    first = [
        g.to_dict() for g in evaluate_rego(RULES / "small_groups.rego", evidence(counts=counts))
    ]
    second = [
        g.to_dict() for g in evaluate_rego(RULES / "small_groups.rego", evidence(counts=counts))
    ]
    assert first == second
    assert len(first) == 20
    assert [g["message"] for g in first] == sorted(g["message"] for g in first)


@pytest.mark.parametrize(
    ("rules", "low_fails"),
    [("accuracy.rego", True), ("small_groups.rego", False), ("future_keywords.rego", True)],
)
def test_v1_syntax_with_and_without_import_and_future_keywords(rules: str, low_fails: bool) -> None:
    # accuracy.rego imports rego.v1; small_groups.rego does not; future_keywords.rego uses
    # the OPA 0.x `import future.keywords.*` spelling.
    gates = evaluate_rego(RULES / rules, evidence(accuracy=0.5))
    assert (gates[0].status == "FAIL") is low_fails


def test_rego_v0_partial_rules_are_refused_with_the_v1_form() -> None:
    with pytest.raises(ConfigError, match=r"deny contains msg if") as info:
        evaluate_rego(RULES / "v0_syntax.rego", evidence(accuracy=0.5))
    assert info.value.file == str(RULES / "v0_syntax.rego")
    assert "not an object" in str(info.value)


def test_syntax_error_names_file_line_column_and_engine_message() -> None:
    with pytest.raises(ConfigError) as info:
        evaluate_rego(RULES / "syntax_error.rego", evidence())
    err = info.value
    assert (err.line, err.column) == (3, 22)
    assert str(err) == (
        f"{RULES / 'syntax_error.rego'}:3:22: Rego rules do not compile: this is unclosed (at `{{`)"
    )
    assert "\n" not in str(err)
    assert err.exit_code == 2


def test_compile_error_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Function not found: no_such_function") as info:
        evaluate_rego(RULES / "unknown_function.rego", evidence())
    assert "\n" not in str(info.value)


def test_rules_outside_package_signoff_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"data\.signoff\.deny is not defined.*package signoff"):
        evaluate_rego(RULES / "wrong_package.rego", evidence())


@pytest.mark.parametrize("rules", ["conflict.rego", "divide.rego"])
def test_evaluation_error_is_one_error_gate(rules: str) -> None:
    (gate,) = evaluate_rego(RULES / rules, evidence())
    assert gate.status == "ERROR"
    assert gate.blocking
    assert gate.name == f"rego: {rules}"
    assert gate.message.startswith("the rules could not be evaluated")
    expected = {"conflict.rego": "multiple outputs", "divide.rego": "divide by zero"}[rules]
    assert expected in gate.message


def test_missing_file_names_the_file_and_the_policy_field(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    missing = tmp_path / "rules.rego"
    with pytest.raises(ConfigError) as info:
        evaluate_rego(missing, evidence(), policy_file=policy)
    assert (info.value.file, info.value.field) == (str(policy), "rego")
    assert str(info.value) == f"{policy}: rego: the Rego rules file {missing} does not exist"
    with pytest.raises(ConfigError, match="does not exist") as info:
        evaluate_rego(missing, evidence())
    assert info.value.file == str(missing)


def test_missing_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "regopy", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'signoff\[rego\]'") as info:
        evaluate_rego(RULES / "accuracy.rego", evidence())
    assert info.value.extra == "rego"
    assert "Rego rules needs the optional package 'regopy'" in str(info.value)


def test_gates_serialise_like_every_other_gate() -> None:
    (gate,) = evaluate_rego(RULES / "accuracy.rego", evidence(accuracy=0.7))
    data = gate.to_dict()
    assert data["kind"] == "rego"
    assert data["measurements"] == []
    assert data["threshold"] is None
