"""The ledger as it stood at a moment: the events appended by then and their tree head.

Events are appended in time order (``seq`` and ``ts`` grow together), so the ledger
"at" a moment is a prefix: every event whose ``ts`` is not after it.  Its size and
Merkle root are what a report computed from that prefix rests on; every leaf of the
whole ledger is checked first, so an edited event is found before anything is computed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from ..store import LedgerEventRow, Store
from ._log import LedgerEvent, iter_events, leaf_hashes, timestamp
from ._merkle import root_hash

__all__ = ["LedgerPrefix", "ledger_prefix"]


@dataclass(frozen=True)
class LedgerPrefix:
    """The first ``size`` events (all of them when read), their root, and when the ledger began."""

    size: int
    root: bytes
    events: tuple[LedgerEvent, ...]
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
    with store.transaction() as session:
        leaves = leaf_hashes(session)
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
        read: tuple[LedgerEvent, ...] = ()
        if events and size:
            read = tuple(e for e in iter_events(session) if e.seq <= size)
    return LedgerPrefix(size, root_hash(leaves[:size]), read, first_ts)
