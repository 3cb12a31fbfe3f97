"""A CLI session (``signoff login``) on each request: the device code names the session in
``server_tokens``, the signed ``Signoff-Session`` stamp carries its last request's time and
is renewed on every answer by ``_edge.Edge`` (30 minutes idle end it, as a browser session)."""

from __future__ import annotations

import datetime as dt

from fastapi import Request
from itsdangerous import BadSignature, URLSafeSerializer

from .._api import Signoff
from ..store import ServerToken, User
from ._problems import Problem

__all__ = ["PREFIX", "STAMP_HEADER", "cli_session", "serializer", "stamp"]

PREFIX = "sod_"
STAMP_HEADER = "Signoff-Session"
SESSION_ENDED = (
    "your CLI login ended (8 hours after the browser login, 30 minutes idle, or "
    "`signoff logout`): run `signoff login` again"
)
NO_STAMP = f"a CLI session sends its {STAMP_HEADER} header (from `signoff login`)"


def serializer(request: Request, purpose: str) -> URLSafeSerializer:
    """Signs with the server's secret key (shared by every worker), per purpose."""
    return URLSafeSerializer(request.app.state.settings.secret_key, salt=f"signoff-{purpose}")


def stamp(request: Request, session_id: str, now: dt.datetime) -> str:
    """A signed note of the session's last request (its idle clock)."""
    seen = {"id": session_id, "seen": int(now.timestamp())}
    return str(serializer(request, "cli-session").dumps(seen))


def cli_session(
    request: Request, api: Signoff, secret: str, now: dt.datetime
) -> tuple[User, ServerToken, dict[str, str]]:
    """The user, session and login a CLI session stands for (401 when it ended); renews its
    stamp."""
    found = api.registry.tokens.cli_session(secret)
    if found is None:
        raise Problem(401, "NotAuthenticated", SESSION_ENDED, rule="cli_session")
    session = found[1]
    try:
        note = serializer(request, "cli-session").loads(request.headers.get(STAMP_HEADER, ""))
    except BadSignature:
        raise Problem(401, "NotAuthenticated", NO_STAMP, rule="cli_session") from None
    seen = dt.datetime.fromtimestamp(int(note["seen"]), dt.UTC)
    if note.get("id") != session.id or now - seen > request.app.state.settings.session_idle:
        raise Problem(401, "NotAuthenticated", SESSION_ENDED, rule="cli_session")
    request.state.cli_stamp = stamp(request, session.id, now)
    return found
