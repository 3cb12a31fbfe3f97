"""The ledger as it stood at a moment: the events appended by then and their tree head.

Events are appended in time order (``seq`` and ``ts`` grow together), so the ledger
"at" a moment is a prefix: every event whose ``ts`` is not after it.  Its size and
Merkle root are what a report computed from that prefix rests on; every leaf of the
whole ledger is checked, so an edited event is found before anything computed from it
is returned.  The ledger is read once, as plain rows (no ORM objects) in blocks
(:mod:`._leafcheck`): a pass over two hundred thousand events checks each leaf and keeps
the prefix's events, their payloads parsed — but for the audits and monitoring windows,
most of a large ledger, which are parsed when first read.  A block's events are made only
once its leaves are checked.

In a short-lived command on a machine with a second core, a child process checks the
leaves instead, in the same view of the database, while this process reads only the
prefix's rows and folds them (:mod:`._aside`); the prefix's :attr:`~LedgerPrefix.root` is
then the child's verdict, and a caller's error while folding gives way to the check's
(use the prefix as a context manager).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from contextlib import closing
from types import TracebackType
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .._gc import paused_gc
from ..errors import LedgerVerificationError
from ..store import LedgerEventRow, Store
from ._aside import AsideCheck, aside_wanted
from ._blocks import BLOCK, Row, ledger_blocks
from ._leafcheck import LEDGER_UPTO, LeafMismatch, block_leaves
from ._log import leaf_hashes, timestamp
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


class LedgerPrefix:
    """The first ``size`` events (all of them when read), their root, and when the ledger began.

    Use it as a context manager when folding the events while the check may still run in
    a child process: an error in the block then gives way to the check's, and the child
    is ended and reaped on the way out.
    """

    def __init__(
        self,
        size: int,
        root: bytes | AsideCheck,
        events: tuple[PrefixEvent, ...],
        first_ts: str | None,
    ) -> None:
        self.size = size
        self.events = events
        self.first_ts = first_ts  # the first event's time (None: an empty ledger)
        self._root = root

    @property
    def root(self) -> bytes:
        """The Merkle root of the first :attr:`size` leaves; when a child process checks
        the leaves, waits for its verdict.

        Raises
        ------
        LedgerVerificationError
            An event of the ledger is missing or no longer matches its leaf hash.
        """
        if isinstance(self._root, AsideCheck):
            self._root = self._root.root(self.size)
        return self._root

    def __enter__(self) -> LedgerPrefix:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(self._root, AsideCheck):
            self._root.after(error)  # an error: the check's first if an event was edited


def ledger_prefix(
    store: Store,
    *,
    until: dt.datetime | None = None,
    events: bool = True,
    aside: bool | None = None,
) -> LedgerPrefix:
    """The events appended up to ``until`` (default: all), with the tree head they make.

    ``aside``: whether a child process checks the leaves while the caller folds the
    events (default: :func:`~._aside.aside_wanted` decides).

    Raises
    ------
    LedgerVerificationError
        An event of the ledger no longer matches its leaf hash, or one is missing (with
        the check in a child process: when :attr:`LedgerPrefix.root` is read).
    """
    with paused_gc():  # a million small objects and no cycles: see signoff._gc
        return _prefix(store, until, events, aside)


def _prefix(
    store: Store, until: dt.datetime | None, events: bool, aside: bool | None
) -> LedgerPrefix:
    check: AsideCheck | None = None
    try:
        with store.transaction() as session:
            one_view(store, session)
            first_ts = session.scalar(select(LedgerEventRow.ts).where(LedgerEventRow.seq == 1))
            total = session.scalar(select(func.max(LedgerEventRow.seq))) or 0
            size = total
            if until is not None:
                size = (
                    session.scalar(
                        select(func.max(LedgerEventRow.seq)).where(
                            LedgerEventRow.ts <= timestamp(until)
                        )
                    )
                    or 0
                )
            if not events:
                leaves = leaf_hashes(session)
                return LedgerPrefix(size, root_hash(leaves[:size]), (), first_ts)
            if size > 0 and (aside if aside is not None else aside_wanted(store, total)):
                check = AsideCheck.start(store, session, size)
                if check is not None:
                    read = _unchecked_events(session, size)
                    if check.ready():  # the child holds this view: the transaction may end
                        return LedgerPrefix(size, check, tuple(read), first_ts)
                    check = None  # it could not start: checked here, in this transaction
            leaves, read = _checked_events(session, size)
    except BaseException as error:
        if check is not None:
            check.after(error)  # an edited event explains what failed: its error first
        raise
    return LedgerPrefix(size, root_hash(leaves[:size]), tuple(read), first_ts)


def one_view(store: Store, session: Session) -> None:
    """Make every statement of ``session``'s transaction (call before the first) see one
    view of the database, which a child process can share: SQLite's transactions begin
    ``IMMEDIATE`` (no commit can come before this one ends); on PostgreSQL this makes it
    ``REPEATABLE READ`` and read-only, so its snapshot can be exported."""
    if store.dialect == "postgresql":
        session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )


def _unchecked_events(session: Session, size: int) -> list[PrefixEvent]:
    """The first ``size`` events as stored, for a child process to check."""
    read: list[PrefixEvent] = []
    with closing(ledger_blocks(session, statement=LEDGER_UPTO.format(size=size))) as blocks:
        for rows in blocks:
            read += _events(rows)
    return read  # (a gap or an edit among them: the child names it)


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
    with closing(ledger_blocks(session, block)) as blocks:  # an error: the rest is read
        for rows in blocks:
            first = len(leaves) + 1
            try:
                leaves += block_leaves(rows, first)
            except LeafMismatch as exc:
                raise LedgerVerificationError(str(exc)) from None
            wanted = len(rows) if size is None else min(len(rows), size - first + 1)
            if wanted > 0:  # seqs run 1, 2, … without a gap: the prefix is the first rows
                kept += _events(rows if wanted == len(rows) else rows[:wanted])
    return leaves, kept


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
