"""The risk rating of a change request: every rule, its boundaries and its reasons."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import Any

import pytest

from signoff.errors import ConfigError
from signoff.workflow._risk import (
    BAD_THRESHOLDS,
    RiskRating,
    RiskReason,
    RiskThresholds,
    VersionFacts,
    rate_change,
)

CURRENT = VersionFacts(
    feature_schema={"age": "int", "income": "float"},
    training_data_sha256="a" * 64,
    training_data_source="s3://bank/loans-2023.parquet",
    objective="binary:logistic",
    hyperparameters={"max_depth": 6, "learning_rate": 0.1},
    metrics={"roc_auc": 0.8, "accuracy": 0.9},
)
_RANK = {"low": 0, "medium": 1, "high": 2}


def _rate(candidate: VersionFacts, current: VersionFacts | None = CURRENT, **kw: Any) -> RiskRating:
    kw.setdefault("model_risk_tier", "low")
    kw.setdefault("use_case", "customer churn")
    return rate_change(candidate, current, **kw)


def _auc(value: float) -> VersionFacts:
    return replace(CURRENT, metrics={"roc_auc": value, "accuracy": 0.9})


CASES = [
    # (id, candidate, level, reason expected among the reasons)
    (
        "feature_added",
        replace(
            CURRENT, feature_schema={"age": "int", "income": "float", "income_band": "category"}
        ),
        "medium",
        ("medium", "feature_added", "feature added: income_band"),
    ),
    (
        "feature_removed",
        replace(CURRENT, feature_schema={"age": "int"}),
        "medium",
        ("medium", "feature_removed", "feature removed: income"),
    ),
    (
        "feature_type",
        replace(CURRENT, feature_schema={"age": "float", "income": "float"}),
        "medium",
        ("medium", "feature_type_changed", "feature type changed: age int → float"),
    ),
    (
        "retrained",
        replace(CURRENT, training_data_sha256="b" * 64),
        "medium",
        ("medium", "retrained", "retrained on new data: aaaaaaaaaaaa → bbbbbbbbbbbb"),
    ),
    (
        "new_source",
        replace(
            CURRENT,
            training_data_source="s3://bank/loans-2024.parquet",
            training_data_sha256="b" * 64,
        ),
        "high",
        (
            "high",
            "data_source_changed",
            "new data source: s3://bank/loans-2023.parquet → s3://bank/loans-2024.parquet",
        ),
    ),
    (
        "source_dropped",
        replace(CURRENT, training_data_source=None),
        "high",
        (
            "high",
            "data_source_changed",
            "new data source: s3://bank/loans-2023.parquet → (unrecorded)",
        ),
    ),
    (
        "objective",
        replace(CURRENT, objective="binary:hinge"),
        "high",
        ("high", "objective_changed", "objective changed: binary:logistic → binary:hinge"),
    ),
    (
        "hyperparameters",
        replace(CURRENT, hyperparameters={"max_depth": 8, "learning_rate": 0.1, "subsample": 0.9}),
        "low",
        ("low", "hyperparameters_changed", "hyperparameters changed: max_depth, subsample"),
    ),
    (
        "metric_unchanged",
        CURRENT,
        "low",
        ("low", "metric_shift", "roc_auc shifted 0.8000 → 0.8000 (+0.00%)"),
    ),
    (
        "metric_at_low_shift",
        _auc(0.808),
        "low",
        ("low", "metric_shift", "roc_auc shifted 0.8000 → 0.8080 (+1.00%)"),
    ),
    (
        "metric_at_minus_low_shift",
        _auc(0.792),
        "low",
        ("low", "metric_shift", "roc_auc shifted 0.8000 → 0.7920 (-1.00%)"),
    ),
    (
        "metric_above_low_shift",
        _auc(0.8081),
        "medium",
        ("medium", "metric_shift", "roc_auc shifted 0.8000 → 0.8081 (+1.01%)"),
    ),
    (
        "metric_at_high_shift",
        _auc(0.84),
        "medium",
        ("medium", "metric_shift", "roc_auc shifted 0.8000 → 0.8400 (+5.00%)"),
    ),
    (
        "metric_at_minus_high_shift",
        _auc(0.76),
        "medium",
        ("medium", "metric_shift", "roc_auc shifted 0.8000 → 0.7600 (-5.00%)"),
    ),
    (
        "metric_above_high_shift",
        _auc(0.8401),
        "high",
        ("high", "metric_shift", "roc_auc shifted 0.8000 → 0.8401 (+5.01%)"),
    ),
    (
        "metric_drop_high",
        _auc(0.70),
        "high",
        ("high", "metric_shift", "roc_auc shifted 0.8000 → 0.7000 (-12.50%)"),
    ),
    (
        "metric_missing",  # missing evidence never makes a change look safe
        replace(CURRENT, metrics={"roc_auc": 0.8}),
        "medium",
        ("medium", "metric_missing", "metric accuracy not in both audits"),
    ),
    (
        "metric_nan",
        _auc(math.nan),
        "medium",
        ("medium", "metric_missing", "metric roc_auc not in both audits"),
    ),
]


@pytest.mark.parametrize(
    ("candidate", "level", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_rule(candidate: VersionFacts, level: str, reason: tuple[str, str, str]):
    rating = _rate(candidate)
    assert rating.level == level
    assert RiskReason(*reason) in rating.reasons  # type: ignore[arg-type]


def test_identical_version_is_low_with_only_metric_reasons():
    rating = _rate(CURRENT)
    assert rating.level == "low"
    assert [r.code for r in rating.reasons] == ["metric_shift", "metric_shift"]


def test_no_reasons_is_low():
    rating = _rate(CURRENT, thresholds=RiskThresholds(key_metrics=()))
    assert rating == RiskRating("low", ())


def test_features_one_reason_each_sorted():
    candidate = replace(CURRENT, feature_schema={"zip": "str", "age": "int", "band": "str"})
    messages = [r.message for r in _rate(candidate).reasons if r.code.startswith("feature")]
    assert messages == ["feature added: band", "feature added: zip", "feature removed: income"]


def test_metric_missing_on_current_side_and_zero_baseline():
    current = replace(CURRENT, metrics={"roc_auc": 0.0})
    reasons = _rate(replace(CURRENT, metrics={"roc_auc": 0.0}), current).reasons
    assert RiskReason("low", "metric_shift", "roc_auc shifted 0.0000 → 0.0000 (+0.00%)") in reasons
    assert RiskReason("medium", "metric_missing", "metric accuracy not in both audits") in reasons
    rating = _rate(replace(CURRENT, metrics={"roc_auc": 0.1}), current)
    assert rating.level == "high"
    assert rating.reasons[0].message == "roc_auc shifted 0.0000 → 0.1000 (+inf%)"


@pytest.mark.parametrize(
    ("tier", "use_case", "level", "codes"),
    [
        ("low", "customer churn", "medium", ["first_deployment"]),
        ("medium", "customer churn", "medium", ["first_deployment", "risk_tier"]),
        ("high", "customer churn", "high", ["risk_tier", "first_deployment"]),
        ("low", "Consumer CREDIT scoring", "high", ["sensitive_domain", "first_deployment"]),
    ],
)
def test_first_deployment(tier: str, use_case: str, level: str, codes: list[str]):
    rating = _rate(CURRENT, None, model_risk_tier=tier, use_case=use_case)
    assert rating.level == level
    assert [r.code for r in rating.reasons] == codes
    assert RiskReason("medium", "first_deployment", "first version in this stage") in rating.reasons


@pytest.mark.parametrize(
    ("tier", "use_case", "expected"),
    [
        (
            "low",
            "credit and lending decisions",
            [("high", "sensitive_domain", "sensitive domain: credit, lending")],
        ),
        (
            "low",
            "Patient HEALTH triage",
            [("high", "sensitive_domain", "sensitive domain: health")],
        ),
        ("high", "customer churn", [("high", "risk_tier", "declared risk tier: high")]),
        ("medium", "customer churn", [("medium", "risk_tier", "declared risk tier: medium")]),
        ("low", "customer churn", []),
    ],
)
def test_domain_and_declared_tier(tier: str, use_case: str, expected: list[tuple[str, str, str]]):
    reasons = _rate(CURRENT, model_risk_tier=tier, use_case=use_case).reasons
    found = [
        (r.level, r.code, r.message) for r in reasons if r.code in {"sensitive_domain", "risk_tier"}
    ]
    assert found == expected


def test_reasons_highest_first_and_deterministic():
    candidate = replace(
        CURRENT,
        feature_schema={"income": "float", "age": "int", "zip": "str"},
        objective="reg:squarederror",
        hyperparameters={"max_depth": 3},
        metrics={"roc_auc": 0.81},
    )
    rating = _rate(candidate, model_risk_tier="medium", use_case="churn")
    assert rating.level == "high"
    ranks = [_RANK[r.level] for r in rating.reasons]
    assert ranks == sorted(ranks, reverse=True)
    assert [r.code for r in rating.reasons] == [
        "objective_changed",
        "feature_added",
        "metric_shift",
        "metric_missing",
        "risk_tier",
        "hyperparameters_changed",
    ]
    reordered = replace(candidate, feature_schema=dict(reversed(candidate.feature_schema.items())))
    assert _rate(reordered, model_risk_tier="medium", use_case="churn") == rating


def test_to_dict_is_json_serializable():
    rating = _rate(replace(CURRENT, objective="x"), None, model_risk_tier="high", use_case="credit")
    data = json.loads(json.dumps(rating.to_dict()))
    assert data == {
        "level": "high",
        "reasons": [
            {"level": "high", "code": "sensitive_domain", "message": "sensitive domain: credit"},
            {"level": "high", "code": "risk_tier", "message": "declared risk tier: high"},
            {
                "level": "medium",
                "code": "first_deployment",
                "message": "first version in this stage",
            },
        ],
    }


def test_custom_thresholds():
    thresholds = RiskThresholds(
        low_shift=0.02, high_shift=0.1, key_metrics=("f1",), sensitive_use_cases=("churn",)
    )
    current = replace(CURRENT, metrics={"f1": 0.5, "roc_auc": 0.8})

    def rate(f1: float) -> RiskRating:
        candidate = replace(CURRENT, metrics={"f1": f1, "roc_auc": 0.5})
        return _rate(candidate, current, thresholds=thresholds, use_case="credit")

    assert rate(0.51).level == "low"  # 2%: roc_auc is not a key metric here, credit not sensitive
    assert rate(0.55).level == "medium"  # 10%
    assert rate(0.56).level == "high"  # 12%
    churn = _rate(CURRENT, thresholds=thresholds, use_case="Churn")
    assert churn.reasons[0] == RiskReason("high", "sensitive_domain", "sensitive domain: churn")


@pytest.mark.parametrize(("low", "high"), [(0.05, 0.01), (-0.01, 0.05)])
def test_thresholds_validated(low: float, high: float):
    with pytest.raises(ConfigError) as info:
        RiskThresholds(low_shift=low, high_shift=high)
    assert info.value.message == BAD_THRESHOLDS.format(low=low, high=high)
