"""Who is asking: a browser session, a person's ``signoff login`` session or an API
token, resolved to a :class:`Principal` (what :func:`~._auth.need` then judges).

A browser session whose person's record is kept at the ledger state the watch knows is
identified on the event loop, without a query (:func:`identify_now`); anything else is
identified in a thread (:func:`identify`).  A person whose access was removed has no
session: it ends at their next request.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from fastapi import Request

from .._api import Signoff
from ..registry import read_only_refusal
from ..store import ServerToken, User
from ._cli_session import PREFIX as CLI_PREFIX
from ._cli_session import cli_session
from ._drafts import DRAFT, carry_draft
from ._problems import Problem

__all__ = [
    "Blocked",
    "Principal",
    "end_session",
    "identify",
    "identify_now",
    "span",
    "start_session",
]

BAD_TOKEN = "the API token is unknown, expired or revoked"


@dataclass(frozen=True)
class Principal:
    """A signed-in person (``session``) or a machine (``token``)."""

    user: User
    via: str  # "session" | "token" | "cli" (a person's `signoff login` session)
    scope: str | None = None  # a token's scope
    token: ServerToken | None = None
    login_at: dt.datetime | None = None
    identity_provider: str | None = None
    subject: str | None = None
    csrf: str | None = None

    @property
    def name(self) -> str:
        """The registry user acting."""
        return self.user.name

    @property
    def read_only(self) -> bool:
        """Holds no role that writes (none at all, or only read-only ones)."""
        return read_only_refusal(self.user.name, self.user.roles) is not None


def span(length: dt.timedelta) -> str:
    """``15 minutes``, ``1 minute``, ``40 seconds`` (whole units, rounded down)."""
    seconds = int(length.total_seconds())
    amount, unit = (seconds // 60, "minute") if seconds >= 60 else (seconds, "second")
    return f"{amount} {unit}{'' if amount == 1 else 's'}"


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def start_session(
    request: Request, user: User, *, identity_provider: str, subject: str, now: dt.datetime
) -> None:
    """Replace whatever session there was with a new login of ``user`` (the same person's
    sign-off draft, refused for a stale login, is kept)."""
    draft = carry_draft(request, user.name)
    request.session.clear()
    request.session.update(
        {
            "user": user.name,
            "login_at": _epoch(now),
            "seen": _epoch(now),
            "idp": identity_provider,
            "sub": subject,
            "csrf": secrets.token_urlsafe(24),
        }
    )
    if draft:
        request.session[DRAFT] = draft


def end_session(request: Request) -> None:
    """Forget the session."""
    request.session.clear()


def _from_session(
    request: Request, api: Signoff, now: dt.datetime, *, wait: bool = True
) -> Principal | None:
    """The session's person (None: no live session). ``wait=False`` never blocks: it
    raises :class:`Blocked` when the person's record is not at hand (ask in a thread)."""
    data = request.session
    if "user" not in data:
        return None
    settings = request.app.state.settings
    login_at = dt.datetime.fromtimestamp(data["login_at"], dt.UTC)
    seen = dt.datetime.fromtimestamp(data["seen"], dt.UTC)
    if now - login_at > settings.session_max or now - seen > settings.session_idle:
        data.clear()
        return None
    name = data["user"]  # the person's record at the request's state (no query when kept)
    cache = request.app.state.page_cache
    if wait:
        user = cache.get(("user", name), lambda: api.registry.users.get_user(name), request)
    else:
        user = cache.peek(("user", name), request)
        if user is None:
            raise Blocked
    if user.deactivated_at is not None:  # access removed: this session ends now
        data.clear()
        return None
    data["seen"] = _epoch(now)
    return Principal(
        user,
        "session",
        login_at=login_at,
        identity_provider=data.get("idp"),
        subject=data.get("sub"),
        csrf=data.get("csrf"),
    )


class Blocked(Exception):
    """Identifying would wait on the database or a computation."""


def identify_now(request: Request) -> Principal | None:
    """:func:`identify` on the event loop, for a browser session whose person's record is
    kept at a state the ledger watch knows (no I/O); :class:`Blocked` otherwise."""
    if "authorization" in request.headers:
        raise Blocked
    api: Signoff = request.app.state.api
    return _from_session(request, api, api.core.clock(), wait=False)


def identify(request: Request) -> Principal | None:
    api: Signoff = request.app.state.api
    now = api.core.clock()
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        secret = header[7:].strip()
        if secret.startswith(CLI_PREFIX):  # a person's `signoff login` session
            user, session, login = cli_session(request, api, secret, now)
            login_at = dt.datetime.fromisoformat(login["login_at"])
            idp, subject = login["identity_provider"], login["subject"]
            return Principal(
                user,
                "cli",
                token=session,
                login_at=login_at,
                identity_provider=idp,
                subject=subject,
            )
        found = api.registry.tokens.authenticate(secret)
        if found is None:
            raise Problem(401, "NotAuthenticated", BAD_TOKEN, rule="token")
        user, token = found
        return Principal(user, "token", scope=token.scope, token=token)
    return _from_session(request, api, now)
