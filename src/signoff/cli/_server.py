"""``signoff serve|login-link``: the server, and the one-time login links people use to
reach it (``signoff token``: cli/_tokens.py)."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer

from .._time import iso_utc
from ._app import app, err_console, handle_errors, long_lived_process
from ._registry import As, acting_user, open_registry
from ._remote import command_name, remote_mode

__all__: list[str] = []

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
    long_lived_process()  # a server: its reads are freed, not kept until the process ends
    if remote_mode():  # a server over its own database: not a client of another one
        from ..client import not_remote

        raise not_remote(command_name())
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
