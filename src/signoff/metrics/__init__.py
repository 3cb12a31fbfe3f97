"""Metrics: pure functions from count tables or arrays to numbers.

The registry (:data:`METRICS`) names every metric signoff computes.
"""

from ._counts import GROUP_STATISTICS, group_statistics, ratio, reliability
from ._fairness import DISPARITY_METRICS, disparities, spread
from ._power import cohens_h, two_proportion_power
from ._ranking import average_precision, roc_auc_by_group, score_order
from ._registry import METRICS, MetricSpec, closest_metrics, get_metric
from ._shift import SHIFT_METRICS, ShiftMetric, shift_scenarios

__all__ = [
    "DISPARITY_METRICS",
    "GROUP_STATISTICS",
    "METRICS",
    "SHIFT_METRICS",
    "MetricSpec",
    "ShiftMetric",
    "average_precision",
    "closest_metrics",
    "cohens_h",
    "disparities",
    "get_metric",
    "group_statistics",
    "ratio",
    "reliability",
    "roc_auc_by_group",
    "score_order",
    "shift_scenarios",
    "spread",
    "two_proportion_power",
]
