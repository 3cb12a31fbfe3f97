"""Sections 3 and 4 of the report: performance and calibration.

Values are read from ``results.json``; charts are drawn from the same values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..metrics import METRICS, TABLES
from ._charts import pr_chart, reliability_chart, roc_chart
from ._format import ci_text, description, metric_label, num, short, value_text

__all__ = ["PERFORMANCE_METRICS", "calibration", "metric_row", "performance"]

#: The overall metrics of the performance table, in reading order.
PERFORMANCE_METRICS = TABLES["report_performance"]
_CALIBRATION_METRICS = TABLES["report_calibration"]


def metric_row(name: str, estimate: Mapping[str, Any] | None) -> dict[str, str]:
    """One table row: label, canonical name, value, interval, better direction, definition."""
    spec = METRICS.get(name)
    better = {"higher": "higher", "lower": "lower"}.get(spec.direction, "") if spec else ""
    return {
        "label": metric_label(name),
        "name": name,
        "value": value_text(estimate),
        "ci": ci_text(estimate),
        "better": better,
        "description": description(name),
    }


def performance(results: Mapping[str, Any]) -> dict[str, Any]:
    """Metric table, confusion matrix, ROC and precision-recall charts."""
    overall = results["overall"]
    matrix = results.get("confusion_matrix") or {}
    charts = [c for c in (roc_chart(results), pr_chart(results)) if c is not None]
    return {
        "rows": [metric_row(m, overall.get(m)) for m in PERFORMANCE_METRICS if m in overall],
        "matrix": {k: num(matrix.get(k)) for k in ("tp", "fp", "tn", "fn")},
        "positive_label": str(results.get("positive_label")),
        "threshold": short(results.get("threshold")),
        "charts": charts,
        "curves_missing": not results.get("curves"),
    }


def _bin_label(row: Mapping[str, Any]) -> str:
    return f"{short(row['lower'])}–{short(row['upper'])}"


def calibration(results: Mapping[str, Any]) -> dict[str, Any]:
    """ECE/MCE overall and per group, reliability diagrams and their bin counts."""
    overall = results["overall"]
    bins = results.get("calibration") or []
    per_attribute = []
    for k, (name, block) in enumerate(results.get("by_attribute", {}).items(), start=1):
        groups = block.get("groups", {})
        series = [(group, entry.get("calibration") or []) for group, entry in groups.items()]
        edges = series[0][1] if series else []
        per_attribute.append(
            {
                "name": name,
                "chart": reliability_chart(
                    f"reliability-{k}", f"Reliability by {name}", series, counts=False
                )
                if edges
                else None,
                "groups": list(groups),
                "counts": [
                    (_bin_label(edge), [num(rows[b]["count"]) for _, rows in series])
                    for b, edge in enumerate(edges)
                ],
                "rows": [
                    {
                        "group": group,
                        "count": num(entry["count"]["value"]),
                        "small": "small_group" in entry.get("flags", []),
                        "cells": [
                            (value_text(entry.get(m)), ci_text(entry.get(m)))
                            for m in _CALIBRATION_METRICS
                        ],
                    }
                    for group, entry in groups.items()
                ],
            }
        )
    return {
        "rows": [metric_row(m, overall.get(m)) for m in _CALIBRATION_METRICS if m in overall],
        "chart": reliability_chart(
            "reliability-overall", "Reliability (all rows)", [("all rows", bins)]
        )
        if bins
        else None,
        "bins": [
            {
                "range": _bin_label(b),
                "count": num(b["count"]),
                "mean_score": num(b.get("mean_score")),
                "observed_rate": num(b.get("observed_rate")),
            }
            for b in bins
        ],
        "per_attribute": per_attribute,
    }
