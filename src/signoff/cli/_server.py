"""``signoff serve|token|login-link``: the server and the credentials people and machines
use to reach it."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer

from .._time import iso_utc
from ._app import PlainTable, app, err_console, handle_errors, out_console
from ._registry import As, Json, acting_user, emit, open_registry

__all__: list[str] = []

token_app = typer.Typer(help="API tokens for machines (scoped, expiring).", no_args_is_help=True)
app.add_typer(token_app, name="token", rich_help_panel="Server")
#: How ``serve`` hands its bind address to each worker process (uvicorn's factory).
BIND_ENV = "SIGNOFF_SERVE_BIND"


def app_from_env() -> object:
    """The application for a uvicorn worker (``--workers N`` imports it by name)."""
    from ..server import Settings, create_app

    bind = json.loads(os.environ.get(BIND_ENV, "{}"))
    return create_app(settings=Settings.from_env(**bind))


def _key_name(private_key: str) -> str:
    parts = private_key.split("+", 4)  # PRIVATE+KEY+<name>+<id>+<key>
    return parts[2] if len(parts) == 5 else "?"


def describe(settings: object) -> list[str]:
    """What the server will do with the ledger, in lines for the operator (no secrets)."""
    from ..server import Settings

    assert isinstance(settings, Settings)
    lines = []
    if settings.writer_key is None:
        lines.append(
            "ledger: events are not signed by the server (set SIGNOFF_WRITER_KEY to a key "
            "file of `signoff ledger keygen`)"
        )
    else:
        lines.append(
            f"ledger: every event signed by the writer key {_key_name(settings.writer_key)}"
        )
    if settings.publishes and settings.checkpoint_key is not None:
        places = [str(p) for p in (settings.checkpoint_file, settings.checkpoint_git) if p]
        lines.append(
            f"checkpoints: signed by {_key_name(settings.checkpoint_key)} every "
            f"{settings.checkpoint_interval:g} s to {' and '.join(places)}"
        )
    return lines


def _check_writer_key(url: str | None, private_key: str) -> None:
    """Refuse to start with a writer key that is not the one in force (exit 2): its
    events would break the chain `ledger verify --writer-key` follows."""
    from .._api import connect
    from ..errors import ConfigError
    from ..ledger import check_in_force, last_writer_signed, public_key_of

    with connect(url) as api, api.store.transaction() as session:
        if last_writer_signed(session) is None:
            return  # the first key: nothing signed yet
        try:
            check_in_force(session, public_key_of(private_key))
        except ConfigError as exc:
            raise ConfigError(exc.message, field="SIGNOFF_WRITER_KEY") from None


@app.command("serve", rich_help_panel="Server")
@handle_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (stateless).", min=1)] = 1,
) -> None:
    """Run the REST API and web UI (settings: SIGNOFF_* variables, see docs/server.md)."""
    from ..server import Settings  # names the `server` extra when it is missing

    settings = Settings.from_env(host=host, port=port, workers=workers)
    if settings.writer_key is not None:
        _check_writer_key(settings.database_url, settings.writer_key)
    import uvicorn

    os.environ[BIND_ENV] = json.dumps({"host": host, "port": port, "workers": workers})
    err_console.print(f"signoff serve: {settings.public_url} ({workers} worker(s))")
    for line in describe(settings):
        err_console.print(line, markup=False, soft_wrap=True)
    uvicorn.run(
        "signoff.cli._server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
    )


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
    from ..registry import parse_duration

    lifetime = parse_duration(expires)
    tokens = open_registry().tokens
    token, secret = tokens.create_token(
        user, scope=scope, expires=lifetime, actor=str(acting_user(actor))
    )
    if as_json:
        emit({"secret": secret, **_row(token)}, as_json=True, new_id=token.id)
        return
    out_console.print(
        f"token {token.id} for {token.user} ({token.scope}), expires {iso_utc(token.expires_at)}"
    )
    out_console.print("secret (shown once; send it as 'Authorization: Bearer SECRET'):")
    print(secret)
    print(token.id)


def _row(token: object) -> dict[str, object]:
    from ..store import ServerToken

    assert isinstance(token, ServerToken)
    return {
        "id": token.id,
        "user": token.user,
        "scope": token.scope,
        "created_by": token.created_by,
        "created_at": iso_utc(token.created_at),
        "expires_at": iso_utc(token.expires_at),
        "revoked_at": iso_utc(token.revoked_at) if token.revoked_at else None,
    }


@token_app.command("list")
@handle_errors
def token_list(
    user: Annotated[str | None, typer.Option(help="Only this user's tokens.")] = None,
    as_json: Json = False,
) -> None:
    """List tokens (never their secrets)."""
    tokens = open_registry(write=False).tokens.list_tokens(user)
    rows = [_row(t) for t in tokens]
    if as_json:
        emit(rows, as_json=True)
        return
    table = PlainTable("id", "user", "scope", "expires", "revoked")
    for r in rows:
        table.add_row(r["id"], r["user"], r["scope"], r["expires_at"], r["revoked_at"] or "—")
    out_console.print(table)


@token_app.command("revoke")
@handle_errors
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (tok-…).")],
    actor: As = None,
) -> None:
    """Revoke a token: it stops working at once."""
    token = open_registry().tokens.revoke_token(token_id, actor=str(acting_user(actor)))
    out_console.print(f"revoked {token.id} ({token.user})")


@app.command("login-link", rich_help_panel="Server")
@handle_errors
def login_link(
    user: Annotated[str, typer.Argument(help="Who signs in.")],
    url: Annotated[
        str | None, typer.Option(help="The server's address (default SIGNOFF_PUBLIC_URL).")
    ] = None,
    actor: As = None,
) -> None:
    """Print a one-time login link for USER (valid 10 minutes; loopback servers only)."""
    from urllib.parse import quote

    base = (url or os.environ.get("SIGNOFF_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")
    link, secret = open_registry().tokens.create_login_link(
        user, actor=str(acting_user(actor) if actor or os.environ.get("SIGNOFF_USER") else user)
    )
    err_console.print(
        f"one-time login link for {link.user}, valid until {iso_utc(link.expires_at)}:"
    )
    print(f"{base}/login/link?token={quote(secret)}")
