"""``signoff ledger show|export``: the ledger's events, from the database or (remote
mode) the server — the same rows, the same lines."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape

from ._app import PlainTable, handle_errors, out_console
from ._ledger import ledger_app
from ._registry import Json, open_registry
from ._remote import remote_mode
from ._remote_ledger import events_remote, export_remote

__all__: list[str] = []


@ledger_app.command("show")
@handle_errors
def show(
    start: Annotated[int, typer.Option(help="First seq to show.", min=1)] = 1,
    subject: Annotated[str | None, typer.Option(help="Only subjects starting with this.")] = None,
    as_json: Json = False,
) -> None:
    """List ledger events."""
    if remote_mode():
        rows, log_origin = events_remote(start, subject)
    else:
        from ..ledger import installation_origin, iter_events

        store = open_registry(write=False).store
        with store.transaction() as session:
            found = list(iter_events(session, start=start, subject_prefix=subject))
        rows = [e.to_dict() | {"leaf_hash": e.leaf_hash} for e in found]
        log_origin = installation_origin(store)
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = PlainTable("seq", "when", "actor", "action", "subject")
    for e in rows:  # stored names are user input: a user called `[/]` is not markup
        table.add_row(str(e["seq"]), e["ts"], e["actor"], e["action"], e["subject"])
    out_console.print(table)
    out_console.print(escape(f"origin (the log's name in checkpoints): {log_origin}"))


@ledger_app.command("export")
@handle_errors
def export() -> None:
    """Every event as one canonical JSON line (with its leaf hash), for archiving."""
    if remote_mode():  # the server's lines, as it wrote them
        print(export_remote(), end="")
        return
    from ..ledger import iter_events

    with open_registry(write=False).store.transaction() as session:
        for e in iter_events(session):
            print(
                json.dumps(
                    e.to_dict() | {"leaf_hash": e.leaf_hash}, sort_keys=True, ensure_ascii=False
                )
            )
