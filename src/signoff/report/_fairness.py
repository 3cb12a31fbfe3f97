"""Sections 5 and 6 of the report: fairness per attribute and intersection, robustness.

Every value is read from ``results.json``; policy limits drawn on the charts
come from its ``gates``.  The statistical-power statement puts the
``statistical_power`` number into plain words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..metrics import DISPARITY_METRICS, TABLES, table
from ._charts_fairness import Threshold, disparity_chart, group_chart, shift_chart
from ._format import ci_text, condition, metric_label, num, pct, value_text

__all__ = [
    "GROUP_METRICS",
    "fairness",
    "policy_thresholds",
    "power_statement",
    "robustness",
]

#: Per-group columns of the fairness tables.
GROUP_METRICS = TABLES["report_group_columns"]
_GROUP_LABELS = tuple(spec.column_heading for spec in table("report_group_columns"))


def policy_thresholds(
    results: Mapping[str, Any], metrics: Sequence[str], attribute: str | None = None
) -> list[Threshold]:
    """Thresholds of metric gates on ``metrics`` (scoped to ``attribute`` when given)."""
    out: list[Threshold] = []
    for gate in results.get("gates") or []:
        if gate.get("kind") != "metric" or gate.get("metric") not in metrics:
            continue
        threshold = gate.get("threshold")
        if threshold is None:
            continue
        if attribute is not None and not any(
            m.get("attribute") == attribute for m in gate.get("measurements", [])
        ):
            continue
        values = tuple(float(t) for t in threshold) if isinstance(threshold, list) else (
            float(threshold),
        )  # fmt: skip
        limit = condition(gate)
        out.append((gate["metric"], values, f"policy: {gate['name']} {limit}", limit))
    return out


def _gate_for(results: Mapping[str, Any], metric: str, attribute: str) -> dict[str, str] | None:
    for gate in results.get("gates") or []:
        if gate.get("metric") != metric:
            continue
        for measured in gate.get("measurements", []):
            if measured.get("attribute") == attribute and measured.get("group") is None:
                passed = measured.get("passed")
                status = "PASS" if passed else gate["status"]
                return {"status": status, "condition": condition(gate), "name": gate["name"]}
    return None


def power_statement(
    block: Mapping[str, Any], effect: float | None, min_group_size: int | None
) -> str:
    """The statistical power of one attribute's fairness comparison, in plain words."""
    power = (block.get("statistical_power") or {}).get("value")
    groups = block.get("groups", {})
    if power is None or not groups:
        return "The statistical power could not be computed for this attribute."
    smallest = min(groups, key=lambda g: groups[g]["count"]["value"])
    n = groups[smallest]["count"]["value"]
    gap = f"{pct(effect, None).rstrip('%')}-point" if effect is not None else "configured"
    chance = pct(power)
    article = "an" if chance.startswith("8") or chance in ("11%", "18%") else "a"
    text = (
        f"With {num(n)} rows in the smallest group ({smallest}), this audit had {article} "
        f"{chance} chance to detect a {gap} selection-rate gap"
    )
    if power < 0.5:
        text += "; a passing disparity here is weak evidence: a real gap of that size would "
        text += "more likely go unseen than be detected."
    elif power < 0.8:
        text += "; a passing disparity here is moderate evidence (80% is the usual standard)."
    else:
        text += "; a gap of that size would most likely have shown, so a passing disparity "
        text += "here is reasonable evidence."
    if min_group_size is not None and n < min_group_size:
        text += f" The group is below the configured minimum of {num(min_group_size)} rows."
    return text


def fairness(results: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """Per attribute and intersection: disparities, group table, chart, power, small groups."""
    effect = config.get("power_effect")
    minimum = config.get("min_group_size")
    blocks = results.get("by_attribute", {})
    attributes = []
    for k, (name, block) in enumerate(blocks.items(), start=1):
        groups = block.get("groups", {})
        attributes.append(
            {
                "name": name,
                "kind": block.get("kind", "attribute"),
                "privileged": block.get("privileged"),
                "disparities": [
                    {
                        "label": metric_label(m),
                        "name": m,
                        "value": value_text(block.get(m)),
                        "ci": ci_text(block.get(m)),
                        "gate": _gate_for(results, m, name),
                    }
                    for m in DISPARITY_METRICS
                    if m in block
                ],
                "groups": [
                    {
                        "name": group,
                        "count": num(entry["count"]["value"]),
                        "share": value_text(entry.get("share")),
                        "flags": [f.replace("_", " ") for f in entry.get("flags", [])],
                        "cells": [
                            (value_text(entry.get(m)), ci_text(entry.get(m))) for m in GROUP_METRICS
                        ],
                    }
                    for group, entry in groups.items()
                ],
                "chart": group_chart(
                    f"groups-{k}", name, groups, policy_thresholds(results, GROUP_METRICS, name)
                ),
                "power": power_statement(block, effect, minimum),
                "power_value": pct((block.get("statistical_power") or {}).get("value")),
                "smallest": value_text(block.get("min_group_size")),
            }
        )
    overall = results["overall"]
    return {
        "attributes": attributes,
        "group_labels": list(_GROUP_LABELS),
        "chart": disparity_chart(blocks, policy_thresholds(results, DISPARITY_METRICS))
        if blocks
        else None,
        "small_groups": [w for w in results.get("warnings", []) if "min_group_size" in w],
        "power": pct((overall.get("statistical_power") or {}).get("value")),
        "effect": pct(effect, None) if effect is not None else None,
        "min_group_size": num(minimum),
    }


def robustness(results: Mapping[str, Any]) -> dict[str, Any]:
    """The demographic-shift table (every scenario) and chart, per-attribute worst drops."""
    setting = results.get("shift", {})
    metric = setting.get("metric", "accuracy")
    rows = []
    for name, block in results.get("by_attribute", {}).items():
        for scenario in block.get("shift", []):
            arrow = "↑" if scenario["direction"] == "up" else "↓"
            rows.append(
                {
                    "attribute": name,
                    "group": scenario["group"],
                    "direction": scenario["direction"],
                    "label": f"{name}: {scenario['group']} {arrow}",
                    "before": num(scenario["share_before"]),
                    "after": num(scenario["share_after"]),
                    "value": num(scenario["value"]),
                    "change": scenario["change"],
                    "change_text": num(scenario["change"]),
                }
            )
    thresholds = policy_thresholds(results, ("max_shift_degradation",))
    return {
        "metric": metric,
        "metric_label": metric_label(metric),
        "delta": pct(setting.get("delta"), None),
        "overall": {
            "value": value_text(results["overall"].get("max_shift_degradation")),
            "ci": ci_text(results["overall"].get("max_shift_degradation")),
        },
        "per_attribute": [
            (
                name,
                value_text(b.get("max_shift_degradation")),
                ci_text(b.get("max_shift_degradation")),
            )
            for name, b in results.get("by_attribute", {}).items()
        ],
        "rows": rows,
        "chart": shift_chart(rows, metric, thresholds) if rows else None,
    }
