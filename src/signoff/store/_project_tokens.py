"""Projector handlers for the server's credentials: API tokens, one-time login links and
the personal sessions of `signoff login` (CLI sessions).

The events carry only the SHA-256 of each secret; the secret itself is shown once to
whoever created it and is never stored.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ._models import ServerTokenRow
from ._project_base import Event, event_time

__all__ = ["TOKEN_HANDLERS"]


#: The kind of row an event family creates (a CLI login's session: ``cli_session``).
_KINDS = {"login_link": "login_link", "cli_session": "cli_session"}


def _created(session: Session, e: Event, at: dt.datetime) -> None:
    p = e.payload
    session.add(
        ServerTokenRow(
            id=p["id"],
            kind=_KINDS.get(e.action.partition(".")[0], "token"),
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
    "cli_session.created": _created,
    "cli_session.revoked": _revoked,
}
