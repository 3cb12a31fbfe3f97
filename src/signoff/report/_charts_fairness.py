"""Fairness, robustness and explainability charts.

Bars with bootstrap-interval whiskers and the policy's thresholds drawn as
dashed lines.  Values come from ``results.json``; thresholds from its
``gates``.  Call these inside :func:`signoff.report._svg.chart_style`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..metrics import METRICS, TABLES
from ._format import metric_label, num, short
from ._svg import OKABE_ITO, new_figure, to_svg

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
_THRESHOLD: dict[str, Any] = {"color": "#000000", "ls": "--", "lw": 1.0}


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


def group_chart(
    name: str,
    attribute: str,
    groups: Mapping[str, Mapping[str, Any]],
    thresholds: Sequence[Threshold],
) -> str:
    """Selection rate, TPR and FPR of every group, with intervals and per-group policy limits."""
    labels = list(groups)
    fig = new_figure(6.9, 2.35, margins=(0.55, 0.5, 1.55, 0.28))
    ax = fig.add_subplot()
    width = 0.8 / len(GROUP_CHART_METRICS)
    for k, metric in enumerate(GROUP_CHART_METRICS):
        heights, err = _bar_data([groups[g].get(metric) for g in labels])
        xs = [i + (k - 1) * width for i in range(len(labels))]
        ax.bar(xs, heights, width=width, color=OKABE_ITO[k], label=METRICS[metric].short_label)
        ax.errorbar(xs, heights, yerr=err, fmt="none", ecolor="#333333", elinewidth=0.8, capsize=2)
    for metric, values, text, _condition in thresholds:
        if metric in GROUP_CHART_METRICS:
            for v in values:
                ax.axhline(v, **_THRESHOLD)
            ax.plot([], [], **_THRESHOLD, label=text)
    ticks = [f"{g} (n={num(groups[g]['count']['value'])})" for g in labels]
    ax.set_xticks(range(len(labels)), ticks)
    ax.set(ylim=(0, 1.05))
    ax.set_ylabel("Share of the group")
    ax.set_title(f"{attribute}: rates by group, with bootstrap intervals")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return to_svg(fig, name, title=f"{attribute}: selection rate, TPR and FPR by group")


def _panel_title(metric: str, thresholds: Sequence[Threshold]) -> str:
    limits = list(dict.fromkeys(condition for m, _, _, condition in thresholds if m == metric))
    return metric_label(metric) + ("\npolicy: " + "; ".join(limits) if limits else "\nno gate")


def disparity_chart(
    attributes: Mapping[str, Mapping[str, Any]], thresholds: Sequence[Threshold]
) -> str:
    """One panel per disparity metric: every attribute's value, interval and policy limit."""
    names = list(attributes)
    height = 1.45 + 0.5 * len(names)
    fig = new_figure(
        6.9, height, margins=(_label_margin(names), 0.4, 0.15, 0.42), wspace=0.08, hspace=0.95
    )
    axes = fig.subplots(2, 2, sharey=True).ravel()
    ys = list(range(len(names)))
    for ax, metric in zip(axes, DISPARITY_CHART_METRICS, strict=True):
        heights, err = _bar_data([attributes[a].get(metric) for a in names])
        ax.barh(ys, heights, color=OKABE_ITO[4], height=0.6)
        ax.errorbar(heights, ys, xerr=err, fmt="none", ecolor="#333333", elinewidth=0.8, capsize=2)
        for _, values, _text, _condition in (t for t in thresholds if t[0] == metric):
            for v in values:
                ax.axvline(v, **_THRESHOLD)
        ax.set_title(_panel_title(metric, thresholds), fontsize=8)
        ax.set_xlabel("Ratio (1 = parity)" if metric == "disparate_impact" else "Gap (0 = parity)")
    axes[0].set_yticks(ys, names)
    axes[0].invert_yaxis()
    return to_svg(fig, "disparity", title="Disparity metrics by attribute with policy limits")


def shift_chart(
    rows: Sequence[Mapping[str, Any]], metric: str, thresholds: Sequence[Threshold]
) -> str:
    """Change of the shift metric when each group's share moves up or down."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    labels = [r["label"] for r in rows]
    fig = new_figure(6.9, 0.75 + 0.17 * len(rows), margins=(_label_margin(labels), 0.42, 1.5, 0.1))
    ax = fig.add_subplot()
    attributes = list(dict.fromkeys(r["attribute"] for r in rows))
    colours = {a: OKABE_ITO[k % len(OKABE_ITO)] for k, a in enumerate(attributes)}
    ys = list(range(len(rows)))
    ax.barh(
        ys,
        [float(r["change"] or 0.0) for r in rows],
        color=[colours[r["attribute"]] for r in rows],
        height=0.65,
    )
    ax.axvline(0, color="#333333", lw=0.8)
    handles: list[Any] = [Patch(color=colours[a], label=a) for a in attributes]
    for _, values, _text, _condition in thresholds:
        for v in values:
            ax.axvline(-v, **_THRESHOLD)
        handles.append(Line2D([], [], **_THRESHOLD, label=f"policy: drop ≤ {short(values[0])}"))
    ax.set_yticks(ys, labels)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlabel(f"Change in {metric_label(metric).lower()} (negative = worse)")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    return to_svg(fig, "shift", title="Change of the metric under demographic shift")


def importance_chart(
    features: Sequence[Mapping[str, Any]], watched: Sequence[str], scoring: str
) -> str:
    """Permutation importance (mean ± standard deviation), watched features highlighted."""
    from matplotlib.patches import Patch

    shown = list(features)
    labels = [f"{f['rank']}. {f['feature']}" for f in shown]
    fig = new_figure(
        6.9, 0.75 + 0.17 * len(shown), margins=(_label_margin(labels), 0.42, 1.75, 0.1)
    )
    ax = fig.add_subplot()
    ys = list(range(len(shown)))
    colours = [OKABE_ITO[5] if f["feature"] in watched else OKABE_ITO[0] for f in shown]
    means = [float(f["importance_mean"]) for f in shown]
    ax.barh(ys, means, color=colours, height=0.65)
    ax.errorbar(
        means, ys, xerr=[float(f["importance_std"]) for f in shown],
        fmt="none", ecolor="#333333", elinewidth=0.8, capsize=2,
    )  # fmt: skip
    ax.axvline(0, color="#333333", lw=0.8)
    handles = [
        Patch(color=OKABE_ITO[0], label="feature"),
        Patch(color=OKABE_ITO[5], label="protected attribute\nor proxy"),
    ]
    ax.set_yticks(ys, labels)
    ax.set_ylim(len(shown) - 0.5, -0.5)
    ax.set_xlabel(f"Drop in {scoring} when the feature is shuffled (mean ± sd)")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    return to_svg(fig, "importance", title="Permutation importance of each feature")
