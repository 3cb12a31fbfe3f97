"""``signoff monitor status|history|report|export``: what monitoring recorded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.text import Text

from ..errors import ConfigError
from ._app import PlainTable, err_console, handle_errors, out_console
from ._inventory import BAD_MOMENT
from ._monitor import monitor_app
from ._registry import Json, emit, open_signoff

__all__: list[str] = []


def _since(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(BAD_MOMENT.format(text=text), field="--since") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


STATUS_STYLE = {"pass": "green", "warning": "yellow", "info": "yellow", "error": "bold red"}


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _status_table(rows: list[dict[str, Any]]) -> PlainTable:
    table = PlainTable(title="Monitoring status", title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("model", "production", "latest window", "status", "failing", "alerts"):
        table.add_column(name, overflow="fold")
    for row in rows:
        latest = row["latest_window"]
        streaks = row["failing_windows_in_a_row"]
        failing = ", ".join(f"{n} {s}" for s, n in streaks.items() if n) or "—"
        status = latest["status"] if latest else "not monitored"
        table.add_row(
            row["model"],
            row["production"] or "—",
            (latest["start"] or "whole batch") if latest else "—",
            Text(status, style=STATUS_STYLE.get(status, "dim")),
            failing,
            str(row["alerts"]),
        )
    return table


@monitor_app.command("status")
@handle_errors
def monitor_status(
    model: Annotated[str | None, typer.Argument(help="One model (default: every model).")] = None,
    as_json: Json = False,
) -> None:
    """Each production model's latest monitored window, failing streaks and alerts."""
    rows = open_signoff(write=False).monitor.status(model)
    emit(rows, as_json=as_json, table=_status_table(rows))


@monitor_app.command("history")
@handle_errors
def monitor_history(
    model: Annotated[str, typer.Argument(help="The model.")],
    metric: Annotated[str, typer.Option(help="Metric name (e.g. drift_share, psi).")],
    column: Annotated[
        str | None, typer.Option(help="A column's drift figure (psi, statistic, p_value…).")
    ] = None,
    attribute: Annotated[
        str | None, typer.Option(help="A protected attribute (for disparity metrics).")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only windows from this date (2026-11-01).")
    ] = None,
    chart: Annotated[Path | None, typer.Option(help="Also draw the series as an SVG file.")] = None,
    as_json: Json = False,
) -> None:
    """One metric over a model's recorded windows (re-runs replace what they supersede)."""
    from ..monitor import Point, line_chart

    moment = _since(since) if since else None
    api = open_signoff(write=False)
    series = api.monitor.history(model, metric, column=column, attribute=attribute, since=moment)
    where = f" of {column}" if column else f" by {attribute}" if attribute else ""
    if chart is not None:
        points = [
            Point(
                (p["start"] or "batch")[:10],
                p["value"],
                p["failed"],
                (p["ci"][0], p["ci"][1]) if p["ci"] else None,
            )
            for p in series
        ]
        _write_text(chart, line_chart(points, title=f"{model}: {metric}{where}"))
        err_console.print(f"wrote {chart}")
    table = PlainTable(title=f"{model}: {metric}{where}", title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("window start", "version", "value", "interval", "failed", "ledger seq"):
        table.add_column(name)
    for p in series:
        ci = f"[{p['ci'][0]:.4g}, {p['ci'][1]:.4g}]" if p["ci"] else "—"
        table.add_row(
            p["start"] or "whole batch",
            p["version"],
            "—" if p["value"] is None else f"{p['value']:.4g}",
            ci,
            "yes" if p["failed"] else "",
            str(p["ledger_seq"]),
        )
    emit(series, as_json=as_json, table=table)


@monitor_app.command("report")
@handle_errors
def monitor_report(
    model: Annotated[str, typer.Argument(help="The model.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
) -> None:
    """A model's monitoring report: trend charts, every window, alert and action with its
    ledger seq (one self-contained HTML page)."""
    html = open_signoff(write=False).monitor.report(model)
    _write_text(output, html)
    out_console.print(f"wrote {output}")


@monitor_app.command("export")
@handle_errors
def monitor_export(
    prometheus: Annotated[
        Path,
        typer.Option(
            "--prometheus", help="Write the node-exporter textfile here (e.g. signoff.prom)."
        ),
    ],
) -> None:
    """Each monitored model's latest window as Prometheus metrics (``signoff_monitor_*``),
    for node-exporter's textfile collector; written atomically."""
    text = open_signoff(write=False).monitor.prometheus()
    _write_text(prometheus, text)
    out_console.print(f"wrote {prometheus}")
