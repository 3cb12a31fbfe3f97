"""Who is asking, and may they: API tokens, browser sessions, CSRF, access levels.

Every route declares one access level with ``Depends(need(level))``; the app refuses to
start with a route that declares none, and the security test builds its route × role
table from the same declarations.

* ``public`` — anyone (health, login, the OpenAPI document);
* ``read`` — any signed-in person or token (an auditor reads everything);
* ``write`` — a person, or a ``write`` token, whose roles are not all read-only;
* ``sign`` — a person in a browser session who logged in at most 15 minutes ago.
  No token can sign or approve.
* ``monitor`` — a person, or a ``monitor`` token, whose roles are not all read-only
  (recording a monitoring run; the core then requires the ``monitor`` role).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute

from .._api import Signoff
from ..registry import read_only_refusal
from ..store import ServerToken, User
from ._cli_session import PREFIX as CLI_PREFIX
from ._cli_session import cli_session
from ._drafts import DRAFT, carry_draft, keep_draft
from ._problems import Problem

__all__ = [
    "ACCESS_LEVELS",
    "Principal",
    "api_routes",
    "end_session",
    "need",
    "refuse_access",
    "route_access",
    "span",
    "start_session",
]

ACCESS_LEVELS = ("public", "read", "write", "sign", "monitor")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_SIGNED_IN = "sign in first: a browser session, or an API token in 'Authorization: Bearer'"
BAD_TOKEN = "the API token is unknown, expired or revoked"
SCOPE = "a {scope} token cannot {what}; it needs a write token"
TOKEN_SIGN = "a token cannot sign or approve: sign-offs come from people, signed in in a browser"
FRESH = "a sign-off needs a fresh login (at most {limit} old; yours is {age} old): sign in again"
CSRF = "the form's CSRF token is missing or wrong: reload the page and try again"


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
    raises :class:`_Blocked` when the person's record is not at hand (ask in a thread)."""
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
            raise _Blocked
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


class _Blocked(Exception):
    """Identifying would wait on the database or a computation."""


def _identify_now(request: Request) -> Principal | None:
    """:func:`_identify` on the event loop, for a browser session whose person's record is
    kept at a state the ledger watch knows (no I/O); :class:`_Blocked` otherwise."""
    if "authorization" in request.headers:
        raise _Blocked
    api: Signoff = request.app.state.api
    return _from_session(request, api, api.core.clock(), wait=False)


def _identify(request: Request) -> Principal | None:
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


def _refuse(request: Request, who: Principal, rule: str, message: str) -> Problem:
    """A 403, recorded in the ledger like the CLI's refusals."""
    api: Signoff = request.app.state.api
    api.core.record_refusal(
        who.name,
        "access.refused",
        f"user:{who.name}",
        {"rule": rule, "message": message, "method": request.method, "path": request.url.path},
    )
    return Problem(403, "AccessRefused", message, rule=rule)


refuse_access = _refuse  # for routes that refuse by a rule of their own (``_route_rules``)


def _check(request: Request, who: Principal, level: str) -> None:
    what = f"{request.method} {request.url.path}"
    refusal = read_only_refusal(who.name, who.user.roles)
    if level in ("write", "sign", "monitor") and refusal is not None:
        raise _refuse(request, who, "read_only_role", refusal)
    if level == "write" and who.via == "token" and who.scope != "write":
        raise _refuse(request, who, "token_scope", SCOPE.format(scope=who.scope, what=what))
    if level == "monitor" and who.via == "token" and who.scope != "monitor":
        message = SCOPE.format(scope=who.scope, what=what).replace("a write token", "a monitor one")
        raise _refuse(request, who, "token_scope", message)
    if level == "sign":
        if who.via == "token":
            raise _refuse(request, who, "token_cannot_sign", TOKEN_SIGN)
        settings = request.app.state.settings
        assert who.login_at is not None
        age = request.app.state.api.core.clock() - who.login_at
        if age > settings.fresh_login:
            message = FRESH.format(limit=span(settings.fresh_login), age=span(age))
            raise _refuse(request, who, "fresh_login_required", message)


async def _csrf(request: Request, who: Principal) -> None:
    if who.via != "session" or request.method not in UNSAFE:
        return
    given = request.headers.get("x-csrf-token")
    if given is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf")
        given = value if isinstance(value, str) else None
    if not given or not who.csrf or not secrets.compare_digest(given, who.csrf):
        raise Problem(403, "CSRFRefused", CSRF, rule="csrf")


def need(level: str) -> Callable[[Request], Awaitable[Principal | None]]:
    """The dependency that enforces ``level`` and returns the principal (None: anonymous)."""
    if level not in ACCESS_LEVELS:
        raise ValueError(f"unknown access level {level!r}")

    async def dependency(request: Request) -> Principal | None:
        try:
            who = _identify_now(request)  # a kept session: no thread, no query
        except _Blocked:
            who = await run_in_threadpool(_identify, request)
        if level == "public":
            return who
        if who is None:
            raise Problem(401, "NotAuthenticated", NOT_SIGNED_IN, rule="sign_in")
        await _csrf(request, who)
        if level == "read":  # being signed in is all reading needs (no thread hop)
            return who
        try:
            await run_in_threadpool(_check, request, who, level)
        except Problem as refused:
            if refused.rule == "fresh_login_required":
                await keep_draft(request)  # signing in again loses nothing typed
            raise
        return who

    dependency.access_level = level  # type: ignore[attr-defined]
    return dependency


def api_routes(routes: Iterable[Any]) -> Iterator[APIRoute]:
    """Every API route, including those of included routers (however FastAPI nests them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from api_routes(inner.routes)


def route_access(route: APIRoute) -> str | None:
    """The access level a route declares (None: it declares none — a bug)."""
    levels: list[Any] = [
        getattr(d.call, "access_level", None) for d in route.dependant.dependencies
    ]
    found = [level for level in levels if level is not None]
    return found[0] if len(found) == 1 else None
