"""May they: access levels, CSRF, and refusals recorded in the ledger (who is asking —
API tokens, browser and CLI sessions — is :mod:`._identify`).

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

import secrets
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute

from .._api import Signoff
from ..registry import read_only_refusal
from ._drafts import keep_draft
from ._identify import Blocked, Principal, identify, identify_now, span
from ._problems import Problem

__all__ = [
    "ACCESS_LEVELS",
    "Principal",
    "api_routes",
    "need",
    "refuse_access",
    "route_access",
]

ACCESS_LEVELS = ("public", "read", "write", "sign", "monitor")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_SIGNED_IN = "sign in first: a browser session, or an API token in 'Authorization: Bearer'"
SCOPE = "a {scope} token cannot {what}; it needs a write token"
TOKEN_SIGN = "a token cannot sign or approve: sign-offs come from people, signed in in a browser"
FRESH = "a sign-off needs a fresh login (at most {limit} old; yours is {age} old): sign in again"
CSRF = "the form's CSRF token is missing or wrong: reload the page and try again"


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
            who = identify_now(request)  # a kept session: no thread, no query
        except Blocked:
            who = await run_in_threadpool(identify, request)
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
