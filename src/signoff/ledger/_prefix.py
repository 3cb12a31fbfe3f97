"""The ledger as it stood at a moment: the events appended by then and their tree head.

Events are appended in time order (``seq`` and ``ts`` grow together), so the ledger
"at" a moment is a prefix: every event whose ``ts`` is not after it.  Its size and
Merkle root are what a report computed from that prefix rests on; every leaf of the
whole ledger is checked first, so an edited event is found before anything is computed.
The ledger is read once, as plain rows (no ORM objects): a pass over two hundred thousand
events checks each leaf and keeps the prefix's events with their payloads parsed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .._gc import paused_gc
from ..errors import LedgerVerificationError
from ..store import LedgerEventRow, Store
from ._log import EDITED, GAP, RawEvent, leaf_hashes, timestamp
from ._merkle import root_hash

__all__ = ["LazyPayload", "LedgerPrefix", "PrefixEvent", "ledger_prefix"]


class PrefixEvent(NamedTuple):
    """One event of a prefix (the fields of :class:`LedgerEvent`, made in a fraction of
    its time: a prefix holds every event of the ledger)."""

    seq: int
    ts: str
    actor: str
    action: str
    subject: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class LedgerPrefix:
    """The first ``size`` events (all of them when read), their root, and when the ledger began."""

    size: int
    root: bytes
    events: tuple[PrefixEvent, ...]
    first_ts: str | None  # the first event's time (None: an empty ledger)


def ledger_prefix(
    store: Store, *, until: dt.datetime | None = None, events: bool = True
) -> LedgerPrefix:
    """The events appended up to ``until`` (default: all), with the tree head they make.

    Raises
    ------
    LedgerVerificationError
        An event of the ledger no longer matches its leaf hash, or one is missing.
    """
    with paused_gc():  # a million small objects and no cycles: see signoff._gc
        return _prefix(store, until, events)


def _prefix(store: Store, until: dt.datetime | None, events: bool) -> LedgerPrefix:
    with store.transaction() as session:
        first_ts = session.scalar(select(LedgerEventRow.ts).where(LedgerEventRow.seq == 1))
        size = None
        if until is not None:
            size = (
                session.scalar(
                    select(func.max(LedgerEventRow.seq)).where(
                        LedgerEventRow.ts <= timestamp(until)
                    )
                )
                or 0
            )
        if events:
            leaves, read = _checked_events(session, size)
        else:
            leaves, read = leaf_hashes(session), []
    size = len(leaves) if size is None else size
    return LedgerPrefix(size, root_hash(leaves[:size]), tuple(read), first_ts)


#: What the database reads of the payloads of the most numerous events, which a reader
#: mostly never opens: each ``audit.attached`` event's ``audit_id`` where it is a JSON
#: integer (the status reads each version's latest audit only), each ``monitor.window``
#: event's status, end and the window it supersedes (the portfolio reads a few windows).
_LEDGER = "SELECT seq, ts, actor, action, subject, payload, leaf_hash, {peek}"
AUDIT_ID = re.compile(r'\{"audit_id":(0|[1-9][0-9]*)[,}]')
_PEEK = {
    "sqlite": "CASE WHEN action = 'monitor.window' THEN json_extract(payload, '$.status') END, "
    "CASE WHEN action = 'monitor.window' THEN json_extract(payload, '$.window.end') END, "
    "CASE WHEN action = 'monitor.window' THEN json_extract(payload, '$.supersedes') END "
    "FROM ledger_events ORDER BY seq",
    # one parse of each window's payload (json_to_record), not one per field
    "postgresql": "w.status, w.\"window\" ->> 'end', w.supersedes::text "
    "FROM (SELECT * FROM ledger_events ORDER BY seq OFFSET 0) AS e "
    "LEFT JOIN LATERAL json_to_record(CASE WHEN action = 'monitor.window' "
    'THEN payload::json END) AS w(status text, "window" json, supersedes json) ON true '
    "ORDER BY seq",
}


def _checked_events(session: Session, size: int | None) -> tuple[list[bytes], list[PrefixEvent]]:
    """Every leaf hash, checked as :func:`leaf_hashes` checks them, and the first ``size``
    events (default: all) with what the database read of their payloads, in one pass over
    the ledger.  The rows are all kept, so they are fetched whole, straight from the
    driver."""
    dialect = session.get_bind().dialect.name
    peek = _PEEK.get(dialect)
    json_text = dialect == "postgresql"  # a window's supersedes comes as JSON text
    if peek is None:  # another database: the payloads are read in full
        rows: list[RawEvent] = []
        every = leaf_hashes(session, keep=rows)
        return every, [PrefixEvent(*row[:5], json.loads(row[5])) for row in rows[:size]]
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if json_text:  # compiling this one scan costs more than it saves
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(_LEDGER.format(peek=peek))
        fetched = cursor.fetchall()
    finally:
        cursor.close()
    leaves: list[bytes] = []
    kept: list[PrefixEvent] = []
    last = len(fetched) if size is None else size
    expected = 1
    s, sha256, loads = encode_basestring, hashlib.sha256, json.loads
    for seq, ts, actor, action, subject, payload, stored, status, end, sup in fetched:
        if seq != expected:
            raise LedgerVerificationError(
                GAP.format(seq=expected, previous=expected - 1, found=seq)
            )
        # the leaf hash as event_bytes and leaf_hash make it, without two calls per event
        digest = sha256(
            f'\x00{{"action":{s(action)},"actor":{s(actor)},"payload":{payload},'
            f'"seq":{seq},"subject":{s(subject)},"ts":{s(ts)}}}'.encode()
        ).digest()
        if digest.hex() != stored:
            raise LedgerVerificationError(EDITED.format(seq=seq))
        leaves.append(digest)
        if seq > last:  # seqs run 1, 2, … without a gap: the prefix is the first rows
            pass
        elif action == "monitor.window":
            if json_text and sup is not None:
                sup = loads(sup)
            known = {"status": status, "window.end": end, "supersedes": sup}
            kept.append(PrefixEvent(seq, ts, actor, action, subject, LazyPayload(payload, known)))
        elif action == "audit.attached" and (audit_id := _audit_id(payload)) is not None:
            known = {"audit_id": audit_id}
            kept.append(PrefixEvent(seq, ts, actor, action, subject, LazyPayload(payload, known)))
        else:
            kept.append(PrefixEvent(seq, ts, actor, action, subject, loads(payload)))
        expected += 1
    return leaves, kept


def _audit_id(payload: str) -> int | None:
    """An ``audit.attached`` payload's ``audit_id`` read from its text without parsing it,
    when that is certain to be what parsing gives: canonical JSON (sorted keys) begins with
    it, no other ``"audit_id"`` (nor any ``\\u`` escape that could spell one) follows, and it
    is a plain non-negative integer.  None: parse the payload instead."""
    found = AUDIT_ID.match(payload)
    if found is None or "\\u" in payload or payload.count('"audit_id"') > 1:
        return None
    return int(found[1])


class LazyPayload(Mapping[str, Any]):
    """An event's payload (canonical JSON text, its leaf hash checked) parsed on first use;
    ``peek``: what the database read of it (``audit_id``; a window's ``status``,
    ``window.end`` and ``supersedes``), known without parsing."""

    __slots__ = ("_parsed", "_text", "peek")

    def __init__(self, text: str, peek: Mapping[str, Any]) -> None:
        self._text, self.peek = text, peek
        self._parsed: dict[str, Any] | None = None

    def parsed(self) -> dict[str, Any]:
        """The payload parsed (once)."""
        if self._parsed is None:
            self._parsed = json.loads(self._text)
        return self._parsed

    _data = parsed

    def __getitem__(self, key: str) -> Any:
        if key == "audit_id" and key in self.peek:
            return self.peek[key]
        return self._data()[key]

    def get(self, key: str, default: Any = None) -> Any:
        """``payload.get(key)`` without the generic Mapping detour (records read eight)."""
        if key == "audit_id" and key in self.peek:
            return self.peek[key]
        return self._data().get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())
