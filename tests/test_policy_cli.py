"""Policies end to end through the CLI on German Credit: exit codes, outputs, policy commands."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
import skops.io
import yaml
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from signoff.cli._policy import template_files


def _audit(cli, demo: Path, out: Path, *extra: str):
    return cli(
        "audit",
        str(demo / "audit.yaml"),
        "-o",
        str(out),
        "--policy",
        str(demo / "policy.yaml"),
        *extra,
    )


def _gates(out: Path) -> dict[str, dict]:
    return {g["name"]: g for g in json.loads((out / "results.json").read_text())["gates"]}


def test_demo_model_fails_the_baseline_for_the_right_reason(cli, demo: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = _audit(cli, demo, out, "--strict")
    assert result.exit_code == 1
    gates = _gates(out)
    failed = {name for name, g in gates.items() if g["status"] in ("FAIL", "ERROR")}
    assert failed == {"Demographic Parity"}
    dp = gates["Demographic Parity"]
    assert dp["value"] >= 0.10
    assert {m["attribute"] for m in dp["measurements"]} == {
        "sex",
        "age_group",
        "foreign_worker",
        "sex*age_group",
    }
    assert gates["Protected attributes are not leading drivers"]["status"] == "PASS"
    assert gates["Reproducibility: strict mode"]["status"] == "PASS"
    assert "Verdict: FAIL" in result.stdout
    assert "→ Demographic Parity:" in result.stdout
    results = json.loads((out / "results.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    assert results["policy"]["verdict"] == "FAIL"
    assert manifest["inputs"]["policy"]["version"] == "1.0"
    assert manifest["inputs"]["policy"]["files"][0]["path"].endswith("policy.yaml")


def _train_with_protected_attributes(demo: Path) -> None:
    """A second model that uses sex, age and personal status as inputs."""
    train = pd.read_csv(demo / "data" / "train.csv")
    features = train.drop(columns=["credit_risk"])
    categorical = [c for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    numeric = [c for c in features.columns if c not in categorical]
    prep = ColumnTransformer(
        [
            ("c", OneHotEncoder(handle_unknown="ignore"), categorical),
            ("n", StandardScaler(), numeric),
        ]
    )
    model = Pipeline([("p", prep), ("m", LogisticRegression(max_iter=2000))]).fit(
        features, train["credit_risk"]
    )
    skops.io.dump(model, demo / "model.skops")


def test_a_model_using_protected_attributes_is_caught(cli, demo: Path, tmp_path: Path, edit_config):
    _train_with_protected_attributes(demo)
    edit_config(demo, lambda c: c["data"].update(features=None) or c.pop("proxies"))
    out = tmp_path / "out"
    _audit(cli, demo, out)
    rank_gate = _gates(out)["Protected attributes are not leading drivers"]
    results = json.loads((out / "results.json").read_text())
    watched = set(results["explainability"]["watched_features"])
    assert {"sex", "age", "foreign_worker"} <= watched
    ranks = {f["feature"]: f["rank"] for f in results["explainability"]["features"]}
    assert rank_gate["value"] == min(ranks[f] for f in watched)
    assert rank_gate["status"] == ("WARN" if rank_gate["value"] <= 3 else "PASS")


def test_passing_policy_exits_zero_and_warning_can_block(cli, demo: Path, tmp_path: Path):
    policy = {
        "policy_name": "Lenient",
        "version": "1",
        "gates": [
            {"name": "AUC", "metric": "roc_auc", "threshold": 0.6, "comparison": "greater_equal"},
            {
                "name": "Small groups",
                "metric": "min_group_size",
                "threshold": 30,
                "comparison": "greater_equal",
                "severity": "warning",
            },
        ],
    }
    (demo / "policy.yaml").write_text(yaml.safe_dump(policy))
    result = _audit(cli, demo, tmp_path / "a")
    assert result.exit_code == 0
    assert "Verdict: PASS WITH WARNINGS" in result.stdout
    assert _audit(cli, demo, tmp_path / "b", "--fail-on-warning").exit_code == 1


def test_ci_outputs_are_written(cli, demo: Path, tmp_path: Path):
    out = tmp_path / "out"
    _audit(cli, demo, out)
    suite = ET.parse(out / "gates.junit.xml").getroot()
    cases = suite.findall(".//testcase")
    assert len(cases) == len(_gates(out))
    assert len(suite.findall(".//failure")) >= 1
    summary = (out / "summary.md").read_text()
    assert "FAIL" in summary
    assert "Demographic Parity" in summary


def test_bad_policy_is_exit_2_before_any_work(cli, demo: Path, tmp_path: Path):
    (demo / "policy.yaml").write_text(
        "policy_name: x\nversion: 1\ngates:\n  - name: g\n    metric: acuracy\n    threshold: 0.1\n    comparison: less_than\n"
    )
    result = _audit(cli, demo, tmp_path / "out")
    assert result.exit_code == 2
    assert (
        f"{demo / 'policy.yaml'}:5:13: gates[0].metric: unknown metric 'acuracy' (did you mean accuracy"
        in result.stderr
    )
    assert not (tmp_path / "out").exists()


def test_policy_lint(cli, demo: Path, tmp_path: Path):
    good = cli("policy", "lint", str(demo / "policy.yaml"))
    assert good.exit_code == 0
    assert "ok:" in good.stdout
    (tmp_path / "bad.yaml").write_text(
        "policy_name: x\nversion: 1\ngates:\n  - {name: g, metric: demographic_parity_ratio, threshold: 1.5, comparison: greater_than}\n"
    )
    bad = cli("policy", "lint", str(demo / "policy.yaml"), str(tmp_path / "bad.yaml"))
    assert bad.exit_code == 2
    assert "threshold 1.5 can never be met: demographic_parity_ratio lies in [0, 1]" in bad.stderr


def test_policy_show_and_diff(cli, demo: Path, tmp_path: Path):
    child = {
        "policy_name": "Team",
        "version": "2",
        "extends": "policy.yaml",
        "gates": [
            {
                "id": "fairness-demographic-parity",
                "name": "Demographic Parity",
                "metric": "demographic_parity_difference",
                "threshold": 0.05,
                "comparison": "less_than",
                "severity": "error",
            }
        ],
    }
    (demo / "team.yaml").write_text(yaml.safe_dump(child))
    shown = cli("policy", "show", str(demo / "team.yaml"), "--json")
    assert shown.exit_code == 0
    resolved = json.loads(shown.stdout)
    assert len(resolved["gates"]) == len(
        yaml.safe_load((demo / "policy.yaml").read_text())["gates"]
    )
    diff = cli("policy", "diff", str(demo / "policy.yaml"), str(demo / "team.yaml"), "--json")
    changes = {c["gate"]: c["kind"] for c in json.loads(diff.stdout)}
    assert changes == {"fairness-demographic-parity": "tightened"}
    looser = dict(child, gates=[dict(child["gates"][0], threshold=0.2)], extends=None)
    (tmp_path / "looser.yaml").write_text(
        yaml.safe_dump({k: v for k, v in looser.items() if v is not None})
    )
    diff = cli("policy", "diff", str(demo / "policy.yaml"), str(tmp_path / "looser.yaml"))
    assert "loosened" in diff.stdout
    assert "removed" in diff.stdout


def test_policy_explain(cli):
    result = cli("policy", "explain", "disparate_impact")
    assert result.exit_code == 0
    assert "four-fifths" in result.stdout.lower()
    unknown = cli("policy", "explain", "disparate_impakt")
    assert unknown.exit_code == 2
    assert "did you mean disparate_impact" in unknown.stderr


def test_templates_and_init(cli, tmp_path: Path):
    listed = json.loads(cli("policy", "templates", "--json").stdout)
    assert (
        {t["name"] for t in listed}
        == set(template_files())
        == {"credit_baseline", "four_fifths", "eu_ai_act_high_risk"}
    )
    result = cli("init", str(tmp_path), "--template", "four_fifths")
    assert result.exit_code == 0
    assert (tmp_path / "policies" / "four_fifths.yaml").is_file()
    assert cli("init", str(tmp_path), "--template", "four_fifths").exit_code == 2
    assert cli("init", str(tmp_path), "--template", "nope").exit_code == 2


@pytest.mark.parametrize("name", ["credit_baseline", "four_fifths", "eu_ai_act_high_risk"])
def test_every_template_runs_on_the_demo(cli, demo: Path, tmp_path: Path, name: str):
    result = cli(
        "audit",
        str(demo / "audit.yaml"),
        "-o",
        str(tmp_path / name),
        "--policy",
        str(template_files()[name]),
    )
    assert result.exit_code in (0, 1)
    assert all(g["status"] != "ERROR" for g in _gates(tmp_path / name).values())
