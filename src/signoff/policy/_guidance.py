"""What a reviewer needs to know about each metric: typical thresholds, the usual fix, meaning.

Reports print :attr:`MetricGuidance.remediation` under a failed gate and the
policy lint reads :attr:`MetricGuidance.typical` when it suggests a threshold.

A note on sources.  Regulations are cited only where they say what is
claimed: the four-fifths rule is 29 CFR §1607.4(D) (US Uniform Guidelines on
Employee Selection Procedures, 1978); ECOA and Regulation B (12 CFR Part 1002)
forbid discrimination in credit on prohibited bases but set no numeric
limits; SR 11-7 (US Federal Reserve / OCC model risk guidance, 2011) asks for
validation, outcomes analysis and ongoing monitoring, not for particular
numbers; Regulation (EU) 2024/1689 (the AI Act) asks high-risk systems for
data governance (Art. 10), transparency (Art. 13) and an appropriate level of
accuracy and robustness (Art. 15), again without numbers.  Every other number
below is labelled *common practice*: an internal limit many teams use, to be
set by each organisation for its own use case.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..metrics import METRICS, closest_metrics

__all__ = ["GUIDANCE", "MetricGuidance", "guidance"]


@dataclass(frozen=True)
class MetricGuidance:
    """Advice for a reviewer on one metric.

    Attributes
    ----------
    metric : str
        Canonical metric name (a key of :data:`signoff.metrics.METRICS`).
    typical : str
        Typical thresholds and where they come from (a regulation, or common
        practice).
    remediation : str
        One line: what usually fixes a failed gate on this metric.
    interpretation : str
        One or two plain sentences for a validator.
    """

    metric: str
    typical: str
    remediation: str
    interpretation: str


_DISPARITY_FIX = (
    "check the threshold per group and the features driving the gap (proxy table); "
    "consider reweighing or threshold review; document business necessity"
)

_ENTRIES = (
    MetricGuidance(
        "accuracy",
        "No standard limit; judge it against the majority-class rate (base_rate or "
        "1 − base_rate) and the incumbent model. Common practice prefers roc_auc or "
        "recall gates on imbalanced data.",
        "compare with the majority-class baseline; review the decision threshold, "
        "features and training data",
        "The share of decisions that match the true outcome. With 70% positives, "
        "approving everyone already scores 0.70, so read it against the base rate.",
    ),
    MetricGuidance(
        "precision",
        "Set from the cost of a false positive in the use case; no regulation sets a "
        "number. Compare it across groups (predictive parity).",
        "raise the decision threshold or add features that separate false from true "
        "positives; check label quality",
        "Of the rows given the favourable decision, the share whose true outcome is "
        "positive. Low precision means favourable decisions often go to rows that turn "
        "out negative.",
    ),
    MetricGuidance(
        "recall",
        "Set from the cost of a missed positive; no regulation sets a number. Its gap "
        "across groups is equal_opportunity_difference.",
        "lower the decision threshold or add signal for the missed positives; check "
        "label quality and small groups",
        "Of the rows whose true outcome is positive, the share the model gives the "
        "favourable decision (with approval as positive: creditworthy applicants "
        "approved).",
    ),
    MetricGuidance(
        "specificity",
        "Set from the cost of a false positive; read with recall, which moves the "
        "other way when the threshold changes.",
        "raise the decision threshold or add signal that separates the negatives; "
        "check the class balance of the training data",
        "Of the rows whose true outcome is negative, the share the model correctly "
        "keeps from the favourable decision (1 − false_positive_rate).",
    ),
    MetricGuidance(
        "false_positive_rate",
        "Set from the cost of a false positive; no regulation sets a number. Its gap "
        "across groups is part of equalized_odds_difference.",
        "raise the decision threshold or add signal for the negatives let through; "
        "compare the rate per group",
        "Of the rows whose true outcome is negative, the share the model wrongly gives "
        "the favourable decision (1 − specificity).",
    ),
    MetricGuidance(
        "f1",
        "An internal benchmark: compare with the incumbent model. It depends on the "
        "threshold and on which class is positive; no external standard.",
        "tune the decision threshold for the precision/recall balance the use case "
        "needs; improve features or labels",
        "The harmonic mean of precision and recall: high only when both are. It "
        "ignores true negatives.",
    ),
    MetricGuidance(
        "roc_auc",
        "≥ 0.70 is a common floor for credit and other risk scores (common practice); "
        "0.5 is chance. SR 11-7 asks for outcomes analysis and benchmarking, not a "
        "number.",
        "revisit features, training data and the target definition; benchmark against "
        "a simpler model; check per-group AUC",
        "The probability that a random positive row scores higher than a random "
        "negative one. It measures ranking only: a well-ranked model can still be "
        "badly calibrated.",
    ),
    MetricGuidance(
        "pr_auc",
        "Judge it against the base rate, which is what a random ranking scores; no "
        "external standard.",
        "improve the ranking among the highest scores (features, training data); "
        "compare with the base-rate baseline",
        "Average precision over all thresholds. Unlike ROC AUC it reflects how rare "
        "positives are, so read it against the base rate.",
    ),
    MetricGuidance(
        "brier_score",
        "Must beat base_rate·(1 − base_rate), the score of always predicting the base "
        "rate (0.21 at a 70% base rate); the limit itself is common practice.",
        "recalibrate the scores on held-out data (Platt or isotonic) and improve the "
        "ranking; check calibration per group",
        "The mean squared gap between score and outcome; it rewards both ranking and "
        "calibration. Lower is better.",
    ),
    MetricGuidance(
        "log_loss",
        "Must beat the log loss of always predicting the base rate; the limit is "
        "common practice. A few confident mistakes can dominate it.",
        "recalibrate the scores and look for confident mistakes (wrong scores near 0 "
        "or 1); check label noise",
        "The average penalty on the probability given to the true outcome; confident "
        "mistakes cost most. It has no upper bound.",
    ),
    MetricGuidance(
        "expected_calibration_error",
        "≤ 0.05 is a common internal limit where scores are read as probabilities "
        "(pricing, provisioning); 0.02 strict. It depends on the bins and sample size.",
        "recalibrate on held-out data (Platt scaling or isotonic regression); check "
        "calibration per group",
        "The average gap, weighted by bin size, between predicted probability and "
        "observed rate. 0.05 means scores are off by about five points on average.",
    ),
    MetricGuidance(
        "maximum_calibration_error",
        "0.10–0.20 is a common internal warning level; it is noisy where bins are "
        "sparse, so read it with the bin counts.",
        "inspect the worst bin's row count and score range; recalibrate, or use fewer "
        "calibration_bins if bins are sparse",
        "The largest gap between predicted probability and observed rate in any score "
        "bin. One sparse bin can dominate it.",
    ),
    MetricGuidance(
        "selection_rate",
        "No pass mark on its own: it follows from risk appetite and capacity. Its "
        "ratios across groups are what the four-fifths rule (29 CFR §1607.4(D)) reads.",
        "check the decision threshold against the intended approval volume; compare "
        "the rate per group",
        "The share of rows that receive the favourable decision. Compare groups with "
        "demographic_parity_difference and disparate_impact.",
    ),
    MetricGuidance(
        "base_rate",
        "Describes the data, not the model; gates on it are unusual. Compare it with "
        "the training data and with production to notice label shift.",
        "check how the evaluation set was sampled and how the target is defined; "
        "compare with training and production",
        "The share of rows whose true outcome is positive. When it differs between "
        "groups, not every fairness metric can be equal at once.",
    ),
    MetricGuidance(
        "count",
        "≥ 30 rows per group is a common rule of thumb before reading a group's rates; "
        "below that, read the interval rather than the point.",
        "collect more evaluation rows for the group, merge sparse categories with care, "
        "or report it as not assessable",
        "The number of evaluation rows in the group. Every rate for a small group has "
        "a wide interval.",
    ),
    MetricGuidance(
        "share",
        "No pass mark; compare with the population the model will serve. The EU AI Act "
        "asks high-risk systems for sufficiently representative data (Art. 10(3)).",
        "compare with the target population; resample or reweight the evaluation set, "
        "or collect data for under-represented groups",
        "The group's fraction of the evaluation rows. If production differs, overall "
        "metrics will weight the groups differently there.",
    ),
    MetricGuidance(
        "demographic_parity_difference",
        "≤ 0.10 is a common internal limit; 0.05 strict. No statute sets a number "
        "(ECOA / Regulation B forbid discrimination but give no limit).",
        _DISPARITY_FIX,
        "The gap in favourable-decision rates between the most and the least favoured "
        "group, in absolute terms. Zero means every group is selected at the same rate, "
        "whatever its base rate.",
    ),
    MetricGuidance(
        "demographic_parity_ratio",
        "≥ 0.80 mirrors the four-fifths rule (29 CFR §1607.4(D)); outside employment "
        "selection it is used as a screen by common practice.",
        _DISPARITY_FIX,
        "The least-selected group's rate divided by the most-selected group's. 0.80 "
        "means the least favoured group is selected at 80% of the top group's rate.",
    ),
    MetricGuidance(
        "disparate_impact",
        "0.8–1.25 (US EEOC four-fifths rule, 29 CFR §1607.4(D); 1.25 = 1/0.8 mirrors it, "
        "common practice). NYC Local Law 144 bias audits report this impact ratio "
        "without a pass mark.",
        _DISPARITY_FIX,
        "The selection rate of the unprivileged group divided by the privileged "
        "group's (lowest over highest without one). Below 0.8 is generally regarded by "
        "US enforcement agencies as evidence of adverse impact in employment selection.",
    ),
    MetricGuidance(
        "equal_opportunity_difference",
        "≤ 0.10 is a common internal limit; no statute sets a number.",
        "compare recall per group; check label quality and the features for the "
        "group with the lowest recall; review the threshold",
        "The largest gap between groups in the share of truly positive rows that get "
        "the favourable decision: qualified people in one group are approved less "
        "often than in another.",
    ),
    MetricGuidance(
        "equalized_odds_difference",
        "≤ 0.10 is a common internal limit; no statute sets a number. It is stricter "
        "than equal opportunity because false-positive rates must match too.",
        "see whether the TPR or the FPR spread drives it (group table); check labels "
        "and features for that group; review the threshold",
        "The larger of the between-group gaps in true-positive and false-positive "
        "rates. Zero means the model errs at the same rates for every group.",
    ),
    MetricGuidance(
        "min_group_size",
        "≥ 30 is a common rule of thumb before reporting a group's rates; disparity "
        "gates on smaller groups are mostly noise.",
        "collect more evaluation rows for the smallest group, or drop the sparse "
        "intersection from the audit with a documented reason",
        "The smallest group over the audited attributes and intersections. Every "
        "disparity involving that group is uncertain when it is small.",
    ),
    MetricGuidance(
        "statistical_power",
        "≥ 0.80 is the conventional target in study design (Cohen); common practice "
        "reports it (info) rather than blocking on it.",
        "add evaluation rows for the smallest group, or audit a larger effect size δ "
        "and say so in the report",
        "The chance that the audit would detect a selection-rate gap of δ between the "
        "smallest and largest group if there were one. With low power, a passing "
        "fairness gate is weak evidence.",
    ),
    MetricGuidance(
        "max_shift_degradation",
        "≤ 0.05 (five points of the shift metric) is a common internal limit; set it "
        "from how far the population mix can plausibly move. SR 11-7 expects "
        "sensitivity analysis.",
        "find the group whose share change hurts most (shift table); improve the model "
        "for that group or monitor its share in production",
        "How much the chosen metric (default accuracy) would drop if one group's share "
        "of the population moved by ±δ. A large value means performance depends on "
        "today's mix of groups.",
    ),
    MetricGuidance(
        "protected_attribute_importance_rank",
        "Common practice: no protected attribute or declared proxy among the top 3–5 "
        "features. ECOA / Regulation B restrict using prohibited bases in credit "
        "decisions.",
        "remove the attribute from the model's inputs, or justify and document the "
        "proxy feature; check the proxy table",
        "The best rank any protected attribute or declared proxy reaches in "
        "permutation importance (1 = most important). A small number means the model "
        "leans on it.",
    ),
    MetricGuidance(
        "max_proxy_association",
        "< 0.5 (Cramér's V or correlation ratio) is a common warning level; 0.3 strict. "
        "A rule of thumb, not a standard.",
        "review the strongly associated features: drop or transform them, or document "
        "why they are needed and test without them",
        "The strongest association between any feature and a protected attribute. A "
        "strong proxy lets a model reconstruct the attribute even when it is excluded.",
    ),
    MetricGuidance(
        "row_count",
        "No standard number; choose it so that the min_group_size and "
        "statistical_power gates can pass.",
        "enlarge the evaluation set (a longer time window or more sources), keeping it "
        "separate from the training data",
        "The number of rows in the evaluation set. It limits how precise every other "
        "metric can be.",
    ),
    MetricGuidance(
        "duplicate_share",
        "≤ 0.01 is a common internal limit; exact duplicates in evaluation data "
        "usually come from a join or export error.",
        "trace the duplicates to their source (joins, repeated exports); deduplicate "
        "and check for overlap with training data",
        "The share of rows identical to an earlier row. Duplicates over-weight some "
        "cases and can hide leakage between training and evaluation.",
    ),
    MetricGuidance(
        "max_null_share",
        "≤ 0.05 per column is a common internal limit. The EU AI Act asks high-risk "
        "data to be, as far as possible, free of errors and complete (Art. 10(3)).",
        "find the column (data-quality table) and why values are missing; fix the "
        "pipeline, or document and test the imputation",
        "The largest share of missing values in any single column. Missingness that "
        "differs by group can bias a model quietly.",
    ),
    MetricGuidance(
        "constant_column_count",
        "0 expected (common practice); a constant column usually means a broken "
        "extract or a filter applied upstream.",
        "check the extract and filters behind the constant columns; drop them from the "
        "features if they are truly uninformative",
        "Columns with at most one distinct value. They carry no information and often "
        "point to a pipeline fault.",
    ),
)

#: One entry per metric in :data:`signoff.metrics.METRICS`, in the same order.
GUIDANCE: dict[str, MetricGuidance] = {
    name: entry for name in METRICS for entry in _ENTRIES if entry.metric == name
}


def guidance(metric: str) -> MetricGuidance:
    """The guidance for ``metric``; ``KeyError`` naming the closest metrics when unknown.

    Parameters
    ----------
    metric : str
        Canonical metric name.

    Returns
    -------
    MetricGuidance
    """
    try:
        return GUIDANCE[metric]
    except KeyError:
        close = closest_metrics(metric)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"no guidance for unknown metric '{metric}'{hint}") from None
