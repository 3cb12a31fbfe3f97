"""``signoff user deactivate``: remove a person's access at once (local and remote)."""

from __future__ import annotations

from typing import Annotated

import typer

from ._app import handle_errors, out_console
from ._registry import As, Json, acting_user, emit, open_registry, user_app

__all__: list[str] = []


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
