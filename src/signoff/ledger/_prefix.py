"""The ledger as it stood at a moment: the events appended by then and their tree head.

Events are appended in time order (``seq`` and ``ts`` grow together), so the ledger
"at" a moment is a prefix: every event whose ``ts`` is not after it.  Its size and
Merkle root are what a report computed from that prefix rests on; every leaf of the
whole ledger is checked first, so an edited event is found before anything is computed.
The ledger is read once, as plain rows (no ORM objects): a pass over two hundred thousand
events checks each leaf and keeps the prefix's events, their payloads parsed — but for the
audits and monitoring windows, most of a large ledger, which are parsed when first read.
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
from ._log import EDITED, GAP, leaf_hashes, timestamp
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


#: The ledger as stored, oldest first: the same statement on every database (what the
#: portfolio needs of the numerous payloads is read from their text, below).
_LEDGER = (
    "SELECT seq, ts, actor, action, subject, payload, leaf_hash FROM ledger_events ORDER BY seq"
)
#: An audit's id as canonical JSON writes it, after its key (``"audit_id":``).
AUDIT_ID = re.compile(r"(0|[1-9][0-9]*)[,}]")
#: How a ``monitor.window`` payload ends in canonical JSON (sorted keys): its status, the
#: window it supersedes, its version and its window — the last top-level members, as no
#: quote in it is escaped.  (The two times: a string without quote or backslash, or null.)
WINDOW_TAIL = re.compile(
    r',"status":"([^"\\]*)","supersedes":(null|0|[1-9][0-9]*),"version":"[^"\\]*",'
    r'"window":\{"end":(?:"([^"\\]*)"|null),"start":(?:"[^"\\]*"|null)\}\}'
)


def _checked_events(session: Session, size: int | None) -> tuple[list[bytes], list[PrefixEvent]]:
    """Every leaf hash, checked as :func:`leaf_hashes` checks them, and the first ``size``
    events (default: all), in one pass over the ledger.  The rows are all kept, so they
    are fetched whole, straight from the driver.  The payloads of the numerous
    ``audit.attached`` and ``monitor.window`` events are parsed only if a reader asks
    (:class:`LazyPayload`): what the fold needs of them is read from their text."""
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if session.get_bind().dialect.name == "postgresql":  # compiling one scan costs more
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(_LEDGER)
        fetched = cursor.fetchall()
    finally:
        cursor.close()
    leaves: list[bytes] = []
    kept: list[PrefixEvent] = []
    last = len(fetched) if size is None else size
    expected = 1
    s, sha256, loads = encode_basestring, hashlib.sha256, json.loads
    for seq, ts, actor, action, subject, payload, stored in fetched:
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
        expected += 1
        if seq > last:  # seqs run 1, 2, … without a gap: the prefix is the first rows
            continue
        known = (
            _window(payload)
            if action == "monitor.window"
            else _audit_id(payload)
            if action == "audit.attached"
            else None
        )
        kept.append(
            PrefixEvent(
                seq,
                ts,
                actor,
                action,
                subject,
                loads(payload) if known is None else LazyPayload(payload, known),
            )
        )
    return leaves, kept


def _window(payload: str) -> dict[str, Any] | None:
    """What the fold reads of a ``monitor.window`` payload — whether it failed (status
    ``error``), its window's end, the window it supersedes — from its text, when that is
    certain to be what parsing gives: it ends as :data:`WINDOW_TAIL` says (``monitor run``
    writes every one so).  As every quote there is a string's own, those are the payload's
    last top-level members, so parsing reads the same (a duplicate key: the last one).
    None: parse the payload instead."""
    found = WINDOW_TAIL.fullmatch(payload, max(payload.rfind(',"status":"'), 0))
    if found is None:
        return None
    status, supersedes, end = found.groups()
    return {
        "failed": status == "error",
        "window.end": end,
        "supersedes": None if supersedes == "null" else int(supersedes),
    }


def _audit_id(payload: str) -> dict[str, Any] | None:
    """An ``audit.attached`` payload's ``audit_id`` read from its text without parsing it,
    when that is certain to be what parsing gives: the key appears once (and no ``\\u``
    escape could spell another), as a key (its quotes are a string's own: after ``{`` or
    ``,``, before ``:``), with a plain non-negative integer — the top-level member every
    audit has (the projector requires it).  None: parse the payload instead."""
    at = payload.find('"audit_id"')
    if (
        at < 1
        or payload[at - 1] not in "{,"
        or payload[at + 10 : at + 11] != ":"
        or payload.find('"audit_id"', at + 1) >= 0
    ):
        return None
    found = AUDIT_ID.match(payload, at + 11)
    if found is None or "\\u" in payload:
        return None
    return {"audit_id": int(found[1])}


class LazyPayload(Mapping[str, Any]):
    """An event's payload (canonical JSON text, its leaf hash checked) parsed on first use;
    ``peek``: what was read of its text (``audit_id``; whether a window ``failed``, its
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
