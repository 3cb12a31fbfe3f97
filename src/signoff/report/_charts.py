"""Performance and calibration charts: ROC, precision-recall, reliability diagrams.

Each function draws values read from ``results.json`` (never recomputed) and
returns an inline SVG string (:func:`signoff.report._svg.to_svg`).  Call them
inside :func:`signoff.report._svg.chart_style`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._format import num, short
from ._svg import OKABE_ITO, new_figure, to_svg

__all__ = ["pr_chart", "reliability_chart", "roc_chart"]

_GREY = "#888888"


def _value(estimate: Mapping[str, Any] | None) -> float | None:
    if estimate is None or estimate.get("value") is None:
        return None
    return float(estimate["value"])


def roc_chart(results: Mapping[str, Any]) -> str | None:
    """ROC curve with the chance diagonal and the decision threshold's operating point."""
    curves = results.get("curves")
    if not curves:
        return None
    overall = results["overall"]
    fig = new_figure(3.3, 3.0, margins=(0.5, 0.45, 0.1, 0.28))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], ls=":", color=_GREY, lw=1, label="chance")
    auc = overall.get("roc_auc")
    ax.plot(
        [0.0, *curves["false_positive_rate"]],
        [0.0, *curves["true_positive_rate"]],
        color=OKABE_ITO[0],
        lw=1.6,
        drawstyle="steps-post",
        label=f"model (ROC AUC {num(_value(auc))})",
    )
    fpr, tpr = _value(overall.get("false_positive_rate")), _value(overall.get("recall"))
    if fpr is not None and tpr is not None:
        ax.plot(
            [fpr], [tpr], "o", color=OKABE_ITO[5], ms=6,
            label=f"threshold {short(results['threshold'])}",
        )  # fmt: skip
    ax.set(xlim=(0, 1), ylim=(0, 1.02), aspect="equal")
    ax.set_xlabel("False positive rate")
    ax.set_ylabel("True positive rate (recall)")
    ax.set_title("ROC curve")
    ax.legend(loc="lower right")
    return to_svg(fig, "roc", title="ROC curve: true positive rate against false positive rate")


def pr_chart(results: Mapping[str, Any]) -> str | None:
    """Precision-recall curve with the base rate and the decision threshold's operating point."""
    curves = results.get("curves")
    if not curves:
        return None
    overall = results["overall"]
    fig = new_figure(3.3, 3.0, margins=(0.5, 0.45, 0.1, 0.28))
    ax = fig.add_subplot()
    base = _value(overall.get("base_rate"))
    if base is not None:
        ax.axhline(base, ls=":", color=_GREY, lw=1, label=f"base rate {num(base)}")
    ax.plot(
        curves["true_positive_rate"],
        curves["precision"],
        color=OKABE_ITO[0],
        lw=1.6,
        drawstyle="steps-pre",
        label=f"model (PR AUC {num(_value(overall.get('pr_auc')))})",
    )
    recall, precision = _value(overall.get("recall")), _value(overall.get("precision"))
    if recall is not None and precision is not None:
        ax.plot(
            [recall], [precision], "o", color=OKABE_ITO[5], ms=6,
            label=f"threshold {short(results['threshold'])}",
        )  # fmt: skip
    ax.set(xlim=(0, 1), ylim=(0, 1.02), aspect="equal")
    ax.set_xlabel("Recall (true positive rate)")
    ax.set_ylabel("Precision")
    ax.set_title("Precision-recall curve")
    ax.legend(loc="lower left")
    return to_svg(fig, "pr", title="Precision-recall curve: precision against recall")


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
    if counts:
        fig = new_figure(3.3, 3.3, margins=(0.5, 0.42, 0.1, 0.28), hspace=0.12)
        top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": (3, 1)})
    else:
        fig = new_figure(3.3, 2.75, margins=(0.5, 0.42, 0.1, 0.28))
        top, bottom = fig.add_subplot(), None
    top.plot([0, 1], [0, 1], ls=":", color=_GREY, lw=1, label="perfect calibration")
    for k, (label, bins) in enumerate(series):
        filled = [b for b in bins if b["count"]]
        top.plot(
            [b["mean_score"] for b in filled],
            [b["observed_rate"] for b in filled],
            "o-", color=OKABE_ITO[k % len(OKABE_ITO)], ms=3.5, lw=1.2, label=label,
        )  # fmt: skip
    top.set(xlim=(0, 1), ylim=(-0.02, 1.02))
    top.set_ylabel("Observed positive rate")
    top.set_title(title)
    top.legend(loc="lower right", frameon=True, framealpha=0.9, edgecolor="#cccccc")
    axis = top
    if bottom is not None and series:
        bins = series[0][1]
        bottom.bar(
            [float(b["lower"]) for b in bins],
            [b["count"] for b in bins],
            width=[float(b["upper"]) - float(b["lower"]) for b in bins],
            align="edge", color=OKABE_ITO[0], edgecolor="white", linewidth=0.6,
        )  # fmt: skip
        bottom.set_ylabel("Rows")
        axis = bottom
    axis.set_xlabel("Mean score in bin (predicted probability)")
    return to_svg(fig, name, title=f"{title}: observed rate against predicted probability")
