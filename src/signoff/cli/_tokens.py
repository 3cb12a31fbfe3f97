"""``signoff token create|list|revoke``: API tokens for machines, and the CLI sessions
people hold (`signoff login`), listed and revoked alike — locally or through the server."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from ._app import PlainTable, app, handle_errors, out_console
from ._registry import As, Json, acting_user, emit, open_registry
from ._remote import remote_mode, remote_signoff

__all__: list[str] = []

token_app = typer.Typer(help="API tokens for machines (scoped, expiring).", no_args_is_help=True)
app.add_typer(token_app, name="token", rich_help_panel="Server")
KINDS = {"token": "token", "cli_session": "cli session"}


@token_app.command("create")
@handle_errors
def token_create(
    user: Annotated[str, typer.Argument(help="The user the token acts for.")],
    scope: Annotated[str, typer.Option(help="read, write or monitor.")] = "read",
    expires: Annotated[str, typer.Option(help="Lifetime: 90d, 12h or 30m (at most 366d).")] = "90d",
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Create a token; its secret is shown once (only its hash is stored)."""
    who = str(acting_user(actor))
    if remote_mode():  # a person creates it through the server; a token cannot
        row = remote_signoff().tokens.create(user, scope=scope, expires=expires)
        secret = str(row.pop("secret"))
    else:
        from ..registry import parse_duration, token_row

        lifetime = parse_duration(expires)
        token, secret = open_registry().tokens.create_token(
            user, scope=scope, expires=lifetime, actor=who
        )
        row = token_row(token)
    if as_json:
        emit({"secret": secret, **row}, as_json=True, new_id=str(row["id"]))
        return
    out_console.print(
        escape(f"token {row['id']} for {row['user']} ({row['scope']}), expires {row['expires_at']}")
    )
    out_console.print("secret (shown once; send it as 'Authorization: Bearer SECRET'):")
    print(secret)
    print(row["id"])


def _rows(user: str | None) -> list[dict[str, Any]]:
    if remote_mode():  # a person's own; an admin's: everyone's
        return remote_signoff().tokens.list(user)
    from ..registry import token_row

    return [
        token_row(t) for t in open_registry(write=False).tokens.list_tokens(user, sessions=True)
    ]


@token_app.command("list")
@handle_errors
def token_list(
    user: Annotated[str | None, typer.Option(help="Only this user's tokens.")] = None,
    as_json: Json = False,
) -> None:
    """List tokens and people's CLI sessions (`signoff login`), never their secrets."""
    rows = _rows(user)
    if as_json:
        emit(rows, as_json=True)
        return
    table = PlainTable("id", "kind", "user", "scope", "expires", "revoked")
    for r in rows:
        kind = KINDS.get(str(r["kind"]), str(r["kind"]))
        table.add_row(
            r["id"], kind, r["user"], r["scope"] or "—", r["expires_at"], r["revoked_at"] or "—"
        )
    out_console.print(table)


@token_app.command("revoke")
@handle_errors
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's or CLI session's id.")],
    actor: As = None,
) -> None:
    """Revoke a token or a CLI session: it stops working at once."""
    who = str(acting_user(actor))
    if remote_mode():
        row = remote_signoff().tokens.revoke(token_id)
        out_console.print(escape(f"revoked {row['id']} ({row['user']})"))
        return
    token = open_registry().tokens.revoke_token(token_id, actor=who)
    out_console.print(escape(f"revoked {token.id} ({token.user})"))
