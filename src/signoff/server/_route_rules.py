"""Refusals a route makes beyond its access level, declared on the route.

``only(level, rule, refusal)`` is a route's access dependency: it enforces ``level`` as
:func:`~._auth.need` does, then asks ``refusal`` whether this caller is refused by the
route's own ``rule`` (a token creating tokens, a non-admin reading the webhook outbox).
The refusal is a 403 naming the rule, recorded in the ledger like every access refusal,
and the rule is readable from the route (:func:`route_rule`), so the security test's
route × caller table knows it — a refusal hidden in a route body would not be counted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute

from ._auth import Principal, need, refuse_access

__all__ = ["ROUTE_RULES", "admins", "only", "route_rule"]

#: Every rule a route may declare, and what it says.
ROUTE_RULES = {
    "tokens_from_people": "a person creates tokens, never a token",
    "admin": "admins only",
    "browser_session_required": "a person signed in in a browser",
    "cli_session": "a CLI session (`signoff login`) only",
}
ADMINS = "only an admin can {what} ({user} is not one)"


def only(
    level: str, rule: str, refusal: Callable[[Principal], str | None]
) -> Callable[..., Awaitable[Principal]]:
    """The dependency enforcing ``level``, then refusing whom ``refusal`` names a reason."""
    if rule not in ROUTE_RULES:
        raise ValueError(f"unknown route rule {rule!r}")

    async def dependency(request: Request, who: Any = Depends(need(level))) -> Principal:  # noqa: B008
        assert who is not None  # "public" routes refuse nobody by a rule of their own
        message = refusal(who)
        if message is not None:
            raise await run_in_threadpool(refuse_access, request, who, rule, message)
        found: Principal = who
        return found

    dependency.access_level = level  # type: ignore[attr-defined]
    dependency.route_rule = rule  # type: ignore[attr-defined]
    return dependency


def admins(level: str, what: str) -> Callable[..., Awaitable[Principal]]:
    """``level``, and the caller must hold the admin role."""
    return only(
        level,
        "admin",
        lambda who: None if "admin" in who.user.roles else ADMINS.format(what=what, user=who.name),
    )


def route_rule(route: APIRoute) -> str | None:
    """The rule a route refuses by beyond its access level (None: its level alone)."""
    rules = [getattr(d.call, "route_rule", None) for d in route.dependant.dependencies]
    found = [r for r in rules if r is not None]
    return found[0] if found else None
