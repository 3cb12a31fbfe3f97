"""The metric registry: one entry per canonical metric name.

The audit engine, the policy evaluator, the reports, the terminal summary,
``docs/metrics.md`` and the tests all read this module; a metric that is not
here does not exist.  Each entry says what the metric is called (for
policies and for people), which way is better, what it needs, where it
appears in ``results.json`` and which function computes it.  :data:`TABLES`
says which metrics each report and terminal table shows, in its order.

Functions are named as ``module:function`` and imported on demand by
:attr:`MetricSpec.function`: the registry can so name a function of a package
that itself reads the registry (``signoff.explain``) without an import cycle,
and this module imports nothing but the standard library.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Literal

__all__ = [
    "METRICS",
    "SECTIONS",
    "TABLES",
    "MetricSpec",
    "Table",
    "closest_metrics",
    "get_metric",
    "table",
]

Level = Literal["overall", "attribute", "group"]
Direction = Literal["higher", "lower"]
Need = Literal["labels", "scores", "groups", "model", "features"]
Section = Literal[
    "performance",
    "calibration",
    "selection",
    "groups",
    "fairness",
    "sample",
    "robustness",
    "explainability",
    "data_quality",
]
Table = Literal[
    "summary",
    "key_disparities",
    "report_performance",
    "report_calibration",
    "report_group_columns",
    "report_group_chart",
    "model_card",
]

#: Each section's heading for people, in display order.
SECTIONS: dict[Section, str] = {
    "performance": "Performance",
    "calibration": "Calibration",
    "selection": "Selection and base rates",
    "groups": "Groups",
    "fairness": "Fairness",
    "sample": "Sample size and power",
    "robustness": "Robustness",
    "explainability": "Explainability",
    "data_quality": "Data quality",
}


@dataclass(frozen=True)
class MetricSpec:
    """What one metric is, where it appears and which way is better.

    Attributes
    ----------
    name : str
        Canonical snake_case name used everywhere.
    label : str
        Its name for people (reports, model cards).
    section : str
        The section of :data:`SECTIONS` it belongs to.
    levels : tuple of {"overall", "attribute", "group"}
        Where it appears in ``results.json``: ``overall.<name>``,
        ``by_attribute.<attr>.<name>`` or ``by_attribute.<attr>.groups.<g>.<name>``.
    direction : {"higher", "lower"}
        Which way is better.
    needs : tuple of str
        Inputs it needs: ``labels``, ``scores``, ``groups`` (protected
        attributes), ``model``, ``features``.
    computed_by : str
        ``module:function`` of the function that computes it (or whose result
        carries it under its name); see :attr:`function`.
    description : str
        One line for people.
    bounds : tuple of float or None
        The range of possible values (for policy lint); None when unbounded.
    ci : bool
        Whether it comes with a bootstrap interval.
    short : str or None
        Its name in narrow columns and chart legends (``"TPR"``); None: the
        label in lower case.
    heading : str or None
        Its column heading in report tables; None: the label.
    """

    name: str
    label: str
    section: Section
    levels: tuple[Level, ...]
    direction: Direction
    needs: tuple[Need, ...]
    computed_by: str
    description: str
    bounds: tuple[float | None, float | None] = (0.0, 1.0)
    ci: bool = True
    short: str | None = field(default=None, kw_only=True)
    heading: str | None = field(default=None, kw_only=True)

    @property
    def short_label(self) -> str:
        """The name in narrow columns and chart legends (``"DP diff"``, ``"selection rate"``)."""
        return self.short if self.short is not None else self.label.lower()

    @property
    def column_heading(self) -> str:
        """The column heading in report tables (``"TPR (recall)"``, ``"Base rate"``)."""
        return self.heading if self.heading is not None else self.label

    @property
    def function(self) -> Callable[..., Any]:
        """The function named by :attr:`computed_by`, imported now.

        >>> get_metric("roc_auc").function.__name__
        'roc_auc_by_group'
        """
        module, _, name = self.computed_by.partition(":")
        found: Callable[..., Any] = getattr(import_module(module), name)
        return found


_PERF: tuple[Level, ...] = ("overall", "group")
_ATTR: tuple[Level, ...] = ("attribute",)
_L: tuple[Need, ...] = ("labels",)
_LS: tuple[Need, ...] = ("labels", "scores")
_LG: tuple[Need, ...] = ("labels", "groups")
_COUNTS = "signoff.metrics:group_statistics"
_DISPARITIES = "signoff.metrics:disparities"
_QUALITY = "signoff.metrics:data_quality"

METRICS: dict[str, MetricSpec] = {
    m.name: m
    for m in (
        MetricSpec("accuracy", "Accuracy", "performance", _PERF, "higher", _L, _COUNTS, "Share of rows whose decision matches the label."),
        MetricSpec("precision", "Precision", "performance", _PERF, "higher", _L, _COUNTS, "Among predicted positives, the share truly positive (TP / (TP + FP))."),
        MetricSpec("recall", "Recall (true positive rate)", "performance", _PERF, "higher", _L, _COUNTS, "True positive rate, sensitivity: TP / (TP + FN).", short="TPR", heading="TPR (recall)"),
        MetricSpec("specificity", "Specificity", "performance", _PERF, "higher", _L, _COUNTS, "True negative rate: TN / (TN + FP)."),
        MetricSpec("false_positive_rate", "False positive rate", "performance", _PERF, "lower", _L, _COUNTS, "FP / (FP + TN).", short="FPR", heading="FPR"),
        MetricSpec("f1", "F1 score", "performance", _PERF, "higher", _L, _COUNTS, "Harmonic mean of precision and recall."),
        MetricSpec("roc_auc", "ROC AUC", "performance", _PERF, "higher", _LS, "signoff.metrics:roc_auc_by_group", "Area under the ROC curve (exact, ties count one half)."),
        MetricSpec("pr_auc", "PR AUC (average precision)", "performance", ("overall",), "higher", _LS, "signoff.metrics:average_precision", "Average precision: area under the precision-recall curve, step-wise."),
        MetricSpec("brier_score", "Brier score", "calibration", _PERF, "lower", _LS, _COUNTS, "Mean squared difference between score and label."),
        MetricSpec("log_loss", "Log loss", "calibration", _PERF, "lower", _LS, _COUNTS, "Mean negative log-likelihood of the labels (scores clipped to [eps, 1 − eps]).", (0.0, None)),
        MetricSpec("expected_calibration_error", "Expected calibration error (ECE)", "calibration", _PERF, "lower", _LS, _COUNTS, "Σ_b (n_b/N)·|mean(y in b) − mean(s in b)| over equal-width score bins."),
        MetricSpec("maximum_calibration_error", "Maximum calibration error (MCE)", "calibration", _PERF, "lower", _LS, _COUNTS, "Largest |mean(y in b) − mean(s in b)| over non-empty score bins."),
        MetricSpec("selection_rate", "Selection rate", "selection", _PERF, "higher", _L, _COUNTS, "Share of rows predicted positive (the favourable decision)."),
        MetricSpec("base_rate", "Base rate", "selection", _PERF, "higher", _L, _COUNTS, "Share of rows whose true label is positive."),
        MetricSpec("count", "Count", "groups", ("group",), "higher", ("groups",), _COUNTS, "Rows in the group.", (0.0, None), ci=False),
        MetricSpec("share", "Share", "groups", ("group",), "higher", ("groups",), _COUNTS, "The group's share of all rows."),
        MetricSpec("demographic_parity_difference", "Demographic parity difference", "fairness", _ATTR, "lower", _LG, _DISPARITIES, "Largest minus smallest group selection rate.", short="DP diff"),
        MetricSpec("demographic_parity_ratio", "Demographic parity ratio", "fairness", _ATTR, "higher", _LG, _DISPARITIES, "Smallest over largest group selection rate."),
        MetricSpec("disparate_impact", "Disparate impact", "fairness", _ATTR, "higher", _LG, _DISPARITIES, "Lowest unprivileged selection rate over the privileged group's (min/max without a privileged group); the four-fifths rule reads it.", (0.0, None)),
        MetricSpec("equal_opportunity_difference", "Equal opportunity difference", "fairness", _ATTR, "lower", _LG, _DISPARITIES, "Largest minus smallest group true positive rate.", short="EO diff"),
        MetricSpec("equalized_odds_difference", "Equalized odds difference", "fairness", _ATTR, "lower", _LG, _DISPARITIES, "The larger of the true- and false-positive-rate spreads across groups.", short="EOdds diff"),
        MetricSpec("min_group_size", "Smallest group", "sample", ("overall", "attribute"), "higher", ("groups",), _COUNTS, "Smallest group count over the audited attributes and intersections.", (0.0, None), ci=False),
        MetricSpec("statistical_power", "Statistical power", "sample", ("overall", "attribute"), "higher", _LG, "signoff.metrics:two_proportion_power", "Power (two-sided, α = 0.05, Cohen's h, normal approximation) to detect a selection-rate gap of δ between the smallest and largest group; minimum over attributes.", ci=False),
        MetricSpec("max_shift_degradation", "Largest drop under demographic shift", "robustness", ("overall", "attribute"), "lower", _LG, "signoff.metrics:shift_scenarios", "Largest drop of the shift metric when one group's share moves by ±δ and rows are reweighted.", (None, None)),
        MetricSpec("protected_attribute_importance_rank", "Best rank of a protected attribute or proxy", "explainability", ("overall",), "higher", ("model", "features", "groups"), "signoff.explain:importance_rank", "Best (smallest) permutation-importance rank reached by a protected attribute or proxy feature; features + 1 when none is a model input.", (1.0, None), ci=False),
        MetricSpec("max_proxy_association", "Strongest proxy association", "explainability", ("overall", "attribute"), "lower", ("features", "groups"), "signoff.metrics:proxy_associations", "Largest association (Cramér's V or correlation ratio) between a feature and a protected attribute.", ci=False),
        MetricSpec("row_count", "Rows", "data_quality", ("overall",), "higher", (), _QUALITY, "Rows in the evaluation set.", (0.0, None), ci=False),
        MetricSpec("duplicate_share", "Duplicate rows (share)", "data_quality", ("overall",), "lower", (), _QUALITY, "Share of rows identical to an earlier row.", ci=False),
        MetricSpec("max_null_share", "Largest share of missing values in a column", "data_quality", ("overall",), "lower", (), _QUALITY, "Largest share of missing values in any column.", ci=False),
        MetricSpec("constant_column_count", "Constant columns", "data_quality", ("overall",), "lower", (), _QUALITY, "Columns with at most one distinct value.", (0.0, None), ci=False),
    )
}  # fmt: skip

#: The metrics each table of the terminal summary, the report and the model card
#: shows, in its order.  Labels, directions and definitions come from :data:`METRICS`.
TABLES: dict[Table, tuple[str, ...]] = {
    "summary": ("accuracy", "precision", "recall", "specificity", "f1", "roc_auc", "pr_auc", "brier_score", "log_loss", "expected_calibration_error", "maximum_calibration_error", "selection_rate"),
    "key_disparities": ("demographic_parity_difference", "disparate_impact", "equal_opportunity_difference", "equalized_odds_difference"),
    "report_performance": ("accuracy", "precision", "recall", "specificity", "false_positive_rate", "f1", "roc_auc", "pr_auc", "brier_score", "log_loss", "selection_rate", "base_rate"),
    "report_calibration": ("expected_calibration_error", "maximum_calibration_error"),
    "report_group_columns": ("base_rate", "selection_rate", "recall", "false_positive_rate", "precision"),
    "report_group_chart": ("selection_rate", "recall", "false_positive_rate"),
    "model_card": ("accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "brier_score"),
}  # fmt: skip


def table(name: Table) -> tuple[MetricSpec, ...]:
    """The specs of the metrics one table shows, in its order.

    >>> [spec.short_label for spec in table("report_group_chart")]
    ['selection rate', 'TPR', 'FPR']
    """
    return tuple(METRICS[metric] for metric in TABLES[name])


def get_metric(name: str) -> MetricSpec:
    """The spec for ``name``; ``KeyError`` with the closest names when unknown.

    >>> spec = get_metric("disparate_impact")
    >>> spec.label, spec.direction, spec.levels
    ('Disparate impact', 'higher', ('attribute',))
    >>> get_metric("acuracy")
    Traceback (most recent call last):
    KeyError: "unknown metric 'acuracy'; did you mean accuracy?"
    """
    try:
        return METRICS[name]
    except KeyError:
        close = closest_metrics(name)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown metric '{name}'{hint}") from None


def closest_metrics(name: str, n: int = 3) -> list[str]:
    """Known metric names closest to ``name`` (for error messages)."""
    return difflib.get_close_matches(name, list(METRICS), n=n, cutoff=0.5)
