"""``signoff monitor run|baseline``: production batches against the model's reference."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.text import Text

from .._canonical import pretty_json
from ..errors import ConfigError
from ._app import CliTable, app, err_console, handle_errors, out_console
from ._progress import progress_bars
from ._registry import As, acting_user, open_signoff
from ._remote import remote_mode
from ._remote_monitor import baseline_remote, check_remote_baseline, run_remote

__all__ = ["BAD_EPOCH", "REMOTE_NEEDS_BATCH", "RESULTS_FILE", "monitor_app"]

RESULTS_FILE = "monitor-results.json"
REMOTE_NEEDS_BATCH = (
    "in remote mode the batch file is uploaded: name a file here with --batch (data at a "
    "URI is read where signoff runs: run `signoff monitor run` there)"
)
BAD_EPOCH = "SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01, got {value!r}"

monitor_app = typer.Typer(
    help="Monitoring after deployment: drift, data quality and fairness per window.",
    no_args_is_help=True,
)
app.add_typer(monitor_app, name="monitor", rich_help_panel="Audit")

ConfigArg = Annotated[Path, typer.Argument(help="Monitor config (YAML); see docs/monitoring.md.")]


def _today() -> dt.date:
    """The date policies are judged on: ``SOURCE_DATE_EPOCH`` when set, else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    except (ValueError, OverflowError):
        raise ConfigError(BAD_EPOCH.format(value=epoch)) from None


def _write(path: Path, text: str) -> None:
    """Write through a temporary file, so a failed run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(document: dict[str, Any]) -> CliTable:
    table = CliTable(
        title=Text(f"Monitoring: {document['model']}"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for name, justify in (
        ("window start", "left"),
        ("rows", "right"),
        ("drift share", "right"),
        ("drifted", "left"),
        ("score PSI", "right"),
        ("SR change", "right"),
        ("null Δ", "right"),
        ("labels", "right"),
        ("verdict", "left"),
        ("actions", "left"),
    ):
        table.add_column(name, justify=justify, overflow="fold", no_wrap=name == "window start")
    for window in document["windows"]:
        prediction = window["prediction_drift"] or {}
        coverage = window["performance"]["label_coverage"]
        actions = ", ".join(f"{a['action']} ({a['status']})" for a in window["actions"])
        start = window["start"]
        table.add_row(
            start[:16].replace("T", " ") if start else "whole batch",
            str(window["rows"]),
            _fmt(window["drift"]["share"], 2),
            ", ".join(window["drift"]["drifted"]) or "—",
            _fmt(prediction.get("psi")),
            _fmt(prediction.get("selection_rate_change")),
            _fmt(window["quality"]["null_share_change"]),
            f"{coverage:.0%}" if coverage is not None else "—",
            window["verdict"] or "no policy",
            actions or "—",
        )
    return table


@monitor_app.command("run")
@handle_errors
def monitor_run(
    config: ConfigArg,
    batch: Annotated[
        str | None,
        typer.Option(
            metavar="PATH",
            help="Production batch: a .csv or .parquet file, a folder of them or a glob, or "
            "Parquet data at a URI (hdfs://, s3a://, file://; the spark engine); default: "
            "the config's data.path.",
        ),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(help="Late labels (.csv/.parquet) joined on columns.prediction_id."),
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for monitor-results.json.")
    ] = Path("signoff-monitor"),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print monitor-results.json on stdout, nothing else.")
    ] = False,
    actor: As = None,
) -> None:
    """Profile each window of a batch, measure drift, quality and fairness, judge the
    policy, record every window in the registry and act (notify, automatic rollback).

    The model (or the pinned `NAME@VERSION`) must be in production; the acting user
    holds the monitor role. Exit 0 when no error gate failed, 1 when one did,
    2 config error, 3 data error, 4 refused.
    """
    from ._gates import render_gates

    user = acting_user(actor)
    assert user is not None
    if remote_mode():  # the server measures the upload against its own <model>.yaml
        if batch is None or "://" in batch:
            raise ConfigError(REMOTE_NEEDS_BATCH, field="--batch")
        document, code = run_remote(config, Path(batch), labels, today=_today())
        outcomes: tuple[Any, ...] = (None,) * len(document["windows"])
    else:
        with progress_bars(err_console, enabled=True) as progress:
            result = open_signoff().monitor.run(
                config, batch, labels=labels, actor=user, today=_today(), progress=progress
            )
        document, outcomes, code = result.document, result.outcomes, result.exit_code
    text = pretty_json(document)
    target = output / RESULTS_FILE
    _write(target, text)
    if as_json:
        sys.stdout.write(text)
        err_console.print(f"wrote {target}")
    else:
        out_console.print(_table(document))
        for window, outcome in zip(document["windows"], outcomes, strict=True):
            if outcome is not None and outcome.verdict != "PASS":
                out_console.print(f"window {window['start'] or 'batch'}:")
                render_gates(outcome, out_console)
            elif outcome is None and window.get("verdict") not in (None, "PASS"):
                failed = [g for g in window.get("gates", []) if g.get("status") != "PASS"]
                names = ", ".join(f"{g.get('name')} {g.get('status')}" for g in failed)
                out_console.print(f"window {window['start'] or 'batch'}: {names}")
        for window in document["windows"]:
            for action in window["actions"]:
                where = action.get("change_request") or action.get("ledger_seq") or ""
                out_console.print(
                    f"{action['action']} ({action['severity']}, {action['failing_windows']} "
                    f"failing windows): {action['status']} — {action['detail']}"
                    + (f" [{where}]" if where else "")
                )
        out_console.print(f"wrote {target}")
    if code:
        raise typer.Exit(code)


@monitor_app.command("baseline")
@handle_errors
def monitor_baseline(
    config: ConfigArg,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Also write the reference profile here (JSON)."),
    ] = None,
    actor: As = None,
) -> None:
    """Profile the reference of the watched version and store it in the registry
    (ledgered with its SHA-256, which is printed last)."""
    if remote_mode():
        check_remote_baseline(config)  # nothing asked of the server for a bad config
    user = acting_user(actor)
    assert user is not None
    if remote_mode():  # profiled here; the profile is uploaded and stored by the server
        found, profile = baseline_remote(config)
    else:
        with progress_bars(err_console, enabled=True) as progress:
            record = open_signoff().monitor.baseline(config, actor=user, progress=progress)
        found, profile = vars(record), record.profile_json
    if output is not None:
        _write_bytes(output, profile)
    err_console.print(
        f"profiled {found['rows']} reference rows, {found['features']} features of "
        f"{found['model']}@{found['version']}; stored in the registry"
        + (f" and written to {output}" if output else "")
    )
    out_console.print(found["profile_sha256"])


def _write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)
