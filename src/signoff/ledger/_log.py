"""The ledger table as a Merkle log: append inside the caller's transaction, verify, prove.

An event is ``{"seq", "ts", "actor", "action", "subject", "payload"}``; its
leaf hash is ``SHA-256(0x00 || canonical JSON)``.  ``payload`` is stored as
canonical JSON text, so the hashed bytes are rebuilt from the columns
without re-parsing (fast enough to verify a million events in seconds).

Appends are serialized: SQLite transactions begin ``IMMEDIATE`` (one writer
at a time), PostgreSQL takes a transaction-scoped advisory lock before it
reads ``max(seq)``; either way ``seq`` is gap-free under concurrent writers.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from .._canonical import canonical_json
from ..errors import LedgerVerificationError, NotFound
from ..store import LedgerEventRow, apply_event, lock_writes, note_append
from ._leafcheck import EDITED, GAP
from ._merkle import leaf_hash, root_hash
from ._writer import WRITER_SIGNATURE, sign_as_writer, writer_statement

__all__ = [
    "LedgerEvent",
    "RawEvent",
    "append_event",
    "current_root",
    "event_bytes",
    "get_event",
    "iter_events",
    "leaf_hashes",
    "lock_appends",
    "timestamp",
]

NO_EVENT = "ledger event {seq} does not exist; the ledger has {size} event(s)"

#: The largest seq the INTEGER column holds on every supported database.
MAX_SEQ = 2**31 - 1


def timestamp(moment: dt.datetime) -> str:
    """UTC, ISO 8601, seconds precision with ``Z``: the form that is hashed."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class LedgerEvent:
    """One governance event, as hashed."""

    seq: int
    ts: str
    actor: str
    action: str
    subject: str
    payload: Mapping[str, Any]
    leaf_hash: str

    def to_dict(self) -> dict[str, Any]:
        """The hashed object (without the leaf hash)."""
        return {
            "seq": self.seq,
            "ts": self.ts,
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "payload": dict(self.payload),
        }


def event_bytes(
    seq: int, ts: str, actor: str, action: str, subject: str, payload_json: str
) -> bytes:
    """Canonical JSON of an event, built from its columns (payload already canonical)."""

    s = encode_basestring  # JSON string escaping as json.dumps(ensure_ascii=False), minus the
    # per-call encoder set-up: half of `verify`'s time on a million events

    return (
        f'{{"action":{s(action)},"actor":{s(actor)},"payload":{payload_json},'
        f'"seq":{seq},"subject":{s(subject)},"ts":{s(ts)}}}'
    ).encode()


def lock_appends(session: Session) -> None:
    """Serialize this transaction with every other writer of the ledger.

    SQLite transactions already begin ``IMMEDIATE`` (one writer at a time); on
    PostgreSQL this takes the transaction-scoped advisory lock that appends use.
    A workflow step that reads state and then writes (a deploy) calls it first.
    """
    lock_writes(session)


def append_event(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    payload: Mapping[str, Any],
    at: dt.datetime,
    writer_key: str | None = None,
) -> LedgerEvent:
    """Append one event inside the caller's transaction and apply it to the tables.

    The projector (:func:`signoff.store.apply_event`) is the only writer of the
    registry's tables, so a change exists if and only if its event does. With
    ``writer_key`` (the server's private key) the event carries the writer's signature,
    chained to the event before it (see :mod:`signoff.ledger._writer`).
    """
    lock_appends(session)
    seq = (session.scalar(select(func.max(LedgerEventRow.seq))) or 0) + 1
    ts = timestamp(at)
    if writer_key is not None:
        prev = session.scalar(select(LedgerEventRow.leaf_hash).where(LedgerEventRow.seq == seq - 1))
        statement = writer_statement(seq, ts, actor, action, subject, payload, prev or "")
        payload = {**payload, WRITER_SIGNATURE: sign_as_writer(statement, writer_key)}
    payload_json = canonical_json(dict(payload)).decode("utf-8")
    digest = leaf_hash(event_bytes(seq, ts, actor, action, subject, payload_json)).hex()
    session.add(
        LedgerEventRow(
            seq=seq,
            ts=ts,
            actor=actor,
            action=action,
            subject=subject,
            payload=payload_json,
            leaf_hash=digest,
        )
    )
    session.flush()
    event = LedgerEvent(seq, ts, actor, action, subject, json.loads(payload_json), digest)
    apply_event(session, event)
    note_append(session, seq)  # watchers of the ledger learn the new size on commit
    return event


def _row_event(row: LedgerEventRow) -> LedgerEvent:
    return LedgerEvent(
        row.seq, row.ts, row.actor, row.action, row.subject, json.loads(row.payload), row.leaf_hash
    )


def iter_events(
    session: Session,
    *,
    start: int = 1,
    subject_prefix: str | None = None,
    action: str | None = None,
    actions: Collection[str] | None = None,
    limit: int | None = None,
) -> Iterator[LedgerEvent]:
    """Events in seq order (streamed), optionally only one ``action`` (or ``actions``),
    at most ``limit`` of them (iterate to the end: a streamed result left half-read keeps
    its server-side cursor open)."""
    query = select(LedgerEventRow).where(LedgerEventRow.seq >= start).order_by(LedgerEventRow.seq)
    if subject_prefix is not None:
        query = query.where(LedgerEventRow.subject.startswith(subject_prefix))
    if action is not None:
        query = query.where(LedgerEventRow.action == action)
    if actions is not None:
        query = query.where(LedgerEventRow.action.in_(sorted(actions)))
    if limit is not None:
        query = query.limit(limit)
    for row in session.scalars(query.execution_options(yield_per=5000)):
        yield _row_event(row)


def get_event(session: Session, seq: int) -> LedgerEvent:
    """One event; NotFound with the ledger's size when absent (any seq out of range too:
    a seq past the INTEGER column is absent, not a database overflow)."""
    row = session.get(LedgerEventRow, seq) if 1 <= seq <= MAX_SEQ else None
    if row is None:
        size = session.scalar(select(func.count()).select_from(LedgerEventRow)) or 0
        raise NotFound(NO_EVENT.format(seq=seq, size=size))
    return _row_event(row)


#: A ledger row as read: seq, ts, actor, action, subject, payload (canonical JSON text).
RawEvent = tuple[int, str, str, str, str, str]


def leaf_hashes(session: Session, *, keep: list[RawEvent] | None = None) -> list[bytes]:
    """Every leaf hash, recomputed from the columns and checked against the stored one
    (and, with ``keep``, every row appended to it: the ledger read once).

    Raises
    ------
    LedgerVerificationError
        Naming the first bad seq: a gap (deleted event) or an event whose
        content no longer matches its hash (edited, or two events swapped).
    """
    query = text(
        "SELECT seq, ts, actor, action, subject, payload, leaf_hash FROM ledger_events ORDER BY seq"
    )
    leaves: list[bytes] = []
    expected = 1
    result = session.connection().execute(query.execution_options(yield_per=10000))
    try:
        for seq, ts, actor, action, subject, payload, stored in result:
            if seq != expected:
                raise LedgerVerificationError(
                    GAP.format(seq=expected, previous=expected - 1, found=seq)
                )
            digest = leaf_hash(event_bytes(seq, ts, actor, action, subject, payload))
            if digest.hex() != stored:
                raise LedgerVerificationError(EDITED.format(seq=seq))
            leaves.append(digest)
            if keep is not None:
                keep.append((seq, ts, actor, action, subject, payload))
            expected += 1
    finally:
        result.close()  # a server-side cursor on PostgreSQL: close it even when we stop early
    return leaves


def current_root(session: Session) -> tuple[int, bytes]:
    """Size and root hash of the ledger as stored (after checking every leaf)."""
    leaves = leaf_hashes(session)
    return len(leaves), root_hash(leaves)
