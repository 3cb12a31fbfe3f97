"""Projector handlers for the server's credentials: API tokens and one-time login links.

The events carry only the SHA-256 of each secret; the secret itself is shown once to
whoever created it and is never stored.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ._models import ServerTokenRow
from ._project_base import Event, event_time

__all__ = ["TOKEN_HANDLERS"]


def _created(session: Session, e: Event, at: dt.datetime) -> None:
    p = e.payload
    session.add(
        ServerTokenRow(
            id=p["id"],
            kind="login_link" if e.action.startswith("login_link.") else "token",
            user_name=p["user"],
            scope=p.get("scope"),
            secret_sha256=p["secret_sha256"],
            created_by=e.actor,
            created_at=at,
            expires_at=event_time(p["expires_at"]),
        )
    )


def _revoked(session: Session, e: Event, at: dt.datetime) -> None:
    row = session.get(ServerTokenRow, e.payload["id"])
    assert row is not None, f"projector: no token {e.payload['id']!r}"
    row.revoked_by, row.revoked_at = e.actor, at


def _used(session: Session, e: Event, at: dt.datetime) -> None:
    row = session.get(ServerTokenRow, e.payload["id"])
    assert row is not None, f"projector: no login link {e.payload['id']!r}"
    row.used_at = at


TOKEN_HANDLERS = {
    "token.created": _created,
    "token.revoked": _revoked,
    "login_link.created": _created,
    "login_link.used": _used,
}
