"""Oracle tests: every number in results.json against scikit-learn, fairlearn and statsmodels.

Each case is audited once through the public pipeline (``signoff.audit`` on a CSV with a
score column) and the same rows — read back from that CSV, so both sides see identical
floats — are handed to the reference libraries.  The cases: German Credit scored by a
logistic regression trained on a separate split, and seeded synthetic sets of several
sizes with tied scores (rounded to 1 or 2 decimals), rows whose score equals the
threshold exactly, and scores of exactly 0 and 1 (log-loss clipping).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as fm
from fairlearn.metrics import MetricFrame
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.calibration import calibration_curve
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

import signoff
from signoff.demo import EXCLUDED_FROM_MODEL, german_credit
from signoff.metrics import (
    _ranking,
    average_precision,
    roc_auc_by_group,
    roc_auc_by_mapped_group,
    score_order,
    score_ranks,
    two_proportion_power,
)

RTOL = 1e-9  # DESIGN.md: "matching scikit-learn to 1e-9 on the same arrays"
ATOL = 1e-12

# --- cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One audited evaluation set and everything an oracle needs to recompute it."""

    name: str
    y: np.ndarray
    s: np.ndarray
    threshold: float
    calibration_bins: int
    labels: dict[str, np.ndarray]  # attribute → the group label of every row, as the audit names it
    sensitive: dict[str, pd.DataFrame]  # attribute → its column(s), for fairlearn
    privileged: dict[str, str | None]
    power_effect: float
    shift_delta: float
    results: dict[str, Any]

    @property
    def y_pred(self) -> np.ndarray:
        return (self.s >= self.threshold).astype(np.int64)

    def groups(self, attribute: str) -> list[str]:
        """Group labels in the audit's own order."""
        return list(self.results["by_attribute"][attribute]["groups"])


def _audit(folder: Path, frame: pd.DataFrame, config: dict[str, Any]) -> tuple[pd.DataFrame, dict]:
    """Write ``frame`` to CSV, audit it, and return the rows as read back plus results.json."""
    path = folder / "data.csv"
    frame.to_csv(path, index=False)
    mapping = {
        "data": {"path": str(path), "target": "y", "score_column": "s"},
        "bootstrap": {"replicates": 0},
        "explain": {"permutation_repeats": 0},
        **config,
    }
    return pd.read_csv(path), dict(signoff.audit(mapping).results)


def synthetic_frame(n: int, seed: int, *, decimals: int | None, threshold: float) -> pd.DataFrame:
    """Labels that depend on the score, groups with different base rates, ties on request."""
    rng = np.random.default_rng(seed)
    g = rng.choice(np.array(["a", "b", "c"]), size=n, p=[0.5, 0.3, 0.2])
    h = rng.choice(np.array(["p", "q"]), size=n, p=[0.6, 0.4])
    centre = np.select([g == "a", g == "b"], [0.5, -0.4], 0.0) + np.where(h == "q", 0.3, 0.0)
    s = 1.0 / (1.0 + np.exp(-rng.normal(centre, 1.3)))
    y = (rng.random(n) < 0.15 + 0.7 * s).astype(np.int64)
    if decimals is not None:
        s = np.round(s, decimals)
    k = max(4, n // 40)
    s[:k] = threshold  # rows exactly on the threshold: [s >= t] must count them as positive
    s[k], s[k + 1] = 0.0, 1.0  # log loss clips these to [eps, 1 - eps]
    return pd.DataFrame({"y": y, "s": s, "g": g, "h": h})


SYNTHETIC = {
    # name: (n, seed, decimals, threshold, calibration bins)
    "small-ties": (150, 11, 2, 0.5, 10),
    "medium-holes": (700, 12, 2, 0.37, 10),  # missing g values; combination c*q never occurs
    "coarse-ties": (1000, 13, 1, 0.6, 5),
    "large": (3000, 14, None, 0.33, 20),
    "threshold-0": (400, 15, 2, 0.0, 10),  # every row predicted positive
    "threshold-1": (400, 16, 2, 1.0, 10),  # only scores of exactly 1 predicted positive
}


def _synthetic_case(name: str, folder: Path) -> Case:
    n, seed, decimals, threshold, bins = SYNTHETIC[name]
    frame = synthetic_frame(n, seed, decimals=decimals, threshold=threshold)
    if name == "medium-holes":
        frame.loc[frame["g"] == "c", "h"] = "p"  # the intersection keeps observed groups only
        holes = np.arange(100, 116)  # missing values form a group "(missing)" of their own
        frame.loc[holes, "g"] = None
        frame.loc[holes, "h"] = np.tile(["p", "p", "q", "q"], 4)
        frame.loc[holes, "y"] = np.tile([0, 1], 8)
    config = {
        "protected_attributes": {"g": {}, "h": {"privileged": "q"}},
        "intersections": [["g", "h"]],
        "threshold": threshold,
        "calibration_bins": bins,
    }
    rows, results = _audit(folder, frame, config)
    rows = rows.fillna({"g": "(missing)"})
    g, h = rows["g"].to_numpy(str), rows["h"].to_numpy(str)
    return Case(
        name=name,
        y=rows["y"].to_numpy(np.int64),
        s=rows["s"].to_numpy(np.float64),
        threshold=threshold,
        calibration_bins=bins,
        labels={"g": g, "h": h, "g*h": np.char.add(np.char.add(g, "*"), h)},
        sensitive={"g": rows[["g"]], "h": rows[["h"]], "g*h": rows[["g", "h"]]},
        privileged={"g": None, "h": "q", "g*h": None},
        power_effect=0.05,
        shift_delta=0.10,
        results=results,
    )


def _german_case(folder: Path) -> Case:
    """Logistic regression trained on 70% of German Credit, audited on the other 30%."""
    frame = german_credit()
    train, holdout = train_test_split(
        frame, test_size=0.3, random_state=0, stratify=frame["credit_risk"]
    )
    features = train.drop(columns=["credit_risk", *EXCLUDED_FROM_MODEL])
    categorical = [c for c in features if not pd.api.types.is_numeric_dtype(features[c])]
    numeric = [c for c in features.columns if c not in categorical]
    model = Pipeline(
        [
            (
                "prepare",
                ColumnTransformer(
                    [
                        ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
                        ("num", StandardScaler(), numeric),
                    ]
                ),
            ),
            ("classify", LogisticRegression(max_iter=2000)),
        ]
    ).fit(features, train["credit_risk"])
    data = holdout.rename(columns={"credit_risk": "y"}).assign(
        s=model.predict_proba(holdout[features.columns])[:, 1]
    )
    config = {
        "protected_attributes": {
            "sex": {"privileged": "male"},
            "age_group": {"column": "age", "bins": [0, 25, 120], "labels": ["<25", ">=25"]},
            "foreign_worker": {"privileged": "no"},
        },
        "intersections": [["sex", "age_group"]],
        "threshold": 0.5,
        "power_effect": 0.08,
        "shift_delta": 0.15,
    }
    rows, results = _audit(folder, data, config)
    sex = rows["sex"].to_numpy(str)
    age = np.where(rows["age"].to_numpy() < 25, "<25", ">=25")
    sensitive = pd.DataFrame({"sex": sex, "age_group": age})
    return Case(
        name="german",
        y=rows["y"].to_numpy(np.int64),
        s=rows["s"].to_numpy(np.float64),
        threshold=0.5,
        calibration_bins=10,
        labels={
            "sex": sex,
            "age_group": age,
            "foreign_worker": rows["foreign_worker"].to_numpy(str),
            "sex*age_group": np.char.add(np.char.add(sex, "*"), age),
        },
        sensitive={
            "sex": sensitive[["sex"]],
            "age_group": sensitive[["age_group"]],
            "foreign_worker": rows[["foreign_worker"]],
            "sex*age_group": sensitive,
        },
        privileged={
            "sex": "male",
            "age_group": None,
            "foreign_worker": "no",
            "sex*age_group": None,
        },
        power_effect=0.08,
        shift_delta=0.15,
        results=results,
    )


ALL_CASES = ["german", *SYNTHETIC]
# Cases where no score lies on an interior calibration edge (checked in the tests).
OFF_EDGE_CASES = ["german", "large"]


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    """Every case, audited once per module (lazily, on first use)."""

    class Lazy(dict[str, Case]):
        def __missing__(self, name: str) -> Case:
            folder = tmp_path_factory.mktemp(name)
            case = _german_case(folder) if name == "german" else _synthetic_case(name, folder)
            self[name] = case
            return case

    return Lazy()


# --- helpers ----------------------------------------------------------------------------------


def value(entry: dict[str, Any]) -> float:
    """A results.json ``{"value": …}`` as a float, None as NaN."""
    v = entry["value"]
    return float("nan") if v is None else float(v)


def close(actual: float, expected: float, what: str, *, rtol: float = RTOL) -> None:
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=ATOL, equal_nan=True, err_msg=what)


def both_classes(y: np.ndarray) -> bool:
    return 0 < int(y.sum()) < y.shape[0]


def sklearn_metrics(y: np.ndarray, y_pred: np.ndarray, s: np.ndarray) -> dict[str, float]:
    """The reference value of every per-group performance metric on one set of rows."""
    tn, fp, _, _ = confusion_matrix(y, y_pred, labels=[0, 1]).ravel()
    return {
        "count": float(y.shape[0]),
        "base_rate": float(np.mean(y)),
        "selection_rate": float(np.mean(y_pred)),
        "accuracy": accuracy_score(y, y_pred),
        "precision": precision_score(y, y_pred, zero_division=np.nan),
        "recall": recall_score(y, y_pred, zero_division=np.nan),
        "specificity": recall_score(y, y_pred, pos_label=0, zero_division=np.nan),
        "false_positive_rate": fp / (fp + tn) if fp + tn else float("nan"),
        "f1": f1_score(y, y_pred, zero_division=np.nan),
        "roc_auc": roc_auc_score(y, s) if both_classes(y) else float("nan"),
        "brier_score": brier_score_loss(y, s, labels=[0, 1]),
        "log_loss": log_loss(y, s, labels=[0, 1]),
    }


def calibration_oracle(y: np.ndarray, s: np.ndarray, bins: int) -> dict[str, np.ndarray | float]:
    """Equal-width bins [k/K, (k+1)/K), the last closed: counts, rates, ECE, MCE."""
    edges = np.arange(bins + 1) / bins  # k/K correctly rounded
    which = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, bins - 1)
    count = np.bincount(which, minlength=bins).astype(np.float64)
    label_sum = np.bincount(which, weights=y.astype(np.float64), minlength=bins)
    score_sum = np.bincount(which, weights=s, minlength=bins)
    full = count > 0
    gap = np.abs(label_sum[full] - score_sum[full]) / count[full]
    return {
        "edges": edges,
        "count": count,
        "mean_score": np.where(full, score_sum / np.maximum(count, 1), np.nan),
        "observed_rate": np.where(full, label_sum / np.maximum(count, 1), np.nan),
        "ece": float(np.sum(count[full] / y.shape[0] * gap)),
        "mce": float(gap.max()),
    }


def interior_edges(bins: int) -> np.ndarray:
    """Both spellings of the interior calibration edges (k/K and np.linspace's)."""
    return np.union1d(np.arange(1, bins) / bins, np.linspace(0.0, 1.0, bins + 1)[1:-1])


def fairlearn_label(key: Any) -> str:
    return "*".join(map(str, key)) if isinstance(key, tuple) else str(key)


# --- overall performance ----------------------------------------------------------------------

OVERALL_PERFORMANCE = (
    "accuracy",
    "precision",
    "recall",
    "specificity",
    "false_positive_rate",
    "f1",
    "roc_auc",
    "brier_score",
    "log_loss",
    "selection_rate",
    "base_rate",
)


@pytest.mark.parametrize("name", ALL_CASES)
def test_overall_performance_matches_sklearn(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    overall = case.results["overall"]
    expected = sklearn_metrics(case.y, case.y_pred, case.s)
    for metric in OVERALL_PERFORMANCE:
        close(value(overall[metric]), expected[metric], f"{name}: overall {metric}")
    close(
        value(overall["pr_auc"]),
        average_precision_score(case.y, case.s),
        f"{name}: overall pr_auc",
    )
    assert overall["row_count"]["value"] == case.y.shape[0]


@pytest.mark.parametrize("name", ALL_CASES)
def test_confusion_matrix_matches_sklearn(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    tn, fp, fn, tp = confusion_matrix(case.y, case.y_pred, labels=[0, 1]).ravel()
    assert case.results["confusion_matrix"] == {"tp": tp, "fp": fp, "tn": tn, "fn": fn}
    # The rows exactly on the threshold are predicted positive (ŷ = [s ≥ t]).
    on_threshold = case.s == case.threshold
    if name != "german":
        assert on_threshold.sum() >= 4
    assert case.y_pred[on_threshold].all()


# --- per group --------------------------------------------------------------------------------

GROUP_METRICS = (
    "count",
    "base_rate",
    "selection_rate",
    "accuracy",
    "precision",
    "recall",
    "specificity",
    "false_positive_rate",
    "f1",
    "roc_auc",
    "brier_score",
    "log_loss",
)


@pytest.mark.parametrize("name", ALL_CASES)
def test_group_metrics_match_sklearn_on_each_groups_rows(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    n = case.y.shape[0]
    for attribute, labels in case.labels.items():
        groups = case.results["by_attribute"][attribute]["groups"]
        assert sorted(groups) == sorted(set(labels.tolist())), attribute
        for label, entry in groups.items():
            rows = labels == label
            expected = sklearn_metrics(case.y[rows], case.y_pred[rows], case.s[rows])
            for metric in GROUP_METRICS:
                close(
                    value(entry[metric]), expected[metric], f"{name}: {attribute}={label} {metric}"
                )
            close(value(entry["share"]), rows.sum() / n, f"{name}: {attribute}={label} share")


def _metric_frame(case: Case, attribute: str) -> pd.DataFrame:
    recall = functools.partial(recall_score, zero_division=np.nan)
    precision = functools.partial(precision_score, zero_division=np.nan)
    frame = MetricFrame(
        metrics={
            "count": fm.count,
            "selection_rate": fm.selection_rate,
            "recall": recall,
            "false_positive_rate": fm.false_positive_rate,
            "precision": precision,
            "accuracy": accuracy_score,
        },
        y_true=case.y,
        y_pred=case.y_pred,
        sensitive_features=case.sensitive[attribute],
    ).by_group
    auc = MetricFrame(
        metrics={"roc_auc": roc_auc_score},
        y_true=case.y,
        y_pred=case.s,
        sensitive_features=case.sensitive[attribute],
    ).by_group
    out = frame.join(auc)
    out = out[out["count"] > 0]  # MetricFrame lists unobserved combinations too (all NaN)
    out.index = [fairlearn_label(k) for k in out.index]
    return out


@pytest.mark.parametrize("name", ALL_CASES)
def test_group_metrics_match_fairlearn_metricframe(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    for attribute, labels in case.labels.items():
        for label in set(labels.tolist()):  # every group must have both classes for roc_auc_score
            assert both_classes(case.y[labels == label]), f"{name}: {attribute}={label}"
        by_group = _metric_frame(case, attribute)
        groups = case.results["by_attribute"][attribute]["groups"]
        assert sorted(groups) == sorted(by_group.index)
        for label, entry in groups.items():
            for metric in by_group.columns:
                close(
                    value(entry[metric]),
                    float(by_group.loc[label, metric]),
                    f"{name}: {attribute}={label} {metric} vs MetricFrame",
                )


# --- disparities ------------------------------------------------------------------------------


def _equal_opportunity_difference(case: Case, attribute: str) -> float:
    sensitive = case.sensitive[attribute]
    if hasattr(fm, "equal_opportunity_difference"):
        return float(
            fm.equal_opportunity_difference(case.y, case.y_pred, sensitive_features=sensitive)
        )
    frame = MetricFrame(
        metrics=recall_score, y_true=case.y, y_pred=case.y_pred, sensitive_features=sensitive
    )
    return float(frame.difference())


@pytest.mark.parametrize("name", ALL_CASES)
def test_disparities_match_fairlearn(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    for attribute in case.labels:
        block = case.results["by_attribute"][attribute]
        sensitive = case.sensitive[attribute]
        expected = {
            "demographic_parity_difference": fm.demographic_parity_difference(
                case.y, case.y_pred, sensitive_features=sensitive
            ),
            "demographic_parity_ratio": fm.demographic_parity_ratio(
                case.y, case.y_pred, sensitive_features=sensitive
            ),
            "equalized_odds_difference": fm.equalized_odds_difference(
                case.y, case.y_pred, sensitive_features=sensitive
            ),
            "equal_opportunity_difference": _equal_opportunity_difference(case, attribute),
        }
        for metric, reference in expected.items():
            close(value(block[metric]), float(reference), f"{name}: {attribute} {metric}")


@pytest.mark.parametrize("name", ALL_CASES)
def test_disparate_impact_by_hand(cases: dict[str, Case], name: str) -> None:
    """With a privileged group: the lowest selection rate among the *other* groups over the
    privileged group's (DESIGN: SR_unprivileged / SR_privileged; with several unprivileged
    groups the worst one, which is what the four-fifths rule reads).  Without one: min/max,
    i.e. fairlearn's demographic_parity_ratio."""
    case = cases[name]
    for attribute, labels in case.labels.items():
        rates = {g: case.y_pred[labels == g].mean() for g in set(labels.tolist())}
        privileged = case.privileged[attribute]
        block = case.results["by_attribute"][attribute]
        assert block["privileged"] == privileged
        if privileged is None:
            expected = min(rates.values()) / max(rates.values())
        else:
            expected = min(r for g, r in rates.items() if g != privileged) / rates[privileged]
        close(value(block["disparate_impact"]), expected, f"{name}: {attribute} disparate_impact")


@pytest.mark.parametrize("name", ALL_CASES)
def test_min_group_size_is_the_smallest_group(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    smallest = {a: min(np.unique(lab, return_counts=True)[1]) for a, lab in case.labels.items()}
    for attribute, expected in smallest.items():
        assert case.results["by_attribute"][attribute]["min_group_size"]["value"] == expected
    assert case.results["overall"]["min_group_size"]["value"] == min(smallest.values())


# --- calibration ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", OFF_EDGE_CASES)
def test_calibration_errors_match_numpy(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    assert not np.isin(case.s, interior_edges(case.calibration_bins)).any()
    views = [("overall", case.results["overall"], np.ones_like(case.y, dtype=bool))]
    for attribute, labels in case.labels.items():
        for label, entry in case.results["by_attribute"][attribute]["groups"].items():
            views.append((f"{attribute}={label}", entry, labels == label))
    for where, entry, rows in views:
        oracle = calibration_oracle(case.y[rows], case.s[rows], case.calibration_bins)
        close(value(entry["expected_calibration_error"]), oracle["ece"], f"{name}: {where} ECE")
        close(value(entry["maximum_calibration_error"]), oracle["mce"], f"{name}: {where} MCE")


@pytest.mark.parametrize("name", OFF_EDGE_CASES)
def test_reliability_bins_match_sklearn_calibration_curve(
    cases: dict[str, Case], name: str
) -> None:
    """sklearn bins are right-closed ((a, b], via ``searchsorted(edges[1:-1], s)``), signoff's
    are left-closed [a, b) as DESIGN.md defines them; the two agree exactly when no score lies
    on an interior edge, which holds for these cases (asserted)."""
    case = cases[name]
    bins = case.calibration_bins
    assert not np.isin(case.s, interior_edges(bins)).any()
    tables = [(case.results["calibration"], np.ones_like(case.y, dtype=bool))]
    for attribute, labels in case.labels.items():
        for label, entry in case.results["by_attribute"][attribute]["groups"].items():
            tables.append((entry["calibration"], labels == label))
    for rows_json, rows in tables:
        assert len(rows_json) == bins
        prob_true, prob_pred = calibration_curve(
            case.y[rows], case.s[rows], n_bins=bins, strategy="uniform"
        )
        filled = [r for r in rows_json if r["count"] > 0]
        np.testing.assert_allclose([r["observed_rate"] for r in filled], prob_true, rtol=RTOL)
        np.testing.assert_allclose([r["mean_score"] for r in filled], prob_pred, rtol=RTOL)
        oracle = calibration_oracle(case.y[rows], case.s[rows], bins)
        np.testing.assert_array_equal([r["count"] for r in rows_json], oracle["count"])
        assert all(r["mean_score"] is None for r in rows_json if r["count"] == 0)


def test_a_score_on_a_calibration_edge_falls_in_the_bin_it_opens(tmp_path: Path) -> None:
    """DESIGN: bins are [k/K, (k+1)/K).  A score written 0.3 (a rounded probability) belongs
    to [0.3, 0.4), as 0.1, 0.2, 0.4 … do, and the reliability table's edges read k/K."""
    rng = np.random.default_rng(5)
    s = np.repeat(np.arange(1, 10) / 10, 30)  # every interior edge of K = 10, 30 rows each
    y = (rng.random(s.shape[0]) < s).astype(np.int64)
    y[:2] = [0, 1]
    frame = pd.DataFrame({"y": y, "s": s, "g": np.tile(["a", "b"], s.shape[0] // 2)})
    rows, results = _audit(tmp_path, frame, {"protected_attributes": {"g": {}}})
    y, s = rows["y"].to_numpy(np.int64), rows["s"].to_numpy(np.float64)
    oracle = calibration_oracle(y, s, 10)
    table = results["calibration"]
    assert [r["count"] for r in table] == oracle["count"].tolist()
    close(value(results["overall"]["expected_calibration_error"]), oracle["ece"], "ECE")
    close(value(results["overall"]["maximum_calibration_error"]), oracle["mce"], "MCE")
    assert [r["lower"] for r in table] == oracle["edges"][:-1].tolist()
    assert [r["upper"] for r in table] == oracle["edges"][1:].tolist()


# --- statistical power ------------------------------------------------------------------------


def statsmodels_power(n_small: float, n_large: float, rate: float, delta: float) -> float:
    """DESIGN: p₂ = p₁ ± δ towards the middle of [0, 1]; Cohen's h; NormalIndPower."""
    other = rate + delta if rate < 0.5 and rate + delta <= 1.0 else rate - delta
    effect = abs(proportion_effectsize(other, rate))
    return float(
        NormalIndPower().power(
            effect_size=effect,
            nobs1=n_small,
            ratio=n_large / n_small,
            alpha=0.05,
            alternative="two-sided",
        )
    )


@pytest.mark.parametrize("n_small", [5, 40, 300])
@pytest.mark.parametrize("n_large", [300, 2500])
@pytest.mark.parametrize("rate", [0.02, 0.3, 0.5, 0.77, 0.99])
@pytest.mark.parametrize("delta", [0.01, 0.05, 0.2])
def test_two_proportion_power_matches_statsmodels(
    n_small: int, n_large: int, rate: float, delta: float
) -> None:
    expected = statsmodels_power(n_small, n_large, rate, delta)
    assert two_proportion_power(n_small, n_large, rate, delta=delta) == pytest.approx(
        expected, rel=RTOL, abs=ATOL
    )


@pytest.mark.parametrize("name", ALL_CASES)
def test_statistical_power_matches_statsmodels(cases: dict[str, Case], name: str) -> None:
    """Smallest vs largest group (ties broken by the audit's group order); the baseline is
    the largest group's selection rate; overall = minimum over attributes."""
    case = cases[name]
    powers = []
    for attribute, labels in case.labels.items():
        order = case.groups(attribute)
        counts = np.array([np.sum(labels == g) for g in order])
        small, large = int(np.argmin(counts)), int(np.argmax(counts))
        rate = case.y_pred[labels == order[large]].mean()
        expected = statsmodels_power(counts[small], counts[large], rate, case.power_effect)
        got = value(case.results["by_attribute"][attribute]["statistical_power"])
        close(got, expected, f"{name}: {attribute} statistical_power")
        powers.append(expected)
    close(value(case.results["overall"]["statistical_power"]), min(powers), "overall power")


# --- demographic shift ------------------------------------------------------------------------

SHIFT_ORACLES: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray | None], float]] = {
    "accuracy": lambda y, p, w: accuracy_score(y, p, sample_weight=w),
    "recall": lambda y, p, w: recall_score(y, p, sample_weight=w, zero_division=np.nan),
    "precision": lambda y, p, w: precision_score(y, p, sample_weight=w, zero_division=np.nan),
    "selection_rate": lambda y, p, w: float(np.average(p, weights=w)),
    "f1": lambda y, p, w: f1_score(y, p, sample_weight=w, zero_division=np.nan),
}


def shift_oracle(
    case: Case, attribute: str, delta: float, metric: str
) -> tuple[float, list[tuple[str, str, float, float, float]]]:
    """Move one group's share p to q = clip(p ± δ) and reweight: its rows by q/p, the rest by
    (1 − q)/(1 − p); score with sklearn's ``sample_weight``.  Returns the largest drop
    (never below 0) and every scenario (group, direction, p, q, value)."""
    labels = case.labels[attribute]
    score = SHIFT_ORACLES[metric]
    base = score(case.y, case.y_pred, None)
    scenarios = []
    for group in case.groups(attribute):
        inside = labels == group
        p = inside.mean()
        for direction, q in (("up", min(p + delta, 1.0)), ("down", max(p - delta, 0.0))):
            weights = np.where(inside, q / p, (1.0 - q) / (1.0 - p))
            scenarios.append((group, direction, p, q, score(case.y, case.y_pred, weights)))
    drop = max(0.0, max(base - v for *_, v in scenarios))
    return drop, scenarios


def _check_shift(case: Case, metric: str) -> None:
    drops = []
    for attribute in case.labels:
        block = case.results["by_attribute"][attribute]
        drop, scenarios = shift_oracle(case, attribute, case.shift_delta, metric)
        close(value(block["max_shift_degradation"]), drop, f"{case.name}: {attribute} shift")
        assert len(block["shift"]) == len(scenarios)
        base = SHIFT_ORACLES[metric](case.y, case.y_pred, None)
        for row, (group, direction, p, q, v) in zip(block["shift"], scenarios, strict=True):
            assert (row["group"], row["direction"]) == (group, direction)
            close(row["share_before"], p, f"{attribute}={group} share before")
            close(row["share_after"], q, f"{attribute}={group} {direction} share after")
            close(row["value"], v, f"{attribute}={group} {direction} {metric}")
            close(row["change"], v - base, f"{attribute}={group} {direction} change")
        drops.append(drop)
    close(value(case.results["overall"]["max_shift_degradation"]), max(drops), "overall shift")


@pytest.mark.parametrize("name", ALL_CASES)
def test_max_shift_degradation_matches_reweighted_accuracy(
    cases: dict[str, Case], name: str
) -> None:
    _check_shift(cases[name], "accuracy")


@pytest.mark.parametrize("metric", sorted(SHIFT_ORACLES))
def test_max_shift_degradation_for_every_shift_metric(tmp_path: Path, metric: str) -> None:
    frame = synthetic_frame(900, 21, decimals=2, threshold=0.45)
    config = {
        "protected_attributes": {"g": {}, "h": {}},
        "threshold": 0.45,
        "shift_metric": metric,
        "shift_delta": 0.25,  # large enough that group c's share (≈0.2) is clipped at 0
    }
    rows, results = _audit(tmp_path, frame, config)
    g, h = rows["g"].to_numpy(str), rows["h"].to_numpy(str)
    case = Case(
        name=f"shift-{metric}",
        y=rows["y"].to_numpy(np.int64),
        s=rows["s"].to_numpy(np.float64),
        threshold=0.45,
        calibration_bins=10,
        labels={"g": g, "h": h},
        sensitive={},
        privileged={},
        power_effect=0.05,
        shift_delta=0.25,
        results=results,
    )
    _check_shift(case, metric)


# --- exact ranking functions ------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("levels", [2, 7, 50, None])  # None: continuous scores (no ties)
@pytest.mark.parametrize("n", [6, 80, 2000])
def test_exact_ranking_matches_sklearn_with_ties(seed: int, levels: int | None, n: int) -> None:
    rng = np.random.default_rng(seed)
    scores = rng.random(n) if levels is None else rng.integers(0, levels, n) / max(levels - 1, 1)
    y = (rng.random(n) < 0.3 + 0.4 * scores).astype(np.int8)
    groups = rng.integers(0, 4, n).astype(np.intp)
    y[groups == 3] = 1  # group 3 has only positives: AUC undefined
    auc = roc_auc_by_group(y, scores, groups, 5)  # group 4 is empty: undefined too
    _check_group_aucs(auc, y, scores, groups)
    if y.any():
        ap = average_precision(y, scores)
        assert ap == pytest.approx(average_precision_score(y, scores), rel=0, abs=1e-12)
    if both_classes(y):
        overall = roc_auc_by_group(y, scores, np.zeros(n, dtype=np.intp), 1)[0]
        assert overall == pytest.approx(roc_auc_score(y, scores), rel=0, abs=1e-12)


_EPS = float(np.finfo(np.float64).eps)
#: Scores that stress the packed sort: ties, −0.0 and 0.0, infinities, subnormals, and
#: different scores a few units in the last place apart (they share their high bits).
_SCORES = st.one_of(
    st.floats(allow_nan=False),
    st.sampled_from([0.0, -0.0, 1.0, 0.5, np.inf, -np.inf, 5e-324, -5e-324, 1e308]),
    st.integers(0, 40).map(lambda k: 0.3 + k * _EPS),
    st.integers(0, 40).map(lambda k: -0.7 - k * _EPS),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_SCORES, max_size=200), st.booleans())
def test_score_order_is_numpys_stable_argsort(values: list[float], nan: bool) -> None:
    """The packed integer sort gives exactly ``np.argsort(kind="stable")``: ties in row
    order, −0.0 tied with 0.0, neighbours that share their high bits put right; a NaN
    takes NumPy's own path."""
    scores = np.array(values + ([np.nan] if nan else []), dtype=np.float64)
    _check_score_order(scores)


def _check_score_order(scores: np.ndarray) -> None:
    """``score_order`` and ``score_ranks``'s runs of ties, against NumPy's stable argsort
    and the runs read from the scores in that order."""
    stable = np.argsort(scores, kind="stable")
    np.testing.assert_array_equal(score_order(scores), stable)
    y = (np.arange(scores.shape[0]) % 3 == 0).astype(np.int8)
    ranked = score_ranks(y, scores)
    ordered = scores[stable]
    expected = np.concatenate(([0], np.cumsum(ordered[1:] != ordered[:-1])))[: scores.shape[0]]
    np.testing.assert_array_equal(ranked.order, stable)
    np.testing.assert_array_equal(ranked.run, expected)
    np.testing.assert_array_equal(ranked.y, y[stable])


@pytest.mark.parametrize(
    "spread", ["uniform", "ulps", "ulps, wide span", "some ulps", "float32", "float32 array"]
)
def test_score_order_across_blocks(spread: str) -> None:
    """Past one block of rows (65,536), with many runs to sort again (scores a few ulps
    apart among scores far apart) or none (float32 scores, as boosters give, tie exactly;
    also as a float32 array)."""
    rng = np.random.default_rng(3)
    n = 200_003
    if spread == "uniform":
        scores = rng.random(n)
    elif spread == "ulps":  # few bits apart, but the keys move them up: none shared
        scores = 0.3 + rng.integers(0, 5_000, n) * _EPS
    elif spread == "ulps, wide span":  # one run of every row: NumPy's argsort does it all
        scores = 0.3 + rng.integers(0, 5_000, n) * _EPS
        scores[[5, 77]] = [-1e300, 1e300]
    elif spread == "some ulps":  # a few runs sorted again, the rest left as sorted
        scores = rng.random(n)
        scores[::97] = 0.3 + rng.integers(0, 50, scores[::97].shape[0]) * _EPS
    elif spread == "float32":
        scores = rng.random(n).astype(np.float32).astype(np.float64)
    else:  # a model's float32 output, as it comes
        scores = rng.random(n).astype(np.float32)
    _check_score_order(scores)


def test_keys_keep_the_scores_bits_the_span_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scores between 1e-6 and 1 (one key in 128 of the raw bits' range): keys less the
    smallest and moved up keep 7 more bits of each score above the row number, so a
    million rows of continuous scores leave almost no neighbours to sort again through
    the scores (the raw bits left 26 here, and 44 with the label's bit below the row
    number; ten million rows leave about a hundred thousand sharing their high bits)."""
    resorted: list[int] = []
    resort = _ranking._resort
    monkeypatch.setattr(
        _ranking, "_resort", lambda *a, **k: resorted.append(len(a[5])) or resort(*a, **k)
    )
    scores = np.random.default_rng(11).uniform(1e-6, 1.0, 1_000_000)
    scores[[0, 1]] = [1e-6, 1.0]
    _check_score_order(scores)
    assert sum(resorted) <= 2  # score_order's sort, then score_ranks' with the labels


@pytest.mark.parametrize("levels", [3, 1000, None])
def test_auc_through_codes_in_score_order_matches_sklearn(levels: int | None) -> None:
    """``roc_auc_by_mapped_group``: joint codes gathered through the score order once,
    each attribute read through its map — across several blocks of sorted rows (65,536),
    with tied runs straddling them, a code no row has (mapped to -1), a group of
    positives only and an empty group: scikit-learn's AUC on each group's rows, and the
    very values ``roc_auc_by_group`` gives from the attribute's own codes."""
    rng = np.random.default_rng(levels or 0)
    n = 150_001
    scores = rng.random(n) if levels is None else rng.integers(0, levels, n) / (levels - 1)
    y = (rng.random(n) < 0.2 + 0.5 * scores).astype(np.int8)
    joint = rng.integers(0, 6, n).astype(np.int8)  # code 6 has no rows
    mapping = np.array([0, 0, 1, 1, 2, 3, -1])  # group 4 of 5 is empty
    y[joint == 5] = 1  # group 3: positives only
    groups = mapping[joint]
    ranked = score_ranks(y, scores)
    auc = roc_auc_by_mapped_group(ranked, joint[ranked.order], mapping, 5)
    assert np.array_equal(auc, roc_auc_by_group(y, scores, groups, 5), equal_nan=True)
    _check_group_aucs(auc, y, scores, groups)


@pytest.mark.parametrize("n_groups", [5, 126, 127, 200, 40_000])
def test_group_codes_of_every_width_give_sklearns_auc(n_groups: int) -> None:
    """Groups are sorted within a block by one-byte codes up to 126 groups, two-byte codes
    past that, machine integers past 32,766: each gives scikit-learn's AUC (checked on a
    sample of groups when there are thousands), ties and several blocks included."""
    rng = np.random.default_rng(n_groups)
    n = 150_001
    scores = rng.integers(0, 400, n) / 399
    y = (rng.random(n) < 0.2 + 0.5 * scores).astype(np.int8)
    groups = rng.integers(0, n_groups, n).astype(np.intp)
    ranked = score_ranks(y, scores)
    identity = np.arange(n_groups)
    auc = roc_auc_by_mapped_group(ranked, groups[ranked.order], identity, n_groups)
    assert np.array_equal(auc, roc_auc_by_group(y, scores, groups, n_groups), equal_nan=True)
    sample = rng.choice(n_groups, size=min(n_groups, 60), replace=False)
    picked = np.isin(groups, sample)
    kept = np.full(n_groups, -1)
    kept[sample] = np.arange(sample.shape[0])
    _check_group_aucs(auc[sample], y[picked], scores[picked], kept[groups[picked]])


def _check_group_aucs(
    auc: np.ndarray, y: np.ndarray, scores: np.ndarray, groups: np.ndarray
) -> None:
    """Each group's AUC is scikit-learn's on its rows, NaN where it lacks a class."""
    for g in range(auc.shape[0]):
        rows = groups == g
        if both_classes(y[rows]):
            assert auc[g] == pytest.approx(roc_auc_score(y[rows], scores[rows]), rel=0, abs=1e-12)
        else:
            assert np.isnan(auc[g])


@pytest.mark.parametrize("levels", [3, 1000, 70_000, None])
def test_average_precision_across_row_blocks_matches_sklearn(levels: int | None) -> None:
    """More rows than one block of the sorted scores (65,536), with runs of tied scores
    that straddle the blocks' edges (3 and 1,000 levels), about one row per run (70,000
    levels) and none: the same value as scikit-learn."""
    rng = np.random.default_rng(levels or 0)
    n = 200_003
    scores = rng.random(n) if levels is None else rng.integers(0, levels, n) / (levels - 1)
    y = (rng.random(n) < 0.2 + 0.5 * scores).astype(np.int8)
    ap = average_precision(y, scores)
    assert ap == pytest.approx(average_precision_score(y, scores), rel=0, abs=1e-12)


def test_average_precision_without_positives_is_nan() -> None:
    assert np.isnan(average_precision(np.zeros(5, dtype=np.int8), np.linspace(0, 1, 5)))


@settings(max_examples=150, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 6), st.integers(0, 2)), min_size=1, max_size=60
    )
)
def test_exact_ranking_matches_sklearn_property(data: list[tuple[int, int, int]]) -> None:
    y = np.array([d[0] for d in data], dtype=np.int8)
    scores = np.array([d[1] for d in data], dtype=np.float64) / 6.0
    groups = np.array([d[2] for d in data], dtype=np.intp)
    auc = roc_auc_by_group(y, scores, groups, 3)
    for g in range(3):
        rows = groups == g
        if both_classes(y[rows]):
            assert auc[g] == pytest.approx(roc_auc_score(y[rows], scores[rows]), abs=1e-12)
        else:
            assert np.isnan(auc[g])
    if y.any():
        assert average_precision(y, scores) == pytest.approx(
            average_precision_score(y, scores), abs=1e-12
        )
