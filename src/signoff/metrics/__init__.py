"""Metrics: pure functions from count tables or arrays to numbers.

The registry (:data:`METRICS`) names every metric signoff computes, and
:data:`TABLES` which of them each report and terminal table shows.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes
from ._power import cohens_h, two_proportion_power
from ._reference import metric_reference
from ._registry import (
    METRICS,
    SECTIONS,
    TABLES,
    MetricSpec,
    Table,
    closest_metrics,
    get_metric,
    table,
)

if TYPE_CHECKING:
    from ._counts import (
        COUNT_SUMS,
        GROUP_STATISTICS,
        binned_average_precision,
        binned_roc_auc,
        count_sums,
        group_statistics,
        ratio,
        reliability,
        statistics_from_sums,
        view_totals,
    )
    from ._curves import OperatingCurves, curve_points, curves_from_counts, operating_curves
    from ._fairness import DISPARITY_METRICS, disparities, spread
    from ._proxy import ProxyAssociation, proxy_associations
    from ._quality import (
        ColumnKind,
        ColumnQuality,
        DataQuality,
        column_kind,
        data_quality,
        quality_from_columns,
    )
    from ._ranking import (
        Ranked,
        auc_from_rank_sums,
        average_precision,
        roc_auc_by_group,
        roc_auc_by_mapped_group,
        score_order,
        score_ranks,
    )
    from ._shift import SHIFT_METRICS, ShiftMetric, shift_scenarios

# The registry is imported at once; the computations (and NumPy under them) on first use,
# so that commands which only read metric names and levels — the policy evaluation in
# `signoff portfolio`, say — start without NumPy (PEP 562).
__getattr__ = lazy_attributes(
    __name__,
    globals(),
    {
        "_counts": (
            "COUNT_SUMS",
            "GROUP_STATISTICS",
            "binned_average_precision",
            "binned_roc_auc",
            "count_sums",
            "group_statistics",
            "ratio",
            "reliability",
            "statistics_from_sums",
            "view_totals",
        ),
        "_curves": (
            "OperatingCurves",
            "curve_points",
            "curves_from_counts",
            "operating_curves",
        ),
        "_fairness": (
            "DISPARITY_METRICS",
            "disparities",
            "spread",
        ),
        "_proxy": (
            "ProxyAssociation",
            "proxy_associations",
        ),
        "_quality": (
            "ColumnKind",
            "ColumnQuality",
            "DataQuality",
            "column_kind",
            "data_quality",
            "quality_from_columns",
        ),
        "_ranking": (
            "Ranked",
            "auc_from_rank_sums",
            "average_precision",
            "roc_auc_by_group",
            "roc_auc_by_mapped_group",
            "score_order",
            "score_ranks",
        ),
        "_shift": (
            "SHIFT_METRICS",
            "ShiftMetric",
            "shift_scenarios",
        ),
    },
)


__all__ = [
    "COUNT_SUMS",
    "DISPARITY_METRICS",
    "GROUP_STATISTICS",
    "METRICS",
    "SECTIONS",
    "SHIFT_METRICS",
    "TABLES",
    "ColumnKind",
    "ColumnQuality",
    "DataQuality",
    "MetricSpec",
    "OperatingCurves",
    "ProxyAssociation",
    "Ranked",
    "ShiftMetric",
    "Table",
    "auc_from_rank_sums",
    "average_precision",
    "binned_average_precision",
    "binned_roc_auc",
    "closest_metrics",
    "cohens_h",
    "column_kind",
    "count_sums",
    "curve_points",
    "curves_from_counts",
    "data_quality",
    "disparities",
    "get_metric",
    "group_statistics",
    "metric_reference",
    "operating_curves",
    "proxy_associations",
    "quality_from_columns",
    "ratio",
    "reliability",
    "roc_auc_by_group",
    "roc_auc_by_mapped_group",
    "score_order",
    "score_ranks",
    "shift_scenarios",
    "spread",
    "statistics_from_sums",
    "table",
    "two_proportion_power",
    "view_totals",
]
