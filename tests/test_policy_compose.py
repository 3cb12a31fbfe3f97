"""``extends``: children may add and tighten gates, never loosen; bad policy files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from signoff.errors import ConfigError
from signoff.policy._load import load_policy

BASE = {
    "policy_name": "Org baseline",
    "version": "1.0",
    "effective_date": "2025-01-01",
    "citation": "SR 11-7",
    "gates": [
        {
            "id": "dp",
            "name": "Demographic Parity",
            "metric": "demographic_parity_difference",
            "threshold": 0.10,
            "comparison": "less_than",
            "severity": "error",
            "clause": "ECOA",
        },
        {
            "id": "di",
            "name": "Four-fifths",
            "metric": "disparate_impact",
            "threshold": [0.8, 1.25],
            "comparison": "between",
            "severity": "warning",
        },
        {
            "id": "auc",
            "name": "Discrimination",
            "metric": "roc_auc",
            "threshold": 0.7,
            "comparison": "greater_equal",
            "attributes": None,
        },
    ],
    "reproducibility": {"seed_required": True},
}


def _write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _child(tmp_path: Path, *gates: dict, **fields) -> Path:
    _write(tmp_path / "base.yaml", BASE)
    return _write(
        tmp_path / "team.yaml",
        {
            "policy_name": "Team",
            "version": "2.0",
            "extends": "base.yaml",
            "gates": list(gates),
            **fields,
        },
    )


def test_child_adds_and_tightens(tmp_path: Path):
    path = _child(
        tmp_path,
        {
            "id": "dp",
            "name": "DP (team)",
            "metric": "demographic_parity_difference",
            "threshold": 0.05,
            "comparison": "less_equal",
            "severity": "error",
            "use_confidence_bound": True,
        },
        {
            "id": "ece",
            "name": "Calibration",
            "metric": "expected_calibration_error",
            "threshold": 0.05,
            "comparison": "less_equal",
        },
    )
    loaded = load_policy(path)
    gates = {g.key: g for g in loaded.policy.gates}
    assert list(gates) == ["dp", "di", "auc", "ece"]
    assert gates["dp"].threshold == 0.05
    assert gates["di"].severity == "warning"  # inherited untouched
    assert loaded.policy.citation == "SR 11-7"
    assert loaded.policy.reproducibility.seed_required
    assert [f.path.name for f in loaded.files] == ["team.yaml", "base.yaml"]


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"threshold": 0.15}, "accepts values the parent refuses (less_than 0.1 → less_than 0.15)"),
        (
            {"comparison": "less_equal"},
            "accepts values the parent refuses (less_than 0.1 → less_equal 0.1)",
        ),
        ({"severity": "warning"}, "lowers the severity from error to warning"),
        ({"attributes": ["sex"]}, "narrows the scope from every attribute to ['sex']"),
        (
            {"metric": "equalized_odds_difference"},
            "changes the metric from demographic_parity_difference to equalized_odds_difference",
        ),
    ],
)
def test_loosening_is_refused_naming_both_files_and_the_gate(
    tmp_path: Path, override: dict, reason: str
):
    gate = {
        "id": "dp",
        "name": "Demographic Parity",
        "metric": "demographic_parity_difference",
        "threshold": 0.10,
        "comparison": "less_than",
        "severity": "error",
        **override,
    }
    path = _child(tmp_path, gate)
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    message = info.value.render()
    assert message.startswith(f"{path}:5:")
    assert (
        f"gate 'Demographic Parity' loosens the parent policy {tmp_path / 'base.yaml'}: {reason}"
        in message
    )


def test_between_may_only_narrow(tmp_path: Path):
    narrow = {
        "id": "di",
        "name": "Four-fifths",
        "metric": "disparate_impact",
        "threshold": [0.85, 1.2],
        "comparison": "between",
        "severity": "error",
    }
    assert load_policy(_child(tmp_path, narrow)).policy.gates[1].threshold == (0.85, 1.2)
    wide = {**narrow, "threshold": [0.75, 1.2]}
    with pytest.raises(ConfigError, match="accepts values the parent refuses"):
        load_policy(_child(tmp_path, wide))


def test_turning_off_a_reproducibility_requirement_is_loosening(tmp_path: Path):
    path = _child(tmp_path, reproducibility={"seed_required": False})
    with pytest.raises(ConfigError, match=r"turns off reproducibility\.seed_required"):
        load_policy(path)


def test_extends_cycle_and_missing_parent(tmp_path: Path):
    _write(tmp_path / "a.yaml", {"policy_name": "A", "version": "1", "extends": "b.yaml"})
    _write(tmp_path / "b.yaml", {"policy_name": "B", "version": "1", "extends": "a.yaml"})
    with pytest.raises(ConfigError, match="`extends` makes a cycle"):
        load_policy(tmp_path / "a.yaml")
    _write(tmp_path / "c.yaml", {"policy_name": "C", "version": "1", "extends": "nowhere.yaml"})
    with pytest.raises(ConfigError) as info:
        load_policy(tmp_path / "c.yaml")
    assert info.value.render() == (
        f"{tmp_path / 'c.yaml'}:3:10: extends: parent policy not found: {tmp_path / 'nowhere.yaml'}"
    )


@pytest.mark.parametrize(
    ("gate", "expected"),
    [
        (
            {"metric": "demografic_parity_difference", "threshold": 0.1, "comparison": "less_than"},
            "gates[0].metric: unknown metric 'demografic_parity_difference' (did you mean demographic_parity_difference",
        ),
        (
            {"metric": "demographic_parity_ratio", "threshold": 1.2, "comparison": "greater_than"},
            "gates[0].threshold: threshold 1.2 can never be met: demographic_parity_ratio lies in [0, 1]",
        ),
        (
            {"metric": "accuracy", "threshold": 0.1, "comparison": "between"},
            "a `between` gate needs threshold: [low, high]",
        ),
        (
            {"metric": "accuracy", "threshold": [0.1, 0.2], "comparison": "less_than"},
            "a `less_than` gate needs one number as threshold, not a list",
        ),
        (
            {"metric": "accuracy", "threshold": 0.1, "comparison": "below"},
            "expected one of: less_than, less_equal, greater_than, greater_equal, between, equal; got 'below'",
        ),
        (
            {
                "metric": "accuracy",
                "threshold": 0.1,
                "comparison": "less_than",
                "severity": "fatal",
            },
            "expected one of: error, warning, info; got 'fatal'",
        ),
        ({"metric": "accuracy", "threshold": "high", "comparison": "less_than"}, "threshold"),
        (
            {"metric": "accuracy", "threshold": 0.1, "comparison": "less_than", "colour": "red"},
            "unknown key 'colour'",
        ),
    ],
)
def test_bad_gates_name_file_line_and_field(tmp_path: Path, gate: dict, expected: str):
    path = _write(
        tmp_path / "p.yaml", {"policy_name": "P", "version": "1", "gates": [{"name": "g", **gate}]}
    )
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    message = info.value.render()
    assert message.startswith(f"{path}:")
    assert expected in message
