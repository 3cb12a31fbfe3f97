"""The outbox: a notification row per subscribed webhook, written with its ledger event.

:func:`enqueue` runs inside the workflow's transaction, so a notification exists
if and only if its ledger event does; :mod:`signoff.notify._deliver` sends the
rows after the transaction commits.  Rows become frozen
:class:`Notification` objects at this boundary.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from .._canonical import canonical_json
from ..store import NotificationRow, OutboxEntry, add_to_outbox
from ._events import ALL_EVENTS, HasWebhooks

if TYPE_CHECKING:  # type only: the workflow imports this package
    from ..store import Store

__all__ = [
    "MAX_ATTEMPTS",
    "PERMANENT",
    "Notification",
    "NotificationStatus",
    "enqueue",
    "has_pending",
    "list_notifications",
    "outbox_entries",
    "status_of",
]

#: Attempts per notification before it counts as failed (across delivery runs).
MAX_ATTEMPTS = 5
#: ``last_error`` prefix of a failure that is never retried (a 4xx answer, say).
PERMANENT = "permanent: "
UNKNOWN_EVENT = "unknown notification event {event!r}; events: {known}"

NotificationStatus = Literal["pending", "retrying", "failed", "delivered"]


@dataclass(frozen=True)
class Notification:
    """One outbox entry and where its delivery stands."""

    id: int
    event: str
    subject: str
    url: str
    ledger_seq: int
    payload: dict[str, Any]
    status: NotificationStatus
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


def enqueue(
    session: Session,
    governance: HasWebhooks,
    *,
    event: str,
    subject: str,
    payload: Mapping[str, Any],
    ledger_seq: int,
    at: dt.datetime,
) -> int:
    """Add one notification per webhook subscribed to ``event``, in the caller's transaction.

    Parameters
    ----------
    session : Session
        The open transaction that also appends the ledger event.
    governance : Governance
        The governance config whose ``webhooks`` receive the event.
    event : str
        One of :data:`~signoff.notify.ALL_EVENTS`.
    subject : str
        The ledger subject (``CR-3``, ``model:fraud``).
    payload : Mapping
        JSON-serializable details (see :func:`~signoff.notify.summary_text` for the
        keys the one-line summary uses).
    ledger_seq : int
        The ``seq`` of the ledger event this notification announces.
    at : datetime
        When the event happened (time-zone aware).

    Returns
    -------
    int
        How many notifications were added (0 when no webhook subscribes).

    Raises
    ------
    ValueError
        For an event name not in ``ALL_EVENTS`` or a payload that is not JSON.
    """
    entries = outbox_entries(
        governance, event=event, subject=subject, payload=payload, ledger_seq=ledger_seq, at=at
    )
    return add_to_outbox(session, entries)


def outbox_entries(
    governance: HasWebhooks,
    *,
    event: str,
    subject: str,
    payload: Mapping[str, Any],
    ledger_seq: int,
    at: dt.datetime,
) -> list[OutboxEntry]:
    """One outbox entry per webhook subscribed to ``event`` (a pure function).

    Raises
    ------
    ValueError
        For an event name not in ``ALL_EVENTS`` or a payload that is not JSON.
    """
    if event not in ALL_EVENTS:
        raise ValueError(UNKNOWN_EVENT.format(event=event, known=", ".join(ALL_EVENTS)))
    plain = json.loads(canonical_json(dict(payload)))
    return [
        OutboxEntry(event, subject, plain, ledger_seq, hook.key, at)
        for hook in governance.webhooks
        if event in hook.events
    ]


def has_pending(store: Store) -> bool:
    """Whether any notification was never tried (one cheap query)."""
    with store.transaction() as session:
        found = session.scalar(
            select(NotificationRow.id)
            .where(NotificationRow.delivered_at.is_(None), NotificationRow.attempts == 0)
            .limit(1)
        )
    return found is not None


def status_of(row: NotificationRow, max_attempts: int = MAX_ATTEMPTS) -> NotificationStatus:
    """Where a row stands: delivered, failed (permanently or out of attempts), retrying or
    pending."""
    if row.delivered_at is not None:
        return "delivered"
    if (row.last_error or "").startswith(PERMANENT) or row.attempts >= max_attempts:
        return "failed"
    return "retrying" if row.last_error is not None else "pending"


def list_notifications(
    store: Store, *, failed: bool = False, max_attempts: int = MAX_ATTEMPTS
) -> list[Notification]:
    """Every notification, oldest first; ``failed=True`` keeps only undelivered ones with an
    error (failed for good, or failing and still retried).

    Parameters
    ----------
    store : Store
        The registry database.
    failed : bool
        Only notifications not delivered whose last attempt failed.
    max_attempts : int
        Attempts after which a notification counts as failed.

    Returns
    -------
    list of Notification
    """
    query = select(NotificationRow).order_by(NotificationRow.id)
    if failed:
        query = query.where(
            NotificationRow.delivered_at.is_(None), NotificationRow.last_error.is_not(None)
        )
    with store.transaction() as session:
        return [
            Notification(
                id=row.id,
                event=row.event,
                subject=row.subject,
                url=row.url,
                ledger_seq=row.ledger_seq,
                payload=dict(row.payload),
                status=status_of(row, max_attempts),
                attempts=row.attempts,
                last_error=row.last_error,
                created_at=row.created_at,
                delivered_at=row.delivered_at,
            )
            for row in session.scalars(query)
        ]
