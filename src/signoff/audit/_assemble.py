"""Turn the computed evidence into the ``results.json`` document.

The metric registry decides what appears where: every metric with the
``overall`` level lands in ``overall``, every ``attribute`` metric in
``by_attribute.<attr>``, every ``group`` metric in
``by_attribute.<attr>.groups.<group>`` — each as ``{"value": …, "ci": [lo, hi]}``
(``null`` where undefined or without an interval).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..config import AuditConfig
from ..evidence import BOOTSTRAP_SCHEME, Attribute
from ..explain import FeatureImportance
from ..metrics import METRICS, DataQuality, OperatingCurves, ProxyAssociation, two_proportion_power
from ._stats import OVERALL, Statistics

__all__ = ["SCHEMA", "assemble_results"]

SCHEMA = "signoff.audit/v1"
_TABLE_METRICS = {  # registry metrics read straight from the count-table statistics
    name for name, spec in METRICS.items() if "group" in spec.levels
} | {"pr_auc"}


def number(value: Any) -> float | int | None:
    """A JSON-safe number: NaN and infinities become None, integral counts stay ints."""
    if value is None:
        return None
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)
    x = float(value)
    if not math.isfinite(x):
        return None
    return x


def estimate(value: Any, low: Any = None, high: Any = None) -> dict[str, Any]:
    """``{"value": v, "ci": [lo, hi] | None}``."""
    lo, hi = number(low), number(high)
    return {"value": number(value), "ci": [lo, hi] if lo is not None and hi is not None else None}


def _from_stats(
    stats: Statistics, view: str, metric: str, index: tuple[int, ...] = ()
) -> dict[str, Any]:
    point = stats.point[view][metric][index]
    low = stats.low[view].get(metric)
    high = stats.high[view].get(metric)
    if low is None or high is None or not METRICS[metric].ci:
        return estimate(point)
    return estimate(point, low[index], high[index])


def _power(attribute: Attribute, stats: Statistics, config: AuditConfig) -> float:
    counts = stats.point[attribute.name]["count"]
    small, large = int(np.argmin(counts)), int(np.argmax(counts))
    rate = float(stats.point[attribute.name]["selection_rate"][large])
    return two_proportion_power(counts[small], counts[large], rate, delta=config.power_effect)


def _reliability_rows(stats: Statistics, view: str, group: int) -> list[dict[str, Any]]:
    counts, labels, sums = (a[group] for a in stats.reliability[view])
    edges = stats.edges
    return [
        {
            "lower": number(edges[k]),
            "upper": number(edges[k + 1]),
            "count": int(counts[k]),
            "mean_score": number(sums[k] / counts[k]) if counts[k] else None,
            "observed_rate": number(labels[k] / counts[k]) if counts[k] else None,
        }
        for k in range(counts.shape[0])
    ]


def _attribute_block(
    attribute: Attribute,
    stats: Statistics,
    config: AuditConfig,
    proxies: Sequence[ProxyAssociation],
    warnings: list[str],
) -> dict[str, Any]:
    name = attribute.name
    block: dict[str, Any] = {
        "kind": "intersection" if len(attribute.parts) > 1 else "attribute",
        "parts": list(attribute.parts),
        "privileged": attribute.labels[attribute.privileged]
        if attribute.privileged is not None
        else None,
    }
    for metric, spec in METRICS.items():
        if "attribute" in spec.levels and metric in stats.point[name]:
            block[metric] = _from_stats(stats, name, metric)
    counts = stats.point[name]["count"]
    block["min_group_size"] = estimate(int(counts.min()))
    block["statistical_power"] = estimate(_power(attribute, stats, config))
    related = [p.value for p in proxies if p.attribute == name and p.value is not None]
    block["max_proxy_association"] = estimate(max(related) if related else None)

    groups: dict[str, Any] = {}
    for g, label in enumerate(attribute.labels):
        entry: dict[str, Any] = {}
        for metric, spec in METRICS.items():
            if "group" in spec.levels:
                entry[metric] = _from_stats(stats, name, metric, (g,))
        entry["count"] = {"value": int(counts[g]), "ci": None}
        flags = []
        if counts[g] < config.min_group_size:
            flags.append("small_group")
            warnings.append(
                f"{name}={label}: only {int(counts[g])} rows (< min_group_size "
                f"{config.min_group_size}); treat its metrics with caution"
            )
        base = stats.point[name]["base_rate"][g]
        if base in (0.0, 1.0):
            flags.append("single_class")
            warnings.append(
                f"{name}={label}: every row has the same label; metrics needing "
                "both classes are null"
            )
        entry["flags"] = flags
        entry["calibration"] = _reliability_rows(stats, name, g)
        groups[label] = entry
    block["groups"] = groups

    shares = stats.shift_shares[name]
    shifted = stats.point[name]["shift"]
    base_value = stats.point[OVERALL][config.shift_metric][0]
    block["shift"] = [
        {
            "group": attribute.labels[k // 2],
            "direction": "up" if k % 2 == 0 else "down",
            "share_before": number(shares[k, 0]),
            "share_after": number(shares[k, 1]),
            "value": number(shifted[k]),
            "change": number(shifted[k] - base_value),
        }
        for k in range(shifted.shape[0])
    ]
    return block


def assemble_results(
    *,
    config: AuditConfig,
    rows: int,
    stats: Statistics,
    attributes: Sequence[Attribute],
    importances: Sequence[FeatureImportance] | None,
    importance_rank: int | None,
    watched_features: Sequence[str],
    proxies: Sequence[ProxyAssociation],
    quality: DataQuality,
    explain_note: str | None,
    curves: OperatingCurves | None = None,
) -> dict[str, Any]:
    """The whole ``results.json`` document (JSON-ready, deterministic order)."""
    warnings: list[str] = []
    by_attribute = {
        a.name: _attribute_block(a, stats, config, proxies, warnings) for a in attributes
    }
    overall: dict[str, Any] = {
        metric: _from_stats(stats, OVERALL, metric, (0,))
        for metric, spec in METRICS.items()
        if "overall" in spec.levels and metric in _TABLE_METRICS
    }
    overall["min_group_size"] = estimate(
        min(b["min_group_size"]["value"] for b in by_attribute.values())
    )
    powers = [b["statistical_power"]["value"] for b in by_attribute.values()]
    overall["statistical_power"] = estimate(min((p for p in powers if p is not None), default=None))
    overall["max_shift_degradation"] = _from_stats(stats, OVERALL, "max_shift_degradation")
    overall["protected_attribute_importance_rank"] = estimate(importance_rank)
    values = [p.value for p in proxies if p.value is not None]
    overall["max_proxy_association"] = estimate(max(values) if values else None)
    null_shares = [c.null_share for c in quality.column_quality if c.null_share is not None]
    overall["row_count"] = estimate(rows)
    overall["duplicate_share"] = estimate(quality.duplicate_share)
    overall["max_null_share"] = estimate(max(null_shares) if null_shares else None)
    overall["constant_column_count"] = estimate(len(quality.constant_columns))
    if explain_note:
        warnings.append(explain_note)

    point = stats.point[OVERALL]
    return {
        "schema": SCHEMA,
        "rows": rows,
        "threshold": config.threshold,
        "positive_label": config.data.positive_label,
        "bootstrap": {
            "replicates": stats.replicates,
            "confidence": config.bootstrap.confidence,
            "method": "multinomial resampling of the count table, percentile intervals",
            "scheme": BOOTSTRAP_SCHEME,
        },
        "overall": overall,
        "confusion_matrix": {
            key: int(point[stat][0])
            for key, stat in (
                ("tp", "true_positives"),
                ("fp", "false_positives"),
                ("tn", "true_negatives"),
                ("fn", "false_negatives"),
            )
        },
        "calibration": _reliability_rows(stats, OVERALL, 0),
        "curves": curves.to_dict() if curves is not None else None,
        "by_attribute": by_attribute,
        "shift": {"metric": config.shift_metric, "delta": config.shift_delta},
        "explainability": {
            "method": "permutation_importance",
            "scoring": config.explain.scoring,
            "repeats": config.explain.permutation_repeats,
            "watched_features": list(watched_features),
            "features": [imp.to_dict() for imp in importances] if importances is not None else None,
        },
        "proxies": [p.to_dict() for p in proxies],
        "data_quality": quality.to_dict(),
        "warnings": warnings,
    }
