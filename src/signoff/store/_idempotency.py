"""Idempotency keys: claim a key before a POST runs, keep its answer after, replay it.

A claim takes the registry's write lock (a short transaction of its own), so two
requests with one key cannot both run: the second finds the first's claim — in
progress, answered, or made for a different request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from ._engine import Store
from ._models import IdempotencyRow

__all__ = ["Claim", "claim_key", "forget_key", "keep_answer"]


@dataclass(frozen=True)
class Claim:
    """What a claim found: ``new`` (run the request), or an earlier request's claim —
    ``status`` None while it runs; ``same`` whether it was this very request."""

    new: bool
    same: bool = True
    status: int | None = None
    headers: dict[str, Any] | None = None
    body: str | None = None


def claim_key(
    store: Store, caller: str, key: str, fingerprint: str, *, now: dt.datetime, keep: dt.timedelta
) -> Claim:
    """Claim ``key`` for ``caller`` (an answer older than ``keep`` no longer counts)."""
    with store.transaction(write=True) as session:
        session.execute(delete(IdempotencyRow).where(IdempotencyRow.created_at < now - keep))
        row = session.scalars(
            select(IdempotencyRow).where(IdempotencyRow.caller == caller, IdempotencyRow.key == key)
        ).first()
        if row is not None:
            same = row.fingerprint == fingerprint
            return Claim(False, same, row.status, row.headers, row.body)
        session.add(IdempotencyRow(caller=caller, key=key, fingerprint=fingerprint, created_at=now))
    return Claim(True)


def keep_answer(
    store: Store, caller: str, key: str, status: int, headers: dict[str, Any], body: str
) -> None:
    """Record the answer of a claimed request, for its repetitions."""
    with store.transaction() as session:
        row = session.scalars(
            select(IdempotencyRow).where(IdempotencyRow.caller == caller, IdempotencyRow.key == key)
        ).one()
        row.status, row.headers, row.body = status, headers, body


def forget_key(store: Store, caller: str, key: str) -> None:
    """Drop a claim whose request failed on the server's side: the client may retry."""
    with store.transaction() as session:
        session.execute(
            delete(IdempotencyRow).where(IdempotencyRow.caller == caller, IdempotencyRow.key == key)
        )
