"""The ledger as it stood at a moment: the events appended by then and their tree head.

Events are appended in time order (``seq`` and ``ts`` grow together), so the ledger
"at" a moment is a prefix: every event whose ``ts`` is not after it.  Its size and
Merkle root are what a report computed from that prefix rests on; every leaf of the
whole ledger is checked first, so an edited event is found before anything is computed.
The ledger is read once, as plain rows (no ORM objects) in blocks (on PostgreSQL the next
block arrives while one is checked: :mod:`._blocks`): a pass over two hundred thousand
events checks each leaf and keeps the prefix's events, their payloads parsed — but for the
audits and monitoring windows, most of a large ledger, which are parsed when first read.
A block's events are made only once its leaves are checked; the caller folds them only
once every leaf of the ledger is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .._gc import paused_gc
from ..errors import LedgerVerificationError
from ..store import LedgerEventRow, Store
from ._blocks import BLOCK, Row, ledger_blocks
from ._log import EDITED, GAP, leaf_hashes, timestamp
from ._merkle import root_hash
from ._peek import LazyAudit, LazyPayload, LazyWindow

__all__ = ["LazyPayload", "LedgerPrefix", "PrefixEvent", "ledger_prefix"]

#: The numerous payloads handed over unparsed, their text read only when a reader asks.
LAZY: dict[str, type[LazyPayload]] = {"audit.attached": LazyAudit, "monitor.window": LazyWindow}


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


def _checked_events(
    session: Session, size: int | None, block: int = BLOCK
) -> tuple[list[bytes], list[PrefixEvent]]:
    """Every leaf hash, checked as :func:`leaf_hashes` checks them, and the first ``size``
    events (default: all), in one pass over the ledger, a block of rows at a time (on
    PostgreSQL the next block arrives while this one is checked).  The payloads of the
    numerous ``audit.attached`` and ``monitor.window`` events are parsed only if a reader
    asks (:class:`LazyPayload`): what the fold needs of them is read from their text."""
    leaves: list[bytes] = []
    kept: list[PrefixEvent] = []
    s, sha256 = encode_basestring, hashlib.sha256
    with closing(ledger_blocks(session, block)) as blocks:  # an error: its thread ends here
        for rows in blocks:
            first = len(leaves) + 1
            # each leaf hash as event_bytes and leaf_hash make it, without two calls per event
            digests = [
                sha256(
                    f'\x00{{"action":{s(action)},"actor":{s(actor)},"payload":{payload},'
                    f'"seq":{seq},"subject":{s(subject)},"ts":{s(ts)}}}'.encode()
                ).digest()
                for seq, ts, actor, action, subject, payload, _ in rows
            ]
            if not _all_match(rows, digests, first):
                _raise_first_mismatch(rows, digests, first)
            leaves += digests
            wanted = len(rows) if size is None else min(len(rows), size - first + 1)
            if wanted > 0:  # seqs run 1, 2, … without a gap: the prefix is the first rows
                kept += _events(rows if wanted == len(rows) else rows[:wanted])
    return leaves, kept


def _all_match(rows: list[Row], digests: list[bytes], first: int) -> bool:
    """Whether the block's seqs run on from ``first`` without a gap and every stored leaf
    hash is the one computed (all compared at once: one string each)."""
    if [row[0] for row in rows] != list(range(first, first + len(rows))):
        return False
    stored = [row[6] for row in rows]
    try:  # every one 64 characters long, so equal joined means equal one by one
        return set(map(len, stored)) == {64} and "".join(stored) == b"".join(digests).hex()
    except TypeError:  # a stored hash that is not text: found row by row
        return False


def _raise_first_mismatch(rows: list[Row], digests: list[bytes], first: int) -> None:
    """The error for the block's first missing or edited event, in seq order."""
    for expected, row, digest in zip(range(first, first + len(rows)), rows, digests, strict=True):
        if row[0] != expected:
            raise LedgerVerificationError(
                GAP.format(seq=expected, previous=expected - 1, found=row[0])
            )
        if digest.hex() != row[6]:
            raise LedgerVerificationError(EDITED.format(seq=row[0]))
    raise AssertionError("a block that failed its check has no mismatch")  # pragma: no cover


def _events(rows: list[Row]) -> list[PrefixEvent]:
    """The events of checked rows, the numerous audits' and windows' payloads unread."""
    new, loads, lazy = tuple.__new__, json.loads, LAZY.get
    events: list[PrefixEvent] = []
    append = events.append
    for seq, ts, actor, action, subject, payload, _ in rows:
        kind = lazy(action)
        parsed = loads(payload) if kind is None else kind(payload)
        append(new(PrefixEvent, (seq, ts, actor, action, subject, parsed)))
    return events
