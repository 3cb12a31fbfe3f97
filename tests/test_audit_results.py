"""The shape and content of results.json, and the modes an audit can run in."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pandas as pd
import pytest
import skops.io

import signoff
from signoff.metrics import DISPARITY_METRICS, METRICS


@pytest.fixture
def demo_result(demo: Path) -> signoff.AuditResult:
    return signoff.audit(demo / "audit.yaml")


def test_results_have_every_documented_path(demo_result: signoff.AuditResult):
    r = demo_result.results
    assert set(r["by_attribute"]) == {"sex", "age_group", "foreign_worker", "sex*age_group"}
    for name in ("accuracy", "roc_auc", "expected_calibration_error", "log_loss"):
        entry = r["overall"][name]
        assert set(entry) == {"value", "ci"}
        low, high = entry["ci"]
        assert low <= entry["value"] <= high, name
    sex = r["by_attribute"]["sex"]
    for name in DISPARITY_METRICS:
        assert set(sex[name]) == {"value", "ci"}
    female = sex["groups"]["female"]
    assert female["count"]["value"] + sex["groups"]["male"]["count"]["value"] == 300
    assert female["selection_rate"]["ci"][0] <= female["selection_rate"]["value"]
    assert sex["privileged"] == "male"
    inter = r["by_attribute"]["sex*age_group"]
    assert inter["kind"] == "intersection"
    assert inter["parts"] == ["sex", "age_group"]
    assert set(inter["groups"]) == {"female*<25", "female*>=25", "male*<25", "male*>=25"}
    assert r["confusion_matrix"]["tp"] + r["confusion_matrix"]["fn"] == round(
        300 * r["overall"]["base_rate"]["value"]
    )
    assert len(r["calibration"]) == 10
    assert sum(b["count"] for b in r["calibration"]) == 300


def test_every_registered_metric_is_reported(demo_result: signoff.AuditResult):
    r = demo_result.results
    for name, spec in METRICS.items():
        if "overall" in spec.levels:
            assert name in r["overall"], name
        for block in r["by_attribute"].values():
            if "attribute" in spec.levels:
                assert name in block, name
            if "group" in spec.levels:
                for group in block["groups"].values():
                    assert name in group, name


def test_small_groups_are_flagged_not_dropped(demo_result: signoff.AuditResult):
    foreign = demo_result.results["by_attribute"]["foreign_worker"]["groups"]
    assert foreign["no"]["count"]["value"] < 30
    assert "small_group" in foreign["no"]["flags"]
    assert any(w.startswith("foreign_worker=no: only") for w in demo_result.warnings)
    assert (
        demo_result.results["overall"]["min_group_size"]["value"] == foreign["no"]["count"]["value"]
    )


def test_protected_attributes_are_not_model_inputs_but_are_watched(demo_result):
    explain = demo_result.results["explainability"]
    features = {f["feature"] for f in explain["features"]}
    assert features.isdisjoint({"sex", "age", "foreign_worker", "personal_status"})
    rank = demo_result.results["overall"]["protected_attribute_importance_rank"]["value"]
    assert 1 <= rank <= len(features) + 1


def test_result_is_frozen(demo_result: signoff.AuditResult):
    with pytest.raises(dataclasses.FrozenInstanceError):
        demo_result.results = {}  # type: ignore[misc]
    assert demo_result.metric("accuracy") == demo_result.results["overall"]["accuracy"]
    with pytest.raises(KeyError, match="no metric 'accuracyy' here"):
        demo_result.metric("accuracyy")


def _scores_frame(demo: Path) -> pd.DataFrame:
    frame = pd.read_csv(demo / "data" / "holdout.csv")
    model = skops.io.load(demo / "model.skops")
    features = list(model.feature_names_in_)
    frame["score"] = model.predict_proba(frame[features])[:, 1]
    return frame


def test_predictions_only_mode_matches_model_mode(demo: Path, edit_config, demo_result):
    _scores_frame(demo).to_csv(demo / "data" / "scored.csv", index=False)

    def change(c: dict) -> None:
        c.pop("model")
        c["data"].update(path="data/scored.csv", score_column="score")

    edit_config(demo, change)
    scored = signoff.audit(demo / "audit.yaml").results
    base = demo_result.results
    for name in ("accuracy", "roc_auc", "brier_score", "expected_calibration_error"):
        assert scored["overall"][name]["value"] == pytest.approx(
            base["overall"][name]["value"], abs=1e-12
        )
    assert (
        scored["by_attribute"]["sex"]["disparate_impact"]
        == base["by_attribute"]["sex"]["disparate_impact"]
    )
    assert scored["explainability"]["features"] is None
    assert scored["overall"]["protected_attribute_importance_rank"]["value"] is None
    assert any("predictions-only" in w for w in scored["warnings"])


def test_parquet_input_gives_the_same_evidence(demo: Path, edit_config, demo_result):
    pd.read_csv(demo / "data" / "holdout.csv").to_parquet(demo / "data" / "holdout.parquet")
    edit_config(demo, lambda c: c["data"].update(path="data/holdout.parquet"))
    parquet = signoff.audit(demo / "audit.yaml").results
    assert parquet["overall"] == demo_result.results["overall"]
    assert parquet["by_attribute"] == demo_result.results["by_attribute"]


def test_single_class_group_gets_nulls_and_a_warning(demo: Path, edit_config):
    frame = _scores_frame(demo)
    frame["site"] = "a"
    frame.loc[frame.index[:12], "site"] = "b"
    frame.loc[frame.index[:12], "credit_risk"] = 1  # every row of site b is positive
    frame.to_csv(demo / "data" / "scored.csv", index=False)

    def change(c: dict) -> None:
        c.pop("model")
        c["data"].update(path="data/scored.csv", score_column="score")
        c["protected_attributes"] = {"site": {}}
        c["intersections"] = []

    edit_config(demo, change)
    result = signoff.audit(demo / "audit.yaml")
    b = result.results["by_attribute"]["site"]["groups"]["b"]
    assert b["roc_auc"]["value"] is None
    assert b["false_positive_rate"]["value"] is None
    assert b["recall"]["value"] is not None
    assert "single_class" in b["flags"]
    assert any(w.startswith("site=b: every row has the same label") for w in result.warnings)


def test_python_api_accepts_a_mapping(demo: Path):
    cwd = Path.cwd()
    os.chdir(demo)
    try:
        result = signoff.audit(
            {
                "model": {"path": "model.skops"},
                "data": {"path": "data/holdout.csv", "target": "credit_risk"},
                "protected_attributes": {"sex": {}},
                "bootstrap": {"replicates": 50},
            }
        )
    finally:
        os.chdir(cwd)
    assert result.manifest["inputs"]["config"]["path"] == "<python>"
    assert result.results["bootstrap"]["replicates"] == 50
