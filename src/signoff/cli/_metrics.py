"""``signoff metrics``: the metric registry, for people and scripts."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

from ._app import CliTable, app, handle_errors, out_console

__all__ = ["metrics_command"]


@app.command("metrics", rich_help_panel="Audit")
@handle_errors
def metrics_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the registry as JSON.")] = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the metric reference (docs/metrics.md).")
    ] = False,
) -> None:
    """List every metric signoff computes: name, where it appears, direction, meaning."""
    from ..metrics import (
        METRICS,  # NumPy loads only when asked for
        metric_reference,
    )

    if markdown:
        print(metric_reference(), end="")
        return
    if as_json:
        print(json.dumps([asdict(spec) for spec in METRICS.values()], indent=2))
        return
    table = CliTable(title="Metrics (canonical names for policies, reports and the API)")
    table.add_column("name", style="cyan", no_wrap=True)
    table.add_column("levels")
    table.add_column("better")
    table.add_column("description")
    for spec in METRICS.values():
        table.add_row(spec.name, ", ".join(spec.levels), spec.direction, spec.description)
    out_console.print(table)
