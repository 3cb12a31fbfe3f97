"""``signoff inventory export``, ``signoff docs annex-iv`` and ``signoff portfolio import``.

``portfolio import`` is added by :func:`register` to the ``portfolio`` group, which belongs
to ``cli/_portfolio.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from ..errors import ConfigError
from ._app import PlainTable, app, err_console, handle_errors, out_console
from ._registry import As, Json, acting_user, open_signoff, parse_ref
from ._remote import remote_mode, remote_signoff
from ._remote_admin import annex_remote, inventory_remote

__all__ = ["register"]

BAD_FORMAT = "expected one of {formats}, got {value!r}"

inventory_app = typer.Typer(
    help="The model inventory for supervisors (SR 26-2 / OCC 2026-13, EU AI Act).",
    no_args_is_help=True,
)
docs_app = typer.Typer(help="Regulatory documentation assembled from the registry.",
                       no_args_is_help=True)  # fmt: skip
app.add_typer(inventory_app, name="inventory", rich_help_panel="Registry")
app.add_typer(docs_app, name="docs", rich_help_panel="Registry")


@inventory_app.command("export")
@handle_errors
def inventory_export(
    fmt: Annotated[str, typer.Option("--format", help="csv | json | xlsx.")] = "csv",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """One row per model: purpose, owner, team, risk tier, status, current version and
    stage, last validation and its verdict, next review due, known limitations, open
    waivers and findings."""
    from ..regulatory import INVENTORY_FORMATS, inventory, inventory_bytes

    if fmt not in INVENTORY_FORMATS:
        formats = ", ".join(INVENTORY_FORMATS)
        raise ConfigError(BAD_FORMAT.format(formats=formats, value=fmt), field="--format")
    if fmt == "xlsx" and output is None:
        raise ConfigError("an xlsx workbook is binary: give -o FILE.xlsx", field="-o")
    if remote_mode():  # the server's export, the same bytes
        data, count = inventory_remote(fmt)
    else:
        with open_signoff(write=False) as api:
            rows = inventory(api.core)
            data = inventory_bytes(rows, fmt, created=api.core.clock())
        count = len(rows)
    if output is None:
        sys.stdout.write(data.decode("utf-8"))
        return
    output.write_bytes(data)
    err_console.print(escape(f"wrote {count} model(s) to {output}"))


@docs_app.command("annex-iv")
@handle_errors
def docs_annex_iv(
    ref: Annotated[str, typer.Argument(help="MODEL@VERSION.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="A new folder, or FILE.zip (deterministic).")
    ],
    as_json: Json = False,
) -> None:
    """EU AI Act Annex IV technical documentation of a version, every claim citing the
    ledger event or stored file it rests on, with inclusion proofs."""
    from ..regulatory import annex_files, annex_iv, write_annex_files

    if remote_mode():  # the server builds it; written here exactly as locally
        doc, built = annex_remote(parse_ref(ref))
    else:
        with open_signoff(write=False) as api:
            doc = annex_iv(api.core, parse_ref(ref))
        built = annex_files(doc)
    files = write_annex_files(built, output)
    empty = [s["title"] for s in doc["sections"] if not s["claims"]]
    summary = {
        "output": str(output),
        "files": files,
        "claims": sum(len(s["claims"]) for s in doc["sections"]),
        "cited_events": len(doc["proofs"]),
        "not_recorded": empty,
        "ledger": doc["ledger"],
    }
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    out_console.print(escape(f"wrote {len(files)} file(s) to {output}: {summary['claims']} "
                             f"claim(s), {summary['cited_events']} proven event(s)"))  # fmt: skip
    if empty:
        out_console.print(escape("not recorded: " + ", ".join(empty)))


def portfolio_import(
    file: Annotated[Path, typer.Argument(help="The audit log (JSON Lines).", metavar="FILE.jsonl")],
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Import an audit log (model_id, timestamp, gates_passed, team, audit_file per line)
    as historical records, all or nothing; unknown models are registered with a note."""
    from ..regulatory import import_audit_log, parse_audit_log

    result: Any
    if remote_mode():  # checked here first (the same errors), then imported by the server
        acting_user(actor)
        parse_audit_log(file)
        result = remote_signoff().portfolio.import_log(file, str(file))
    else:
        with open_signoff() as api:
            result = import_audit_log(api.core, file, actor=str(acting_user(actor)))
    if as_json:
        print(json.dumps(result.to_dict(), indent=2))
        return
    table = PlainTable("record", "model", "version", "audited", "gates passed", "line")
    for r in result.records:
        table.add_row(str(r.number), r.model, r.version or "—", r.audited_at.isoformat(),
                      "yes" if r.gates_passed else "no", str(r.source_line))  # fmt: skip
    out_console.print(table)
    if result.registered:
        out_console.print(escape("registered: " + ", ".join(result.registered)))
    out_console.print(escape(f"imported {len(result.records)} record(s) from {file}"))


def register(portfolio_app: typer.Typer) -> None:
    """Add ``import`` to the ``portfolio`` group."""
    portfolio_app.command("import")(handle_errors(portfolio_import))
