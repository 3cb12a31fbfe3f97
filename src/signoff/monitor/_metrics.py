"""The monitoring metric catalogue, and one window's evidence in the policy's shape.

Monitoring policies are the audit's policy files, judged by the same
evaluator; only the catalogue of names differs: the monitoring metrics below
plus the audit metrics a window also has (performance on labelled rows,
disparities, ``min_group_size``, ``row_count``).  An unknown name in a
monitoring policy is refused with the list of these names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ..metrics import DISPARITY_METRICS, METRICS, MetricSpec
from ._fairness import PERFORMANCE_METRICS

__all__ = ["MONITOR_CATALOGUE", "MONITOR_METRICS", "window_evidence"]

_O: tuple[Literal["overall"], ...] = ("overall",)
_NONE: tuple[Literal["labels", "scores"], ...] = ()
_S: tuple[Literal["labels", "scores"], ...] = ("scores",)
_DRIFT = "signoff.monitor:compare_profiles"
_QUALITY = "signoff.monitor:window_quality"

MONITOR_METRICS: dict[str, MetricSpec] = {
    m.name: m
    for m in (
        MetricSpec("drift_share", "Drifted share of columns", "data_quality", _O, "lower", _NONE, _DRIFT, "Fraction of watched feature columns that drifted (effect size and Holm-corrected p-value).", ci=False),
        MetricSpec("drifted_column_count", "Drifted columns", "data_quality", _O, "lower", _NONE, _DRIFT, "Number of watched feature columns that drifted.", (0.0, None), ci=False),
        MetricSpec("prediction_psi", "Score PSI", "data_quality", _O, "lower", _S, _DRIFT, "PSI of the score on the reference's score-quantile bins.", (0.0, None), ci=False),
        MetricSpec("prediction_ks_statistic", "Score KS statistic", "data_quality", _O, "lower", _S, _DRIFT, "Two-sample KS statistic of the score against the reference.", ci=False),
        MetricSpec("prediction_wasserstein", "Score Wasserstein distance", "data_quality", _O, "lower", _S, _DRIFT, "Wasserstein distance of the score over the reference score's standard deviation.", (0.0, None), ci=False),
        MetricSpec("selection_rate_change", "Selection rate change", "selection", _O, "lower", _S, _DRIFT, "Window selection rate minus the reference's (at the threshold).", (-1.0, 1.0), ci=False),
        MetricSpec("null_share_change", "Null share change", "data_quality", _O, "lower", _NONE, _QUALITY, "Largest increase of a column's null share over the reference.", (-1.0, 1.0), ci=False),
        MetricSpec("out_of_range_share", "Out-of-range share", "data_quality", _O, "lower", _NONE, _QUALITY, "Largest share of a numeric column's values outside the reference range.", ci=False),
        MetricSpec("unseen_category_share", "Unseen category share", "data_quality", _O, "lower", _NONE, _QUALITY, "Largest share of a categorical column's values the reference never had.", ci=False),
        MetricSpec("schema_change_count", "Schema changes", "data_quality", _O, "lower", _NONE, _QUALITY, "Reference columns missing, new columns and columns whose kind changed.", (0.0, None), ci=False),
        MetricSpec("pii_column_count", "Columns with personal data", "data_quality", _O, "lower", _NONE, _QUALITY, "Columns whose name or sampled values look like personal data.", (0.0, None), ci=False),
        MetricSpec("label_coverage", "Label coverage", "sample", _O, "higher", _NONE, "signoff.monitor:window_performance", "Share of the window's rows with a (late) label.", ci=False),
    )
}  # fmt: skip

MONITOR_CATALOGUE: dict[str, MetricSpec] = {
    **{name: METRICS[name] for name in (*PERFORMANCE_METRICS, *DISPARITY_METRICS)},
    "min_group_size": METRICS["min_group_size"],
    "row_count": METRICS["row_count"],
    **MONITOR_METRICS,
}
"""Every metric name a monitoring policy may gate on."""


def _plain(value: Any) -> dict[str, Any]:
    return {"value": value, "ci": None}


def window_evidence(window: Mapping[str, Any]) -> dict[str, Any]:
    """A window of monitor-results.json in the shape the policy evaluator reads.

    ``overall.<metric>`` for the monitoring and performance metrics,
    ``by_attribute.<attribute>`` for the disparities (as in results.json).
    """
    drift = window["drift"]
    prediction = window["prediction_drift"] or {}
    quality = window["quality"]
    performance = window["performance"] or {}
    fairness = window["fairness"]
    overall: dict[str, Any] = {
        "row_count": _plain(window["rows"]),
        "drift_share": _plain(drift["share"]),
        "drifted_column_count": _plain(len(drift["drifted"])),
        "prediction_psi": _plain(prediction.get("psi")),
        "prediction_ks_statistic": _plain(prediction.get("statistic")),
        "prediction_wasserstein": _plain(prediction.get("wasserstein")),
        "selection_rate_change": _plain(prediction.get("selection_rate_change")),
        "label_coverage": _plain(performance.get("label_coverage")),
    }
    for name in ("null_share_change", "out_of_range_share", "unseen_category_share"):
        overall[name] = _plain(quality[name])
    for name in ("schema_change_count", "pii_column_count"):
        overall[name] = _plain(quality[name])
    for name in PERFORMANCE_METRICS:
        overall[name] = performance.get(name, _plain(None))
    sizes = [block["min_group_size"]["value"] for block in fairness.values()]
    overall["min_group_size"] = _plain(min(sizes) if sizes else None)
    return {"overall": overall, "by_attribute": dict(fairness)}
