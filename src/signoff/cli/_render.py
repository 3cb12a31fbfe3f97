"""Readable terminal summaries of an audit (Rich tables)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from ..metrics import TABLES, table
from ._app import CliTable
from ._gates import render_gates

if TYPE_CHECKING:
    from ..audit import AuditResult

__all__ = ["render_audit", "render_summary"]


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def _ci(entry: Mapping[str, Any]) -> str:
    ci = entry.get("ci")
    return f"[{_fmt(ci[0])}, {_fmt(ci[1])}]" if ci else ""


def _with_ci(entry: Mapping[str, Any]) -> str:
    text = _fmt(entry["value"])
    ci = _ci(entry)
    return f"{text} [dim]{ci}[/]" if ci else text


def render_summary(
    results: Mapping[str, Any],
    manifest: Mapping[str, Any],
    console: Console,
    written: Mapping[str, Path] | None = None,
) -> None:
    """Print the summary an engineer reads after ``signoff audit``."""
    inputs = manifest["inputs"]
    model = inputs.get("model", {}).get("path", "scores from the data")
    boot = results["bootstrap"]
    level = round(boot["confidence"] * 100)
    console.print(
        f"[bold]Audit[/] of [cyan]{escape(str(model))}[/] on "
        f"[cyan]{escape(str(inputs['data']['path']))}[/]: "
        f"{results['rows']} rows, threshold {results['threshold']}, "
        f"{boot['replicates']} bootstrap replicates ({level}% intervals)"
    )
    overall = results["overall"]
    perf = CliTable(title="Performance and calibration", title_justify="left")
    perf.add_column("metric")
    perf.add_column("value", justify="right")
    perf.add_column(f"{level}% CI", justify="right", style="dim")
    for name in TABLES["summary"]:
        perf.add_row(name, _fmt(overall[name]["value"]), _ci(overall[name]))
    console.print(perf)

    fair = CliTable(title="Fairness by protected attribute", title_justify="left")
    fair.add_column("attribute")
    fair.add_column("groups (smallest n)", justify="right")
    columns = table("key_disparities")
    for spec in columns:
        fair.add_column(spec.short_label, justify="right")
    fair.add_column("power", justify="right")
    for name, block in results["by_attribute"].items():
        groups = block["groups"]
        fair.add_row(
            escape(name),
            f"{len(groups)} ({block['min_group_size']['value']})",
            *(_with_ci(block[spec.name]) for spec in columns),
            _fmt(block["statistical_power"]["value"], 2),
        )
    console.print(fair)

    rank = overall["protected_attribute_importance_rank"]["value"]
    console.print(
        f"Robustness: max_shift_degradation {_with_ci(overall['max_shift_degradation'])} "
        f"({results['shift']['metric']}, ±{results['shift']['delta']:g} share shift)"
    )
    console.print(
        f"Explainability: protected_attribute_importance_rank {_fmt(rank)}; "
        f"max_proxy_association {_fmt(overall['max_proxy_association']['value'])}"
    )
    for warning in results["warnings"]:
        console.print(f"[yellow]warning:[/] {escape(str(warning))}", soft_wrap=True)
    if written:
        console.print(escape("Wrote " + ", ".join(str(p) for p in written.values())))


def render_audit(result: AuditResult, console: Console, written: Mapping[str, Path]) -> None:
    """The summary, then the gates when a policy judged the audit."""
    render_summary(result.results, result.manifest, console, written)
    if result.outcome is not None:
        render_gates(result.outcome, console)
