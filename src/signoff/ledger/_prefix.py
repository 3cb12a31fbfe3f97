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
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..store import LedgerEventRow, Store
from ._log import RawEvent, leaf_hashes, timestamp
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
    rows: list[RawEvent] = []
    with store.transaction() as session:
        leaves = leaf_hashes(session, keep=rows if events else None)
        first_ts = session.scalar(select(LedgerEventRow.ts).where(LedgerEventRow.seq == 1))
        size = len(leaves)
        if until is not None:
            size = (
                session.scalar(
                    select(func.max(LedgerEventRow.seq)).where(
                        LedgerEventRow.ts <= timestamp(until)
                    )
                )
                or 0
            )
        ids = _audit_ids(session, size) if events else {}
    loads = json.loads
    read = tuple(  # seqs run 1, 2, … without a gap (checked): the prefix is the first rows
        PrefixEvent(
            seq,
            ts,
            actor,
            action,
            subject,
            loads(payload) if seq not in ids else LazyPayload(payload, audit_id=ids[seq]),
        )
        for seq, ts, actor, action, subject, payload in rows[:size]
    )
    return LedgerPrefix(size, root_hash(leaves[:size]), read, first_ts)


#: The ``audit_id`` of each ``audit.attached`` event, read by the database from the payload
#: (where it is a JSON integer): the most numerous events, most of which a reader never
#: opens (the status reads each version's latest audit only).
_AUDIT_IDS = {
    "sqlite": "SELECT seq, json_extract(payload, '$.audit_id') FROM ledger_events "
    "WHERE action = 'audit.attached' AND seq <= :size "
    "AND json_type(payload, '$.audit_id') = 'integer'",
    "postgresql": "SELECT seq, payload::json ->> 'audit_id' FROM ledger_events "
    "WHERE action = 'audit.attached' AND seq <= :size "
    "AND json_typeof(payload::json -> 'audit_id') = 'number'",
}


def _audit_ids(session: Session, size: int) -> dict[int, int]:
    query = _AUDIT_IDS.get(session.get_bind().dialect.name)
    if query is None:
        return {}
    found: dict[int, int] = {}
    for seq, value in session.execute(text(query), {"size": size}):
        digits = str(value)
        if digits.isdigit() and (digits == "0" or not digits.startswith("0")):
            found[seq] = int(digits)
    return found


class LazyPayload(Mapping[str, Any]):
    """An event's payload (canonical JSON text, its leaf hash checked) parsed on first use;
    ``audit_id`` is known without parsing."""

    __slots__ = ("_audit_id", "_parsed", "_text")

    def __init__(self, text: str, *, audit_id: int) -> None:
        self._text, self._audit_id = text, audit_id
        self._parsed: dict[str, Any] | None = None

    def _data(self) -> dict[str, Any]:
        if self._parsed is None:
            self._parsed = json.loads(self._text)
        return self._parsed

    def __getitem__(self, key: str) -> Any:
        if key == "audit_id":
            return self._audit_id
        return self._data()[key]

    def get(self, key: str, default: Any = None) -> Any:
        """``payload.get(key)`` without the generic Mapping detour (records read eight)."""
        if key == "audit_id":
            return self._audit_id
        return self._data().get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())
