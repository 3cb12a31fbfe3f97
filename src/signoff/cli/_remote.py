"""Remote mode: with ``SIGNOFF_URL`` set, commands go through ``signoff serve`` instead of
opening a database — ``signoff login``, ``logout``, ``whoami``, and who acts.

The acting person is the credential's (``SIGNOFF_TOKEN``, or the session ``signoff login``
stored): ``--as`` or ``SIGNOFF_USER`` naming anyone else is refused (exit 4).
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from ..errors import WorkflowRefused
from ._app import app, err_console, handle_errors, on_exit, out_console

if TYPE_CHECKING:
    from ..client import RemoteSignoff

__all__ = ["command_name", "remote_actor", "remote_mode", "remote_signoff"]

AS_OTHER = (
    "{asked} cannot be acted as here: in remote mode the acting person is the one signed in "
    "({user}, by {via}); unset --as / SIGNOFF_USER, or `signoff login` as {asked}"
)
LOCAL_WHOAMI = (
    "local mode (SIGNOFF_URL is not set): acting as {user}, a name typed with --as or "
    "SIGNOFF_USER, not an authenticated identity"
)
_OPEN: dict[str, Any] = {}


def remote_mode() -> bool:
    """Whether ``SIGNOFF_URL`` is set: commands then go through the server."""
    return bool(os.environ.get("SIGNOFF_URL", "").strip())


def command_name() -> str:
    """The running command, as typed (``signoff user add``)."""
    try:  # Typer 0.2x carries its own copy of Click, with its own context stack
        from typer._click.globals import get_current_context
    except ImportError:  # pragma: no cover - a Typer on the public Click
        from click import get_current_context  # type: ignore[no-redef]
    context = get_current_context(silent=True)
    return f"`{context.command_path}`" if context is not None else "this command"


def _forget() -> None:
    found = _OPEN.pop("api", None)
    _OPEN.pop("me", None)
    if found is not None:
        found.close()


def remote_signoff() -> RemoteSignoff:
    """The server of ``SIGNOFF_URL`` for the running command (closed when it ends)."""
    from ..client import Client, RemoteSignoff

    if "api" not in _OPEN:
        api = RemoteSignoff(Client.from_environment(), command_name())
        api.portfolio.checkpoint_signer = sign_report_checkpoint
        _OPEN["api"] = api
        on_exit(_forget)
    found: RemoteSignoff = _OPEN["api"]
    return found


def sign_report_checkpoint(origin: str, size: int, root: str, private: str) -> tuple[str, str]:
    """``portfolio report --key`` in remote mode: the server's checkpoint for the report,
    signed here; ``(note, public key)`` (the private key never leaves this machine)."""
    from ..ledger import Checkpoint, public_key_of, sign_checkpoint

    found = Checkpoint(origin=origin, size=size, root=bytes.fromhex(root))
    return sign_checkpoint(found, private), public_key_of(private)


def _me() -> dict[str, Any]:
    if "me" not in _OPEN:
        _OPEN["me"] = remote_signoff().me()
    found: dict[str, Any] = _OPEN["me"]
    return found


def remote_actor(asked: str | None) -> str:
    """The credential's user; ``asked`` (``--as``, else ``SIGNOFF_USER``) must be them."""
    asked = asked or os.environ.get("SIGNOFF_USER") or None
    me = _me()
    user = str(me["user"])
    if asked is not None and asked.casefold() != user.casefold():
        via = "an API token" if me.get("via") == "token" else "`signoff login`"
        refusal = WorkflowRefused(AS_OTHER.format(asked=asked, user=user, via=via), field="--as")
        refusal.rule = "acting_user"
        raise refusal
    return user


def _show_login(started: dict[str, Any]) -> None:
    err_console.print(
        "Open this page in a browser where you are signed in to signoff, check the code and "
        "confirm it:",
        soft_wrap=True,
    )
    print(started["verification_uri_complete"], flush=True)
    print(f"code: {started['user_code']}", flush=True)
    minutes = int(started["expires_in"]) // 60
    err_console.print(f"waiting for the confirmation (at most {minutes} minutes)…")


@app.command("login", rich_help_panel="Server")
@handle_errors
def login() -> None:
    """Sign the command line in to the server of SIGNOFF_URL, through your browser login.

    Prints a page and a code; confirm the code there (signed in with your identity
    provider or a login link). The session is stored owner-only in your config folder;
    it lasts as long as that browser login would (8 hours, 30 minutes idle), and a
    sign-off from it needs that login at most 15 minutes old.
    """
    from ..client import Client, credentials_file

    client = Client.from_environment(anonymous=True)
    on_exit(client.close)
    session = client.login(_show_login)
    err_console.print(
        escape(
            f"signed in to {client.url} as {session['user']} until {session['expires_at']} "
            f"(stored in {credentials_file()})"
        ),
        soft_wrap=True,
    )
    print(session["user"])


@app.command("logout", rich_help_panel="Server")
@handle_errors
def logout() -> None:
    """End this command line's session with the server of SIGNOFF_URL and forget it."""
    from ..client import Client, forget, load, remote_url
    from ..errors import SignoffError

    client = Client.from_environment(anonymous=True)
    on_exit(client.close)
    if load(client.url) is None:
        err_console.print(escape(f"not signed in to {client.url}; nothing to do"))
        return
    ended, signed_in = "ended", Client(str(remote_url()))
    on_exit(signed_in.close)
    try:
        signed_in.json("POST", "/api/cli-login/logout")
    except SignoffError as exc:  # ended already, or the server is away: forget it anyway
        ended = f"forgotten here (the server said: {exc.render()})"
    forget(client.url)
    err_console.print(escape(f"signed out of {client.url}: the session is {ended}"))


@app.command("whoami", rich_help_panel="Server")
@handle_errors
def whoami(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Who commands act as: the server's answer in remote mode, else --as / SIGNOFF_USER."""
    if not remote_mode():
        from ._app import current_user

        user = os.environ.get("SIGNOFF_USER") or current_user() or "nobody"
        if as_json:
            print(json.dumps({"user": user, "via": "local"}, indent=2))
            return
        out_console.print(escape(LOCAL_WHOAMI.format(user=user)), soft_wrap=True)
        return
    me = {k: v for k, v in _me().items() if k != "csrf"}
    if as_json:
        print(json.dumps(me, indent=2))
        return
    via = {"cli": "`signoff login`", "token": f"a {me.get('scope')} token"}.get(
        str(me.get("via")), str(me.get("via"))
    )
    login = f", logged in at {me['login_at']}" if me.get("login_at") else ""
    roles = ", ".join(me.get("roles") or []) or "no roles"
    out_console.print(escape(f"{me['user']} ({roles}) via {via}{login}"), soft_wrap=True)
