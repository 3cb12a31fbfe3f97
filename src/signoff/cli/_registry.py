"""``signoff db|user|model|version|artifact|log``: thin faces over the registry."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.markup import escape
from rich.table import Table

from .._time import iso_utc
from ..errors import ConfigError, StoreError
from ._app import app, err_console, handle_errors, on_exit, out_console
from ._remote import command_name, remote_actor, remote_mode, remote_signoff

if TYPE_CHECKING:  # the database layer is imported only by the commands that use it
    from .._api import Signoff
    from ..registry import Registry, VersionRef
    from ..store import Store
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


def _roles(api: Signoff) -> tuple[str, ...]:
    """The roles of the governance in force (registry state, never a file); in remote
    mode the server checks them against its own."""
    if remote_mode():
        return ()
    return api.workflow.rules().governance.roles


def parse_ref(text: str) -> VersionRef:
    """``MODEL@VERSION`` (ConfigError when malformed)."""
    from ..registry import VersionRef

    return VersionRef.parse(text)


def _default_store(*, create: bool = True) -> Store:
    if remote_mode():  # never a local database when the server is the registry
        from ..client import not_remote

        raise not_remote(command_name())
    from ..store import Store, database_url

    return Store(database_url(), create=create)


def _public_key_text(path: Path) -> str:
    """A public key file's text; ConfigError naming the file when it is not one (binary too)."""
    from ..ledger import load_public_key

    return load_public_key(path)


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


def emit(
    value: Any, *, as_json: bool, new_id: str | None = None, table: Table | None = None
) -> None:
    """JSON only on stdout with --json (``id`` added for created things); else a table or
    text, with a created thing's id as the last line."""
    if as_json:
        data = _plain(value)
        if new_id is not None and isinstance(data, dict):
            data["id"] = new_id
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if table is not None:
        out_console.print(table)
    if new_id is not None:
        print(new_id)


@db_app.command("upgrade")
@handle_errors
def db_upgrade() -> None:
    """Create the registry database or migrate it to this signoff's schema."""
    from ..store import upgrade

    store = _default_store()
    status = upgrade(store)
    out_console.print(f"{store.display_url}: schema {status.current} (current)")


@db_app.command("status")
@handle_errors
def db_status(as_json: Json = False) -> None:
    """Show the database's schema revision and whether an upgrade is needed."""
    from ..store import SchemaStatus, database_url, head_revision, schema_status

    try:
        store = _default_store(create=False)
    except StoreError:  # no database yet: say so, create nothing
        status, shown, exists = SchemaStatus(None, head_revision()), database_url(), False
    else:
        status, shown, exists = schema_status(store), store.display_url, True
    data = {
        "url": shown,
        "exists": exists,
        "current": status.current,
        "head": status.head,
        "up_to_date": status.up_to_date,
    }
    if as_json:
        print(json.dumps(data, indent=2))
        return
    advice = "up to date" if status.up_to_date else "out of date: run `signoff db upgrade`"
    out_console.print(
        f"{escape(str(data['url']))}: schema {status.current or 'none'} "
        f"(head {status.head}); {advice}"
    )


@user_app.command("add")
@handle_errors
def user_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    email: Annotated[str, typer.Option(help="E-mail address.")],
    role: Annotated[list[str], typer.Option(help="Role (repeatable).")],
    public_key: Annotated[
        Path | None, typer.Option(help="The user's public signing key (`signoff ledger keygen`).")
    ] = None,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Add a user (the first user of a fresh registry becomes its admin)."""
    if public_key is not None and not public_key.is_file():
        raise ConfigError("file not found", file=public_key, field="--public-key")
    api = open_signoff()
    key = _public_key_text(public_key) if public_key is not None else None
    user = api.registry.add_user(
        name,
        email,
        role,
        actor=acting_user(actor, required=False),
        known_roles=_roles(api),
        public_key=key,
    )
    if not as_json:
        out_console.print(f"added {user.name} <{user.email}> with roles {', '.join(user.roles)}")
    emit(user, as_json=as_json, new_id=user.name)


@user_app.command("grant")
@handle_errors
def user_grant(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option(help="Role to grant.")],
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Grant a role to a user (admins only; never to themselves)."""
    user = open_signoff().workflow.grant_role(name, role, actor=str(acting_user(actor)))
    emit(user, as_json=as_json, new_id=user.name)


@user_app.command("key")
@handle_errors
def user_key(
    name: Annotated[str, typer.Argument(help="User name.")],
    public_key: Annotated[Path, typer.Option(help="Public key file (`signoff ledger keygen`).")],
    old_key: Annotated[
        Path | None,
        typer.Option(help="Your current private key: signs the rotation to the new key."),
    ] = None,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Register a user's Ed25519 public key: from then on their sign-offs must be signed.

    A first key is registered by another admin; a new key is signed with the old one
    (--old-key) or registered by another admin.
    """
    from ..ledger import load_private_key

    if not public_key.is_file():
        raise ConfigError("file not found", file=public_key)
    old = load_private_key(old_key) if old_key is not None else None
    text, who = _public_key_text(public_key), str(acting_user(actor))
    if old is not None and remote_mode():  # the old key signs here; it never leaves
        from ..ledger import check_public_key, sign_statement
        from ..registry import rotation_statement

        signed = sign_statement(rotation_statement(name, check_public_key(text)), old)
        user = open_registry().set_public_key(name, text, actor=who, old_key_signature=signed)
    else:
        user = open_registry().set_public_key(name, text, actor=who, old_private_key=old)
    if not as_json:
        out_console.print(f"registered a signing key for {user.name}")
    emit(user, as_json=as_json, new_id=user.name)


@user_app.command("list")
@handle_errors
def user_list(as_json: Json = False) -> None:
    """List users and their roles."""
    users = open_registry(write=False).list_users()
    table = Table("name", "email", "roles")
    for user in users:
        table.add_row(escape(user.name), escape(user.email), ", ".join(user.roles))
    emit(users, as_json=as_json, table=table)
