"""The notification outbox's rows: written in the transaction of the event they announce."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ._models import NotificationRow

__all__ = ["OutboxEntry", "add_to_outbox"]


@dataclass(frozen=True)
class OutboxEntry:
    """One notification to deliver: an event for one webhook (named by its key)."""

    event: str
    subject: str
    payload: dict[str, Any]
    ledger_seq: int
    webhook: str
    at: dt.datetime


def add_to_outbox(session: Session, entries: Sequence[OutboxEntry]) -> int:
    """Write ``entries`` in the caller's transaction; returns how many."""
    for entry in entries:
        session.add(
            NotificationRow(
                event=entry.event,
                subject=entry.subject,
                payload=entry.payload,
                ledger_seq=entry.ledger_seq,
                url=entry.webhook,
                attempts=0,
                last_error=None,
                delivered_at=None,
                created_at=entry.at,
            )
        )
    session.flush()
    return len(entries)
