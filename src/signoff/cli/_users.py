"""``signoff user add|grant|key|list|deactivate|reactivate``: people, their roles and
their access (local and remote)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from ..errors import ConfigError
from ._app import CliTable, handle_errors, out_console
from ._registry import As, Json, acting_user, emit, open_registry, open_signoff, user_app
from ._remote import remote_mode

if TYPE_CHECKING:
    from .._api import Signoff

__all__: list[str] = []

#: From this width ``user list`` gives the status a column of its own.
WIDE = 100
NOT_RESTORED = (
    "no role, token or session comes back: grant roles with `signoff user grant` (or "
    "their identity provider's groups at their next login); they sign in again"
)


def _roles(api: Signoff) -> tuple[str, ...]:
    """The roles of the governance in force (registry state, never a file); in remote
    mode the server checks them against its own."""
    if remote_mode():
        return ()
    return api.workflow.rules().governance.roles


def _public_key_text(path: Path) -> str:
    """A public key file's text; ConfigError naming the file when it is not one (binary too)."""
    from ..ledger import load_public_key

    return load_public_key(path)


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


def user_table(users: list[Any], width: int) -> CliTable:
    """``user list``'s table. A deactivated person's row is dimmed and says
    ``deactivated DATE``: in a status column from ``WIDE`` columns, under their name below
    (an 80-column terminal); names and addresses fold, never cut."""
    wide = width >= WIDE
    table = CliTable()
    table.add_column("name", overflow="fold")
    table.add_column("email", overflow="fold")
    table.add_column("roles")
    if wide:
        table.add_column("status", no_wrap=True)
    for user in users:
        removed = user.deactivated_at
        status = "active" if removed is None else f"deactivated {removed.date().isoformat()}"
        name = escape(user.name)
        cells = [name, escape(user.email), ", ".join(user.roles) or "—"]
        if wide:
            cells.append(status)
        elif removed is not None:
            cells[0] = f"{name}\n{status}"
        table.add_row(*cells, style=None if removed is None else "dim")
    return table


@user_app.command("list")
@handle_errors
def user_list(as_json: Json = False) -> None:
    """List users, their roles and whether their access was removed (deactivated)."""
    users = open_registry(write=False).list_users()
    emit(users, as_json=as_json, table=user_table(users, out_console.width))


@user_app.command("deactivate")
@handle_errors
def user_deactivate(
    name: Annotated[str, typer.Argument(help="User name.")],
    reason: Annotated[str, typer.Option(help="Why the access is removed (recorded).")],
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Remove a person's access at once (admins; never their own): their roles, API
    tokens and CLI sessions are revoked, browser sessions end at the next request, and
    they cannot sign in again. Ledgered; their history stays."""
    user = open_registry().deactivate_user(name, actor=str(acting_user(actor)), reason=reason)
    if not as_json:
        out_console.print(f"removed {user.name}'s access; roles, tokens and sessions revoked")
    emit(user, as_json=as_json, new_id=user.name)


@user_app.command("reactivate")
@handle_errors
def user_reactivate(
    name: Annotated[str, typer.Argument(help="User name.")],
    reason: Annotated[str, typer.Option(help="Why the access is given back (recorded).")],
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Give a deactivated person access again (admins; never themselves). Ledgered. The
    roles, tokens and sessions deactivation revoked stay revoked: grant roles again with
    `signoff user grant`."""
    user = open_registry().reactivate_user(name, actor=str(acting_user(actor)), reason=reason)
    if not as_json:
        out_console.print(f"reactivated {escape(user.name)}; {NOT_RESTORED}")
    emit(user, as_json=as_json, new_id=user.name)
