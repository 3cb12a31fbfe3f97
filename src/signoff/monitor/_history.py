"""A metric's values over recorded windows, and the Prometheus textfile of the latest.

Pure functions over window documents (monitor-results.json windows, as stored in the
registry): ``history`` reads one metric — overall, per drifted column or per protected
attribute — and ``prometheus_text`` writes the node-exporter textfile format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ConfigError
from ._metrics import MONITOR_CATALOGUE, window_evidence

__all__ = ["COLUMN_METRICS", "metric_value", "prometheus_text"]

#: Per-column drift figures ``--column`` can follow.
COLUMN_METRICS = ("psi", "statistic", "p_value", "wasserstein", "jensen_shannon")
UNKNOWN_METRIC = "unknown metric {name!r}; metrics: {known}"
UNKNOWN_COLUMN_METRIC = "with --column, the metric is one of {known}; got {name!r}"
UNKNOWN_COLUMN = "no column {column!r} in the monitored windows; columns: {known}"
UNKNOWN_ATTRIBUTE = (
    "no protected attribute {attribute!r} in the monitored windows; attributes: {known}"
)
ONE_OF = "give --column or --attribute, not both"


def metric_value(
    window: Mapping[str, Any],
    metric: str,
    *,
    column: str | None = None,
    attribute: str | None = None,
) -> tuple[float | None, list[float] | None]:
    """``(value, ci)`` of ``metric`` in one window document."""
    if column is not None and attribute is not None:
        raise ConfigError(ONE_OF, field="--column")
    if column is not None:
        if metric not in COLUMN_METRICS:
            raise ConfigError(
                UNKNOWN_COLUMN_METRIC.format(known=", ".join(COLUMN_METRICS), name=metric),
                field="--metric",
            )
        columns = window["drift"]["columns"]
        if column not in columns:
            known = ", ".join(sorted(columns)) or "none"
            raise ConfigError(UNKNOWN_COLUMN.format(column=column, known=known), field="--column")
        return columns[column].get(metric), None
    if metric not in MONITOR_CATALOGUE:
        known = ", ".join(sorted(MONITOR_CATALOGUE))
        raise ConfigError(UNKNOWN_METRIC.format(name=metric, known=known), field="--metric")
    evidence = window_evidence(window)
    if attribute is not None:
        by = evidence["by_attribute"]
        if attribute not in by:
            known = ", ".join(sorted(by)) or "none"
            raise ConfigError(
                UNKNOWN_ATTRIBUTE.format(attribute=attribute, known=known), field="--attribute"
            )
        entry = by[attribute].get(metric) or {}
    else:
        entry = evidence["overall"].get(metric) or {}
    value = entry.get("value")
    ci = entry.get("ci")
    return (None if value is None else float(value)), (list(ci) if ci else None)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return repr(float(value))


STATUS_CODE = {"pass": 0, "info": 1, "warning": 2, "error": 3, "unjudged": -1}
_HELP = {
    "signoff_monitor_status": (
        "Latest window's status: 0 pass, 1 info, 2 warning, 3 error, -1 no policy."
    ),
    "signoff_monitor_window_end_seconds": "End of the latest monitored window (Unix time).",
    "signoff_monitor_rows": "Rows in the latest monitored window.",
    "signoff_monitor_alerts_total": "Monitoring alerts recorded for the model.",
    "signoff_monitor_value": "A monitoring metric of the latest window.",
    "signoff_monitor_column_value": "A column's drift figure in the latest window.",
    "signoff_monitor_attribute_value": "A protected attribute's disparity in the latest window.",
}


def prometheus_text(latest: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> str:
    """The node-exporter textfile for each model's latest window.

    ``latest`` holds ``(summary, window)`` pairs: ``summary`` has ``model``,
    ``status``, ``end`` (Unix seconds or None), ``rows`` and ``alerts``; ``window``
    is the window's results document.  Labels: ``model``, ``metric``, ``column`` or
    ``attribute`` only — never ids, so series stay few.
    """
    samples: dict[str, list[str]] = {name: [] for name in _HELP}
    for summary, window in sorted(latest, key=lambda pair: str(pair[0]["model"])):
        model = _label(str(summary["model"]))
        base = f'model="{model}"'
        samples["signoff_monitor_status"].append(
            f"signoff_monitor_status{{{base}}} {STATUS_CODE[summary['status']]}"
        )
        if summary.get("end") is not None:
            samples["signoff_monitor_window_end_seconds"].append(
                f"signoff_monitor_window_end_seconds{{{base}}} {_number(summary['end'])}"
            )
        samples["signoff_monitor_rows"].append(f"signoff_monitor_rows{{{base}}} {summary['rows']}")
        samples["signoff_monitor_alerts_total"].append(
            f"signoff_monitor_alerts_total{{{base}}} {summary['alerts']}"
        )
        evidence = window_evidence(window)
        for metric, entry in sorted(evidence["overall"].items()):
            if isinstance(entry, Mapping) and isinstance(entry.get("value"), int | float):
                samples["signoff_monitor_value"].append(
                    f'signoff_monitor_value{{{base},metric="{_label(metric)}"}} '
                    f"{_number(entry['value'])}"
                )
        for column, figures in sorted(window["drift"]["columns"].items()):
            for metric in COLUMN_METRICS:
                value = figures.get(metric)
                if isinstance(value, int | float):
                    samples["signoff_monitor_column_value"].append(
                        f'signoff_monitor_column_value{{{base},metric="{metric}",'
                        f'column="{_label(column)}"}} {_number(value)}'
                    )
        for attribute, block in sorted(evidence["by_attribute"].items()):
            for metric, entry in sorted(block.items()):
                if isinstance(entry, Mapping) and isinstance(entry.get("value"), int | float):
                    samples["signoff_monitor_attribute_value"].append(
                        f'signoff_monitor_attribute_value{{{base},metric="{_label(metric)}",'
                        f'attribute="{_label(attribute)}"}} {_number(entry["value"])}'
                    )
    lines = []
    for name, rows in samples.items():
        if not rows:
            continue
        lines += [f"# HELP {name} {_HELP[name]}", f"# TYPE {name} gauge", *rows]
    return "\n".join(lines) + "\n"
