"""``signoff monitor report``: one model's windows, trends and actions as one HTML page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._chart import Point, line_chart
from ._history import metric_value

__all__ = ["TREND_METRICS", "render_monitor_report"]

#: The overall metrics the report charts (a disparity per attribute is added).
TREND_METRICS = (
    ("drift_share", "Share of drifted columns"),
    ("prediction_psi", "Score PSI"),
    ("selection_rate_change", "Selection rate change"),
    ("null_share_change", "Null share change"),
    ("label_coverage", "Label coverage"),
)


def _threshold(gates: Sequence[Mapping[str, Any]], metric: str, attribute: str | None) -> Any:
    for gate in gates:
        if gate.get("metric") == metric and (
            attribute is None or gate.get("attribute") in (None, attribute)
        ):
            threshold = gate.get("threshold")
            return threshold if isinstance(threshold, int | float) else None
    return None


def _label(start: str | None, sub_daily: bool) -> str:
    if start is None:
        return "batch"
    return start[5:16].replace("T", " ") if sub_daily else start[:10]


def _series(
    windows: Sequence[Mapping[str, Any]], metric: str, attribute: str | None = None
) -> list[Point]:
    days = [str(w["start"])[:10] for w in windows]
    sub_daily = len(set(days)) < len(days)
    points = []
    for w in windows:
        value, ci = metric_value(w["document"], metric, attribute=attribute)
        failed = any(
            g.get("metric") == metric and (attribute is None or g.get("attribute") == attribute)
            for g in w["failed_gates"]
        )
        label = _label(w["start"], sub_daily)
        points.append(Point(label, value, failed, tuple(ci) if ci else None))  # type: ignore[arg-type]
    return points


def render_monitor_report(
    *,
    model: str,
    production: str | None,
    windows: Sequence[Mapping[str, Any]],
    alerts: Sequence[Mapping[str, Any]],
    generated: str,
    ledger_size: int,
    ledger_root: str,
) -> str:
    """The page; ``windows`` are summaries with their ``document`` and ``gates``."""
    import jinja2

    current = [w for w in windows if not w["superseded_by"]]
    charts = []
    if current:
        gates = current[-1]["document"].get("gates", [])
        for metric, title in TREND_METRICS:
            charts.append(
                line_chart(
                    _series(current, metric), title=title, threshold=_threshold(gates, metric, None)
                )
            )
        fairness = current[-1]["document"]["fairness"]
        for attribute in sorted(fairness):
            metric = "demographic_parity_difference"
            charts.append(
                line_chart(
                    _series(current, metric, attribute),
                    title=f"Demographic parity difference by {attribute} (95% interval)",
                    threshold=_threshold(gates, metric, attribute),
                )
            )
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("signoff.monitor", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
    )
    return env.get_template("monitor_report.html.j2").render(
        model=model,
        production=production,
        windows=windows,
        alerts=alerts,
        charts=charts,
        latest_status=current[-1]["status"] if current else "unjudged",
        generated=generated,
        ledger_size=ledger_size,
        ledger_root=ledger_root,
    )
