"""Fairness, robustness and explainability charts.

Bars with bootstrap-interval whiskers and the policy's thresholds drawn as
dashed lines.  Values come from ``results.json``; thresholds from its
``gates``.  Each returns inline SVG (:meth:`signoff.report._svg.Canvas.svg`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..metrics import METRICS, TABLES
from ._format import metric_label, num, short
from ._svg import OKABE_ITO, Axes, Canvas

__all__ = [
    "DISPARITY_CHART_METRICS",
    "GROUP_CHART_METRICS",
    "Threshold",
    "disparity_chart",
    "group_chart",
    "importance_chart",
    "shift_chart",
]

#: (metric, threshold values, label, condition) — one dashed line per value.
Threshold = tuple[str, tuple[float, ...], str, str]
GROUP_CHART_METRICS = TABLES["report_group_chart"]
DISPARITY_CHART_METRICS = TABLES["key_disparities"]
_BLACK = "#000000"


def _bar_data(
    estimates: Sequence[Mapping[str, Any] | None],
) -> tuple[list[float], list[list[float]]]:
    """Heights and asymmetric whisker lengths (0 where no interval)."""
    heights, low, high = [], [], []
    for est in estimates:
        value = est.get("value") if est else None
        heights.append(float(value) if value is not None else 0.0)
        ci = est.get("ci") if est else None
        if value is not None and ci:
            low.append(max(float(value) - float(ci[0]), 0.0))
            high.append(max(float(ci[1]) - float(value), 0.0))
        else:
            low.append(0.0)
            high.append(0.0)
    return heights, [low, high]


def _label_margin(labels: Sequence[str], font_inches_per_char: float = 0.062) -> float:
    """Room (inches) for the longest tick label at the tick font size."""
    return 0.2 + font_inches_per_char * max((len(x) for x in labels), default=4)


def _box(
    canvas: Canvas, margins: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    left, bottom, right, top = (m * 72 for m in margins)
    return (left, top, canvas.width - left - right, canvas.height - top - bottom)


def _span(values: Sequence[float], extra: Sequence[float] = ()) -> tuple[float, float]:
    """Data limits with 5% padding that always include 0 (bars start there)."""
    every = [0.0, *values, *extra]
    low, high = min(every), max(every)
    pad = (high - low) * 0.05 or 0.05
    return (low - pad if low < 0 else 0.0, high + pad)


def _vline(ax: Axes, value: float, colour: str = _BLACK, width: float = 1.0,
           dash: str = "--") -> None:  # fmt: skip
    ax.canvas.line([(ax.x(value), ax.top), (ax.x(value), ax.top + ax.height)], colour, width, dash)


def _hbars(ax: Axes, values: Sequence[float], colours: Sequence[str], height: float) -> None:
    for k, (value, colour) in enumerate(zip(values, colours, strict=True)):
        top, bottom = ax.y(k - height / 2), ax.y(k + height / 2)
        ax.canvas.rect(ax.x(0), top, ax.x(value) - ax.x(0), bottom - top, colour)


def _ylabels(ax: Axes, labels: Sequence[str]) -> None:
    for k, label in enumerate(labels):
        ax.canvas.text(ax.left - 4, ax.y(k) + 2.6, label, anchor="end")


def group_chart(
    name: str,
    attribute: str,
    groups: Mapping[str, Mapping[str, Any]],
    thresholds: Sequence[Threshold],
) -> str:
    """Selection rate, TPR and FPR of every group, with intervals and per-group policy limits."""
    labels = list(groups)
    canvas = Canvas(6.9, 2.35)
    ax = Axes(canvas, _box(canvas, (0.55, 0.5, 1.55, 0.28)), (-0.5, len(labels) - 0.5), (0, 1.05))
    ax.grid(x=False)
    width = 0.8 / len(GROUP_CHART_METRICS)
    legend = []
    for k, metric in enumerate(GROUP_CHART_METRICS):
        heights, (low, high) = _bar_data([groups[g].get(metric) for g in labels])
        for i, h in enumerate(heights):
            x = i + (k - 1) * width
            canvas.rect(ax.x(x - width / 2), ax.y(h), ax.x(x + width / 2) - ax.x(x - width / 2),
                        ax.y(0) - ax.y(h), OKABE_ITO[k])  # fmt: skip
        ax.whiskers([(i + (k - 1) * width, h - lo, h + hi)
                     for i, (h, lo, hi) in enumerate(zip(heights, low, high, strict=True))],
                    horizontal=False)  # fmt: skip
        legend.append(("patch", OKABE_ITO[k], METRICS[metric].short_label))
    for metric, values, text, _condition in thresholds:
        if metric in GROUP_CHART_METRICS:
            for v in values:
                canvas.line([(ax.left, ax.y(v)), (ax.left + ax.width, ax.y(v))], _BLACK, 1, "--")
            legend.append(("dash", _BLACK, text))
    for i, g in enumerate(labels):
        tick = f"{g} (n={num(groups[g]['count']['value'])})"
        canvas.text(ax.x(i), ax.top + ax.height + 10.5, tick, anchor="middle")
    ax.labels(title=f"{attribute}: rates by group, with bootstrap intervals",
              ylabel="Share of the group")  # fmt: skip
    canvas.legend(ax.left + ax.width + 6, ax.top, legend)
    return canvas.svg(name, title=f"{attribute}: selection rate, TPR and FPR by group")


def _panel_title(metric: str, thresholds: Sequence[Threshold]) -> str:
    limits = list(dict.fromkeys(condition for m, _, _, condition in thresholds if m == metric))
    return metric_label(metric) + ("\npolicy: " + "; ".join(limits) if limits else "\nno gate")


def disparity_chart(
    attributes: Mapping[str, Mapping[str, Any]], thresholds: Sequence[Threshold]
) -> str:
    """One panel per disparity metric: every attribute's value, interval and policy limit."""
    names = list(attributes)
    canvas = Canvas(6.9, 1.45 + 0.5 * len(names))
    left, top, width, height = _box(canvas, (_label_margin(names), 0.4, 0.15, 0.42))
    panel_w, panel_h = width / (2 + 0.08), height / (2 + 0.95)
    for k, metric in enumerate(DISPARITY_CHART_METRICS):
        heights, (low, high) = _bar_data([attributes[a].get(metric) for a in names])
        limits = [v for t in thresholds if t[0] == metric for v in t[1]]
        ends = [h + e for h, e in zip(heights, high, strict=True)]
        box = (left + (k % 2) * panel_w * 1.08, top + (k // 2) * panel_h * 1.95, panel_w, panel_h)
        ax = Axes(canvas, box, _span(ends, limits), (len(names) - 0.5, -0.5))
        ax.grid(y=False)
        _hbars(ax, heights, [OKABE_ITO[4]] * len(names), 0.6)
        spans = zip(heights, low, high, strict=True)
        ax.whiskers([(i, h - lo, h + hi) for i, (h, lo, hi) in enumerate(spans)], horizontal=True)
        for v in limits:
            _vline(ax, v)
        if k % 2 == 0:
            _ylabels(ax, names)
        title = _panel_title(metric, thresholds)
        for n, line in enumerate(reversed(title.split("\n"))):
            canvas.text(ax.left + ax.width / 2, ax.top - 5 - n * 9.6, line, 8, anchor="middle")
        ax.labels(
            xlabel="Ratio (1 = parity)" if metric == "disparate_impact" else "Gap (0 = parity)"
        )
    return canvas.svg("disparity", title="Disparity metrics by attribute with policy limits")


def _hbar_chart(
    labels: Sequence[str], right: float
) -> tuple[Canvas, tuple[float, float, float, float]]:
    canvas = Canvas(6.9, 0.75 + 0.17 * len(labels))
    return canvas, _box(canvas, (_label_margin(labels), 0.42, right, 0.1))


def shift_chart(
    rows: Sequence[Mapping[str, Any]], metric: str, thresholds: Sequence[Threshold]
) -> str:
    """Change of the shift metric when each group's share moves up or down."""
    labels = [r["label"] for r in rows]
    canvas, box = _hbar_chart(labels, 1.5)
    attributes = list(dict.fromkeys(r["attribute"] for r in rows))
    colours = {a: OKABE_ITO[k % len(OKABE_ITO)] for k, a in enumerate(attributes)}
    changes = [float(r["change"] or 0.0) for r in rows]
    limits = [-v for _, values, _, _ in thresholds for v in values]
    ax = Axes(canvas, box, _span(changes, limits), (len(rows) - 0.5, -0.5))
    ax.grid(y=False)
    _hbars(ax, changes, [colours[r["attribute"]] for r in rows], 0.65)
    _vline(ax, 0, "#333333", 0.8, "-")
    legend = [("patch", colours[a], a) for a in attributes]
    for _, values, _text, _condition in thresholds:
        for v in values:
            _vline(ax, -v)
        legend.append(("dash", _BLACK, f"policy: drop ≤ {short(values[0])}"))
    _ylabels(ax, labels)
    ax.labels(xlabel=f"Change in {metric_label(metric).lower()} (negative = worse)")
    canvas.legend(ax.left + ax.width + 6, ax.top, legend)
    return canvas.svg("shift", title="Change of the metric under demographic shift")


def importance_chart(
    features: Sequence[Mapping[str, Any]], watched: Sequence[str], scoring: str
) -> str:
    """Permutation importance (mean ± standard deviation), watched features highlighted."""
    shown = list(features)
    labels = [f"{f['rank']}. {f['feature']}" for f in shown]
    canvas, box = _hbar_chart(labels, 1.75)
    means = [float(f["importance_mean"]) for f in shown]
    sds = [float(f["importance_std"]) for f in shown]
    ends = [m + s for m, s in zip(means, sds, strict=True)]
    starts = [m - s for m, s in zip(means, sds, strict=True)]
    ax = Axes(canvas, box, _span(ends, starts), (len(shown) - 0.5, -0.5))
    ax.grid(y=False)
    colours = [OKABE_ITO[5] if f["feature"] in watched else OKABE_ITO[0] for f in shown]
    _hbars(ax, means, colours, 0.65)
    ax.whiskers([(k, m - s, m + s) for k, (m, s) in enumerate(zip(means, sds, strict=True))],
                horizontal=True)  # fmt: skip
    _vline(ax, 0, "#333333", 0.8, "-")
    _ylabels(ax, labels)
    ax.labels(xlabel=f"Drop in {scoring} when the feature is shuffled (mean ± sd)")
    legend = [("patch", OKABE_ITO[0], "feature"),
              ("patch", OKABE_ITO[5], "protected attribute\nor proxy")]  # fmt: skip
    canvas.legend(ax.left + ax.width + 6, ax.top, legend)
    return canvas.svg("importance", title="Permutation importance of each feature")
