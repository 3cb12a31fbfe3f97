"""What every service shares: the store, the artifact store, the clock — and the one
write path, a :class:`Unit` of work.

A unit takes the registry's write lock *before* it reads anything, checks that the
acting user exists and may write, and then lets the service read (typed records
from a :class:`~signoff.store.Repository`) and :meth:`Unit.emit` events.  Emitting
appends the ledger event and applies it to the tables in the same transaction
(DESIGN rule 5): services never see a session or a row, and cannot change a table
except by recording why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from ..errors import WorkflowRefused
from ..ledger import ACTOR_SIGNATURE, LedgerEvent, append_event, sign_action
from ..store import (
    ArtifactStore,
    OutboxEntry,
    Repository,
    Store,
    User,
    add_to_outbox,
    keep_document,
)

__all__ = [
    "SYSTEM_ACTOR",
    "Clock",
    "Core",
    "OnCore",
    "Unit",
    "deactivated_refusal",
    "read_only_refusal",
    "utc_now",
]

Clock = Callable[[], dt.datetime]
T = TypeVar("T")
DEACTIVATED = (
    "{name}'s access was removed on {at} (`signoff user deactivate`): they can no longer "
    "act or sign in"
)
READ_ONLY = "{name} holds only read-only roles ({roles}) and cannot change the registry"
NO_ROLE = (
    "{name} holds no role and cannot change the registry (least privilege: reading needs "
    "none); an admin grants one with `signoff user grant`"
)
#: The actor of events signoff records on its own (an overdue review it noticed).
SYSTEM_ACTOR = "signoff"
#: Roles that can read everything and change nothing.
READ_ONLY_ROLES = frozenset({"auditor"})


def read_only_refusal(name: str, roles: Sequence[str]) -> str | None:
    """Why a person holding ``roles`` may not change the registry (``None``: they may).

    Only roles that write grant writing: a person with no role — never granted one, or
    removed from every group the identity provider maps — reads, like an auditor."""
    if not roles:
        return NO_ROLE.format(name=name)
    if set(roles) <= READ_ONLY_ROLES:
        return READ_ONLY.format(name=name, roles=", ".join(roles))
    return None


def deactivated_refusal(user: User) -> str | None:
    """Why ``user`` may neither act nor sign in: their access was removed (None: it was not)."""
    if user.deactivated_at is None:
        return None
    at = user.deactivated_at.isoformat().replace("+00:00", "Z")
    return DEACTIVATED.format(name=user.name, at=at)


def utc_now() -> dt.datetime:
    """The wall clock, in UTC, whole seconds (the default clock; tests inject their own)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass
class Unit:
    """One write transaction: typed reads, and events that change the tables."""

    repo: Repository
    actor: str
    now: dt.datetime
    _session: Session
    #: The acting person's private key, when they sign their actions (``signatures:
    #: required`` in the governance makes it mandatory).
    signing_key: str | None = None
    #: The writer's private key (the server's): every event carries its signature.
    writer_key: str | None = None
    #: Every event this unit appended, in order (housekeeping reads them before commit).
    emitted: list[LedgerEvent] = field(default_factory=list)

    def emit(
        self, action: str, subject: str, payload: Mapping[str, Any], *, actor: str | None = None
    ) -> LedgerEvent:
        """Append the event (and apply it to the tables) in this transaction."""
        who = actor or self.actor
        if self.signing_key is not None and who == self.actor and who != SYSTEM_ACTOR:
            signature = sign_action(who, action, subject, payload, self.signing_key)
            payload = {**payload, ACTOR_SIGNATURE: signature}
        event = append_event(
            self._session,
            actor=who,
            action=action,
            subject=subject,
            payload=payload,
            at=self.now,
            writer_key=self.writer_key,
        )
        self.emitted.append(event)
        return event

    def read_ledger(self, query: Callable[[Session], T]) -> T:
        """Run a read of the raw ledger (a ``signoff.ledger`` function) in this transaction."""
        return query(self._session)

    def queue(self, entries: Sequence[OutboxEntry]) -> int:
        """Write notifications to the outbox in this transaction (with the event they announce)."""
        return add_to_outbox(self._session, entries)

    def keep(self, kind: str, body: bytes) -> str:
        """Store monitoring evidence (canonical JSON) under its SHA-256 in this
        transaction; an event cites the returned hash."""
        return keep_document(self._session, kind, body)


class Core:
    """The store, the artifact store and the clock; reads and units of work over them."""

    def __init__(
        self,
        store: Store,
        *,
        artifacts: ArtifactStore | Path | None = None,
        clock: Clock = utc_now,
        signing_key: str | None = None,
        writer_key: str | None = None,
    ) -> None:
        self.store = store
        #: The private key of whoever acts through this core (see :class:`Unit`).
        self.signing_key = signing_key
        #: The writer's private key: set, every event appended carries its signature (the
        #: server sets it; see ``signoff.ledger.verify_writer``).
        self.writer_key = writer_key
        if artifacts is None:
            artifacts = Path(".signoff") / "artifacts"
        self.artifacts = (
            artifacts if isinstance(artifacts, ArtifactStore) else ArtifactStore(artifacts)
        )
        self.clock = clock
        #: Called with each unit just before it commits (the workflow's housekeeping).
        self.before_commit: list[Callable[[Unit], None]] = []
        #: Called after each unit commits (delivering notifications, say).
        self.after_commit: list[Callable[[], None]] = []

    def record_refusal(
        self, actor: str, action: str, subject: str, payload: Mapping[str, Any]
    ) -> None:
        """Record what the workflow refused, in its own transaction (the refused one rolled
        back); an unknown actor is refused before anything happened, so nothing is recorded.
        """
        with self.store.transaction(write=True) as session:
            user = Repository(session).find_user(actor)
            if user is not None:
                append_event(
                    session,
                    actor=user.name,
                    action=action,
                    subject=subject,
                    payload=payload,
                    at=self.clock(),
                    writer_key=self.writer_key,
                )

    @contextmanager
    def read(self) -> Iterator[Repository]:
        """A read-only view in one transaction."""
        with self.store.transaction() as session:
            yield Repository(session)

    @contextmanager
    def write(self, actor: str | None, *, check_actor: bool = True) -> Iterator[Unit]:
        """A unit of work acting as ``actor``, under the write lock from its first read.

        ``actor`` must be a registered user who holds a role that may write (no role, or
        only read-only ones, is refused: :func:`read_only_refusal`); the
        unit's ``actor`` is the user's canonical name (``Alice`` acts as ``alice``).
        """
        with self.store.transaction(write=True) as session:
            repo = Repository(session)
            name = actor or SYSTEM_ACTOR
            if check_actor and actor is not None:
                user = repo.user(actor)
                refusal = deactivated_refusal(user) or read_only_refusal(user.name, user.roles)
                if refusal is not None:
                    raise WorkflowRefused(refusal)
                name = user.name
            unit = Unit(repo, name, self.clock(), session, self.signing_key, self.writer_key)
            yield unit
            for hook in self.before_commit:
                hook(unit)
            session.flush()
        for after in self.after_commit:
            after()


class OnCore:
    """What a facade over a :class:`Core` (the registry, the workflow) gives of it."""

    core: Core

    @property
    def store(self) -> Store:
        """The database."""
        return self.core.store

    @property
    def artifacts(self) -> ArtifactStore:
        """The content-addressed file store."""
        return self.core.artifacts

    @property
    def clock(self) -> Clock:
        """The injected clock."""
        return self.core.clock
