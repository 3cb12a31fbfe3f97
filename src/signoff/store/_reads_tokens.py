"""Reads of the server's credentials (API tokens, login links): records without secrets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ._models import ServerTokenRow

__all__ = ["ServerToken", "TokenReads"]

NO_TOKEN = "no token {id!r}"


@dataclass(frozen=True)
class ServerToken:
    """An API token or login link as stored: who, what scope, until when (never the secret)."""

    id: str
    kind: str
    user: str
    scope: str | None
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_by: str | None = None
    revoked_at: dt.datetime | None = None
    used_at: dt.datetime | None = None

    def usable(self, now: dt.datetime) -> bool:
        """Not revoked, not used (a login link), not expired."""
        return self.revoked_at is None and self.used_at is None and now < self.expires_at


def _token(row: ServerTokenRow) -> ServerToken:
    return ServerToken(
        row.id,
        row.kind,
        row.user_name,
        row.scope,
        row.created_by,
        row.created_at,
        row.expires_at,
        row.revoked_by,
        row.revoked_at,
        row.used_at,
    )


class TokenReads:
    """Token reads over the repository's session."""

    _session: Session

    def tokens(self, *, user: str | None = None, kind: str = "token") -> list[ServerToken]:
        """Tokens (or login links), oldest first, optionally of one user."""
        query = select(ServerTokenRow).where(ServerTokenRow.kind == kind)
        if user is not None:
            query = query.where(ServerTokenRow.user_name == user)
        rows = self._session.scalars(query.order_by(ServerTokenRow.created_at, ServerTokenRow.id))
        return [_token(r) for r in rows]

    def token(self, token_id: str) -> ServerToken:
        """One token or login link by id."""
        row = self._session.get(ServerTokenRow, token_id)
        if row is None:
            raise NotFound(NO_TOKEN.format(id=token_id))
        return _token(row)

    def token_by_secret_hash(self, sha256: str) -> ServerToken | None:
        """The token whose secret hashes to ``sha256``, if any."""
        row = self._session.scalar(
            select(ServerTokenRow).where(ServerTokenRow.secret_sha256 == sha256)
        )
        return _token(row) if row is not None else None
