"""The metric registry: one entry per canonical metric name.

The audit engine, the policy evaluator, the reports, ``docs/metrics.md`` and
the tests all read this table; a metric that is not here does not exist.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

__all__ = ["METRICS", "MetricSpec", "closest_metrics", "get_metric"]

Level = Literal["overall", "attribute", "group"]
Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class MetricSpec:
    """What one metric is, where it appears and which way is better.

    Attributes
    ----------
    name : str
        Canonical snake_case name used everywhere.
    levels : tuple of {"overall", "attribute", "group"}
        Where it appears in ``results.json``: ``overall.<name>``,
        ``by_attribute.<attr>.<name>`` or ``by_attribute.<attr>.groups.<g>.<name>``.
    direction : {"higher", "lower"}
        Which way is better.
    needs : tuple of str
        Inputs it needs: ``labels``, ``scores``, ``model``, ``features``.
    description : str
        One line for people.
    bounds : tuple of float or None
        The range of possible values (for policy lint); None when unbounded.
    ci : bool
        Whether it comes with a bootstrap interval.
    """

    name: str
    levels: tuple[Level, ...]
    direction: Direction
    needs: tuple[str, ...]
    description: str
    bounds: tuple[float | None, float | None] = (0.0, 1.0)
    ci: bool = True


_PERF: tuple[Level, ...] = ("overall", "group")
_L = ("labels",)
_LS = ("labels", "scores")

METRICS: dict[str, MetricSpec] = {
    m.name: m
    for m in (
        MetricSpec("accuracy", _PERF, "higher", _L, "Share of rows whose decision matches the label."),
        MetricSpec("precision", _PERF, "higher", _L, "Among predicted positives, the share truly positive (TP / (TP + FP))."),
        MetricSpec("recall", _PERF, "higher", _L, "True positive rate, sensitivity: TP / (TP + FN)."),
        MetricSpec("specificity", _PERF, "higher", _L, "True negative rate: TN / (TN + FP)."),
        MetricSpec("false_positive_rate", _PERF, "lower", _L, "FP / (FP + TN)."),
        MetricSpec("f1", _PERF, "higher", _L, "Harmonic mean of precision and recall."),
        MetricSpec("roc_auc", _PERF, "higher", _LS, "Area under the ROC curve (exact, ties count one half)."),
        MetricSpec("pr_auc", ("overall",), "higher", _LS, "Average precision: area under the precision-recall curve, step-wise."),
        MetricSpec("brier_score", _PERF, "lower", _LS, "Mean squared difference between score and label."),
        MetricSpec("log_loss", _PERF, "lower", _LS, "Mean negative log-likelihood of the labels (scores clipped to [eps, 1 − eps]).", (0.0, None)),
        MetricSpec("expected_calibration_error", _PERF, "lower", _LS, "Σ_b (n_b/N)·|mean(y in b) − mean(s in b)| over equal-width score bins."),
        MetricSpec("maximum_calibration_error", _PERF, "lower", _LS, "Largest |mean(y in b) − mean(s in b)| over non-empty score bins."),
        MetricSpec("selection_rate", _PERF, "higher", _L, "Share of rows predicted positive (the favourable decision)."),
        MetricSpec("base_rate", _PERF, "higher", _L, "Share of rows whose true label is positive."),
        MetricSpec("count", ("group",), "higher", (), "Rows in the group.", (0.0, None), ci=False),
        MetricSpec("share", ("group",), "higher", (), "The group's share of all rows."),
        MetricSpec("demographic_parity_difference", ("attribute",), "lower", _L, "Largest minus smallest group selection rate."),
        MetricSpec("demographic_parity_ratio", ("attribute",), "higher", _L, "Smallest over largest group selection rate."),
        MetricSpec("disparate_impact", ("attribute",), "higher", _L, "Lowest unprivileged selection rate over the privileged group's (min/max without a privileged group); the four-fifths rule reads it.", (0.0, None)),
        MetricSpec("equal_opportunity_difference", ("attribute",), "lower", _L, "Largest minus smallest group true positive rate."),
        MetricSpec("equalized_odds_difference", ("attribute",), "lower", _L, "The larger of the true- and false-positive-rate spreads across groups."),
        MetricSpec("min_group_size", ("overall", "attribute"), "higher", (), "Smallest group count over the audited attributes and intersections.", (0.0, None), ci=False),
        MetricSpec("statistical_power", ("overall", "attribute"), "higher", _L, "Power (two-sided, α = 0.05, Cohen's h, normal approximation) to detect a selection-rate gap of δ between the smallest and largest group; minimum over attributes.", ci=False),
        MetricSpec("max_shift_degradation", ("overall", "attribute"), "lower", _L, "Largest drop of the shift metric when one group's share moves by ±δ and rows are reweighted.", (None, None)),
        MetricSpec("protected_attribute_importance_rank", ("overall",), "higher", ("model", "features"), "Best (smallest) permutation-importance rank reached by a protected attribute or proxy feature; features + 1 when none is a model input.", (1.0, None), ci=False),
        MetricSpec("max_proxy_association", ("overall", "attribute"), "lower", ("features",), "Largest association (Cramér's V or correlation ratio) between a feature and a protected attribute.", ci=False),
        MetricSpec("row_count", ("overall",), "higher", (), "Rows in the evaluation set.", (0.0, None), ci=False),
        MetricSpec("duplicate_share", ("overall",), "lower", (), "Share of rows identical to an earlier row.", ci=False),
        MetricSpec("max_null_share", ("overall",), "lower", (), "Largest share of missing values in any column.", ci=False),
        MetricSpec("constant_column_count", ("overall",), "lower", (), "Columns with at most one distinct value.", (0.0, None), ci=False),
    )
}  # fmt: skip


def get_metric(name: str) -> MetricSpec:
    """The spec for ``name``; ``KeyError`` with the closest names when unknown."""
    try:
        return METRICS[name]
    except KeyError:
        close = closest_metrics(name)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown metric '{name}'{hint}") from None


def closest_metrics(name: str, n: int = 3) -> list[str]:
    """Known metric names closest to ``name`` (for error messages)."""
    return difflib.get_close_matches(name, list(METRICS), n=n, cutoff=0.5)
