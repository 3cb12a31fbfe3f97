"""``signoff serve``: the REST API and the web UI, a thin face over ``signoff.connect``.

Routes parse, call the core and render; every rule (separation of duties, readiness,
stage rules) stays in the core, so the server enforces exactly what the CLI does.  It
adds identity: scoped API tokens for machines, browser sessions (one-time login links
on loopback, OpenID Connect) for people — and only people, freshly logged in, sign.

Needs the ``server`` extra (FastAPI, Uvicorn, Authlib, itsdangerous).
"""

from __future__ import annotations

from importlib.util import find_spec

from ..errors import MissingExtraError

for _module in ("fastapi", "uvicorn", "authlib", "itsdangerous", "multipart"):
    if find_spec(_module) is None:
        raise MissingExtraError("signoff serve", "server", _module)

from ._app import create_app  # noqa: E402
from ._auth import ACCESS_LEVELS, Principal, api_routes, route_access  # noqa: E402
from ._route_rules import ROUTE_RULES, route_rule  # noqa: E402
from ._settings import Settings  # noqa: E402

__all__ = [
    "ACCESS_LEVELS",
    "ROUTE_RULES",
    "Principal",
    "Settings",
    "api_routes",
    "create_app",
    "route_access",
    "route_rule",
]
