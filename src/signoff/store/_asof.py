"""The registry as it stood after a prefix of the ledger: its events replayed into an
empty in-memory database by the same projector that keeps the live tables, and a
:class:`Repository` over the result.

Every table but the ledger is a function of the ledger's events, so the replay is the
registry on that date — computed from the ledger alone, whatever the live tables say.
A :class:`Replay` moves forward only: apply events up to one date, read, apply more,
read again.  It costs about a millisecond per event (one statement per row), so the
portfolio folds the events in memory instead (:class:`~signoff.store.Fold`); a test checks
the fold reads the same records as this replay at every cut of a seeded ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from .._canonical import canonical_json
from ._models import Base, LedgerEventRow
from ._project import apply_event
from ._repo import Repository

__all__ = ["Replay", "replayed"]


class Replay:
    """An in-memory registry that ledger events are applied to, in order."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.repo = Repository(session)
        #: The seq of the last event applied (0: none yet).
        self.seq = 0

    def apply(self, events: Iterable[Any]) -> None:
        """Apply ledger events (``seq``, ``ts``, ``actor``, ``action``, ``subject``,
        ``payload``, ``leaf_hash``), oldest first; the ledger table holds them too, so reads
        of facts that are only events (rollbacks, monitoring windows) see the same prefix."""
        for event in events:
            self._session.add(
                LedgerEventRow(
                    seq=event.seq,
                    ts=event.ts,
                    actor=event.actor,
                    action=event.action,
                    subject=event.subject,
                    payload=canonical_json(dict(event.payload)).decode("utf-8"),
                    leaf_hash=event.leaf_hash,
                )
            )
            apply_event(self._session, event)
            self.seq = event.seq
        self._session.flush()


@contextmanager
def replayed(events: Iterable[Any] = ()) -> Iterator[Replay]:
    """A :class:`Replay` with ``events`` applied (more can follow with ``apply``)."""
    engine = create_engine("sqlite://", poolclass=StaticPool)
    Base.metadata.create_all(engine)
    try:
        with Session(engine) as session:
            replay = Replay(session)
            replay.apply(events)
            yield replay
    finally:
        engine.dispose()
