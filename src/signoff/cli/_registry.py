"""What the registry's commands share: the ``db|user|model|version|artifact|log`` groups,
who is acting, opening the registry (locally or through the server), and ``--json`` or
table output.  The commands live in ``_db``, ``_users`` and ``_inventory``."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.markup import escape

from .._time import iso_utc
from ..errors import ConfigError
from ._app import CliTable, app, err_console, on_exit, out_console, settle_imports
from ._remote import remote_actor, remote_mode, remote_signoff

if TYPE_CHECKING:  # the database layer is imported only by the commands that use it
    from .._api import Signoff
    from ..registry import Registry, VersionRef
    from ..workflow import Workflow

__all__ = ["acting_user", "emit", "open_registry", "open_signoff", "open_workflow", "parse_ref"]

NO_ACTOR = "say who is acting: --as USER or SIGNOFF_USER"

db_app = typer.Typer(help="Create or upgrade the registry database.", no_args_is_help=True)
user_app = typer.Typer(help="People and their roles.", no_args_is_help=True)
model_app = typer.Typer(help="The model inventory.", no_args_is_help=True)
version_app = typer.Typer(help="Model versions and their lineage.", no_args_is_help=True)
artifact_app = typer.Typer(
    help="Files attached to versions (content-addressed).", no_args_is_help=True
)
log_app = typer.Typer(help="Export the audit log.", no_args_is_help=True)
for name, sub in (
    ("db", db_app),
    ("user", user_app),
    ("model", model_app),
    ("version", version_app),
    ("artifact", artifact_app),
    ("log", log_app),
):
    app.add_typer(sub, name=name, rich_help_panel="Registry")

As = Annotated[str | None, typer.Option("--as", help="Acting user (default: SIGNOFF_USER).")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON only.")]


def acting_user(value: str | None, *, required: bool = True) -> str | None:
    """``--as``, else ``SIGNOFF_USER``; ConfigError when required and absent.

    In remote mode the signed-in person (refused, exit 4, when ``--as`` names another).
    """
    if remote_mode():
        return remote_actor(value)
    actor = value or os.environ.get("SIGNOFF_USER") or None
    if actor is None and required:
        raise ConfigError(NO_ACTOR, field="--as")
    return actor


def parse_ref(text: str) -> VersionRef:
    """``MODEL@VERSION`` (ConfigError when malformed)."""
    from ..registry import VersionRef

    return VersionRef.parse(text)


def _deliver_quickly(api: Signoff) -> None:
    """After a command's write commits: send its webhooks once, quickly.

    Failures stay in the outbox, never fail the command: ``signoff notify deliver``
    retries them (from cron, say).
    """
    from ..errors import SignoffError
    from ..notify import deliver_pending, has_pending

    try:
        if not has_pending(api.store):
            return
        report = deliver_pending(
            api.store,
            api.workflow.rules().governance,
            clock=api.core.clock,
            max_attempts=2,
            base_delay=0.2,
            timeout=3.0,
        )
    except SignoffError as exc:
        err_console.print(f"warning: notifications not sent: {exc.render()}")
        return
    if report.failed:
        err_console.print(
            f"warning: {report.failed} notification(s) failed; see `signoff notify list --failed`"
        )


def open_signoff(*, deliver: bool = True, write: bool = True) -> Signoff:
    """The registry at ``SIGNOFF_DATABASE_URL`` / ``SIGNOFF_HOME``, with webhooks delivered
    once after each write (unless ``deliver`` is False).

    A command that writes creates the registry when there is none; a read-only command
    (``write=False``) never creates a database or a folder. ``SIGNOFF_KEY`` names the acting
    person's private key file: every action they take is then signed. ``SIGNOFF_WRITER_KEY``
    (on the server's host) names the server's writer key: every event is signed as the
    server signs it.
    """
    if remote_mode():  # SIGNOFF_URL: the server's API, the same calls (see signoff.client)
        return cast("Signoff", remote_signoff())
    from .._api import connect

    key = None
    if write and os.environ.get("SIGNOFF_KEY"):  # sign every action taken (see signatures)
        from ..ledger import load_private_key

        key = load_private_key(Path(os.environ["SIGNOFF_KEY"]))
    writer = None
    if write and os.environ.get("SIGNOFF_WRITER_KEY"):  # on the server's host: sign as it does
        from ..ledger import load_private_key

        writer = load_private_key(Path(os.environ["SIGNOFF_WRITER_KEY"]))
    api = connect(
        create=write,
        after_commit=_deliver_quickly if deliver else None,
        signing_key=key,
        writer_key=writer,
    )
    on_exit(api.close)  # the database connections are released when the command ends
    settle_imports()  # the registry's modules are in: frozen, the collector as it was
    return api


def open_registry(*, write: bool = True) -> Registry:
    """The registry of :func:`open_signoff`."""
    return open_signoff(write=write).registry


def open_workflow(*, write: bool = True) -> Workflow:
    """The workflow of :func:`open_signoff`."""
    return open_signoff(write=write).workflow


def _plain(value: Any) -> Any:
    if hasattr(value, "as_plain"):  # a record the server sent (remote mode): its JSON
        return _plain(value.as_plain())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return iso_utc(value)
    return value


#: What an empty model list means (``model list``, ``portfolio``).
NO_MODELS = (
    "no model is registered yet: `signoff model register NAME --owner USER --team TEAM "
    "--use-case TEXT --risk-tier low|medium|high` adds one"
)


def emit(
    value: Any,
    *,
    as_json: bool,
    new_id: str | None = None,
    table: CliTable | None = None,
    nothing: str | None = None,
) -> None:
    """JSON only on stdout with --json (``id`` added for created things); else a table or
    text, with a created thing's id as the last line.  ``nothing``: the line printed
    instead of a table without rows."""
    if as_json:
        data = _plain(value)
        if new_id is not None and isinstance(data, dict):
            data["id"] = new_id
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if table is not None and nothing is not None and not table.row_count:
        out_console.print(escape(nothing))
    elif table is not None:
        out_console.print(table)
    if new_id is not None:
        print(new_id)
