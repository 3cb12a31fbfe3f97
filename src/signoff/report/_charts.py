"""Performance and calibration charts: ROC, precision-recall, reliability diagrams.

Each function draws values read from ``results.json`` (never recomputed) and
returns an inline SVG string (:meth:`signoff.report._svg.Canvas.svg`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._format import num, short
from ._svg import OKABE_ITO, Axes, Canvas

__all__ = ["pr_chart", "reliability_chart", "roc_chart"]

_GREY = "#888888"


def _value(estimate: Mapping[str, Any] | None) -> float | None:
    if estimate is None or estimate.get("value") is None:
        return None
    return float(estimate["value"])


def _axes(
    canvas: Canvas, margins: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """The plot box (points) inside ``margins`` (left, bottom, right, top; inches)."""
    left, bottom, right, upper = (m * 72 for m in margins)
    return (left, upper, canvas.width - left - right, canvas.height - upper - bottom)


def _square(canvas: Canvas, margins: tuple[float, float, float, float]) -> Axes:
    """Equal-aspect unit axes (0–1 by 0–1.02), centred in the room the margins leave."""
    left, top, width, height = _axes(canvas, margins)
    side = min(width, height / 1.02)
    box = (left + (width - side) / 2, top + (height - side * 1.02) / 2, side, side * 1.02)
    return Axes(canvas, box, (0.0, 1.0), (0.0, 1.02))


def _steps(xs: Sequence[float], ys: Sequence[float], *, post: bool) -> list[tuple[float, float]]:
    """The corner points of a step line (post: the y holds until the next x; pre: from the last)."""
    points: list[tuple[float, float]] = []
    for k, (x, y) in enumerate(zip(xs, ys, strict=True)):
        if k:
            points.append((x, points[-1][1]) if post else (points[-1][0], y))
        points.append((x, y))
    return points


def roc_chart(results: Mapping[str, Any]) -> str | None:
    """ROC curve with the chance diagonal and the decision threshold's operating point."""
    curves = results.get("curves")
    if not curves:
        return None
    overall = results["overall"]
    canvas = Canvas(3.3, 3.0)
    ax = _square(canvas, (0.5, 0.45, 0.1, 0.28))
    ax.grid()
    ax.canvas.line([(ax.x(0), ax.y(0)), (ax.x(1), ax.y(1))], _GREY, 1, ":")
    xs = [0.0, *map(float, curves["false_positive_rate"])]
    ys = [0.0, *map(float, curves["true_positive_rate"])]
    canvas.line([(ax.x(x), ax.y(y)) for x, y in _steps(xs, ys, post=True)], OKABE_ITO[0], 1.6)
    legend = [
        ("dotted", _GREY, "chance"),
        ("line", OKABE_ITO[0], f"model (ROC AUC {num(_value(overall.get('roc_auc')))})"),
    ]
    fpr, tpr = _value(overall.get("false_positive_rate")), _value(overall.get("recall"))
    if fpr is not None and tpr is not None:
        canvas.dot(ax.x(fpr), ax.y(tpr), 3, OKABE_ITO[5])
        legend.append(("dot", OKABE_ITO[5], f"threshold {short(results['threshold'])}"))
    ax.labels(title="ROC curve", xlabel="False positive rate", ylabel="True positive rate (recall)")
    canvas.legend(ax.x(0.42), ax.y(0.02) - 11 * len(legend) - 4, legend)
    return canvas.svg("roc", title="ROC curve: true positive rate against false positive rate")


def pr_chart(results: Mapping[str, Any]) -> str | None:
    """Precision-recall curve with the base rate and the decision threshold's operating point."""
    curves = results.get("curves")
    if not curves:
        return None
    overall = results["overall"]
    canvas = Canvas(3.3, 3.0)
    ax = _square(canvas, (0.5, 0.45, 0.1, 0.28))
    ax.grid()
    legend = []
    base = _value(overall.get("base_rate"))
    if base is not None:
        canvas.line([(ax.x(0), ax.y(base)), (ax.x(1), ax.y(base))], _GREY, 1, ":")
        legend.append(("dotted", _GREY, f"base rate {num(base)}"))
    xs = [float(v) for v in curves["true_positive_rate"]]
    ys = [float(v) for v in curves["precision"]]
    canvas.line([(ax.x(x), ax.y(y)) for x, y in _steps(xs, ys, post=False)], OKABE_ITO[0], 1.6)
    legend.append(("line", OKABE_ITO[0], f"model (PR AUC {num(_value(overall.get('pr_auc')))})"))
    recall, precision = _value(overall.get("recall")), _value(overall.get("precision"))
    if recall is not None and precision is not None:
        canvas.dot(ax.x(recall), ax.y(precision), 3, OKABE_ITO[5])
        legend.append(("dot", OKABE_ITO[5], f"threshold {short(results['threshold'])}"))
    ax.labels(title="Precision-recall curve", xlabel="Recall (true positive rate)",
              ylabel="Precision")  # fmt: skip
    canvas.legend(ax.x(0.03), ax.y(0.02) - 11 * len(legend) - 4, legend)
    return canvas.svg("pr", title="Precision-recall curve: precision against recall")


def reliability_chart(
    name: str,
    title: str,
    series: Sequence[tuple[str, Sequence[Mapping[str, Any]]]],
    *,
    counts: bool = True,
) -> str:
    """Reliability diagram: observed rate against mean score per bin.

    Parameters
    ----------
    name : str
        Chart id (unique in the document).
    title : str
        Chart title.
    series : sequence of (label, bins)
        One line per label; ``bins`` are ``results.json`` calibration rows
        (``lower``, ``upper``, ``count``, ``mean_score``, ``observed_rate``).
    counts : bool, keyword-only
        Draw the rows per bin as bars under the diagram (for one series; with
        several, the report prints the counts in a table beside the chart).

    Returns
    -------
    str
        Inline SVG.
    """
    height = 3.3 if counts else 2.75
    canvas = Canvas(3.3, height)
    left, top, width, room = _axes(canvas, (0.5, 0.42, 0.1, 0.28))
    gap = 0.12 * room / 4 if counts else 0.0
    main = (room - gap) * 3 / 4 if counts else room
    ax = Axes(canvas, (left, top, width, main), (0.0, 1.0), (-0.02, 1.02))
    ax.grid(xlabels=not counts)
    canvas.line([(ax.x(0), ax.y(0)), (ax.x(1), ax.y(1))], _GREY, 1, ":")
    legend = [("dotted", _GREY, "perfect calibration")]
    for k, (label, bins) in enumerate(series):
        colour = OKABE_ITO[k % len(OKABE_ITO)]
        filled = [b for b in bins if b["count"]]
        points = [(ax.x(float(b["mean_score"])), ax.y(float(b["observed_rate"]))) for b in filled]
        canvas.line(points, colour, 1.2)
        for x, y in points:
            canvas.dot(x, y, 1.75, colour)
        legend.append(("dotline", colour, label))
    ax.labels(title=title, ylabel="Observed positive rate", ylabel_offset=30)
    wide = max(len(label) for _, _, label in legend) * 4.5 + 30
    canvas.legend(ax.x(1) - wide, ax.y(-0.02) - 11 * len(legend) - 5, legend, frame=True)
    axis = ax
    if counts and series:
        bins = series[0][1]
        most = max((float(b["count"]) for b in bins), default=0.0) or 1.0
        bars = Axes(canvas, (left, top + main + gap, width, room - main - gap), (0.0, 1.0),
                    (0.0, most * 1.05))  # fmt: skip
        bars.grid()
        for b in bins:
            low, high = float(b["lower"]), float(b["upper"])
            canvas.rect(bars.x(low), bars.y(float(b["count"])), bars.x(high) - bars.x(low),
                        bars.y(0) - bars.y(float(b["count"])), OKABE_ITO[0], "#ffffff")  # fmt: skip
        canvas.text(left - 30, bars.top + bars.height / 2, "Rows", 8.5, anchor="middle",
                    rotate=True)  # fmt: skip
        axis = bars
    axis.labels(xlabel="Mean score in bin (predicted probability)")
    return canvas.svg(name, title=f"{title}: observed rate against predicted probability")
