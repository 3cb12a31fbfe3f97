"""What every registry service shares: the store, the clock, the acting user.

Every write goes through :meth:`RegistryBase.write`, which opens one
transaction, lets the caller change rows, and appends the ledger event in
that same transaction (DESIGN rule 5): no change without its event, no
event without its change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound, WorkflowRefused
from ..ledger._log import LedgerEvent, append_event
from ..store import ArtifactStore, Store
from ..store._models import ModelRow, RoleGrantRow, UserRow, VersionRow
from ._domain import VersionRef

__all__ = ["Clock", "RegistryBase", "utc_now"]

Clock = Callable[[], dt.datetime]
UNKNOWN_USER = "no user named {name!r}; add one with `signoff user add` (users: {known})"
READ_ONLY = "{name} holds only the auditor role, which is read-only"
UNKNOWN_MODEL = "no model named {name!r}; registered models: {known}"
UNKNOWN_VERSION = "no version {ref}; versions of {model}: {known}"


def utc_now() -> dt.datetime:
    """The wall clock, in UTC (the default clock; tests inject their own)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class RegistryBase:
    """The store, the artifact store and the clock, and the one write path."""

    def __init__(
        self, store: Store, *, artifacts: ArtifactStore | Path | None = None, clock: Clock = utc_now
    ) -> None:
        self.store = store
        if artifacts is None:
            artifacts = ArtifactStore(Path(".signoff") / "artifacts")
        self.artifacts = (
            artifacts if isinstance(artifacts, ArtifactStore) else ArtifactStore(artifacts)
        )
        self.clock = clock

    @contextmanager
    def write(self, actor: str) -> Iterator[tuple[Session, Callable[..., LedgerEvent]]]:
        """A transaction and a ``record(action, subject, payload)`` that appends the event.

        The acting user must exist and must not be read-only.
        """
        with self.store.transaction() as session:
            self._acting_user(session, actor)
            now = self.clock()

            def record(action: str, subject: str, payload: Mapping[str, Any]) -> LedgerEvent:
                return append_event(
                    session, actor=actor, action=action, subject=subject, payload=payload, at=now
                )

            yield session, record

    def _acting_user(self, session: Session, name: str) -> UserRow:
        user = self._user_row(session, name)
        roles = set(
            session.scalars(select(RoleGrantRow.role).where(RoleGrantRow.user_id == user.id))
        )
        if roles == {"auditor"}:
            raise WorkflowRefused(READ_ONLY.format(name=name))
        return user

    def _user_row(self, session: Session, name: str) -> UserRow:
        row = session.scalar(select(UserRow).where(UserRow.name == name))
        if row is None:
            known = (
                ", ".join(session.scalars(select(UserRow.name).order_by(UserRow.name)))
                or "none yet"
            )
            raise NotFound(UNKNOWN_USER.format(name=name, known=known))
        return row

    def _model_row(self, session: Session, name: str) -> ModelRow:
        row = session.scalar(select(ModelRow).where(ModelRow.name == name))
        if row is None:
            known = (
                ", ".join(session.scalars(select(ModelRow.name).order_by(ModelRow.name)))
                or "none yet"
            )
            raise NotFound(UNKNOWN_MODEL.format(name=name, known=known))
        return row

    def _version_row(self, session: Session, ref: VersionRef) -> VersionRow:
        model = self._model_row(session, ref.model)
        row = session.scalar(
            select(VersionRow).where(
                VersionRow.model_id == model.id, VersionRow.version == ref.version
            )
        )
        if row is None:
            versions = session.scalars(
                select(VersionRow.version)
                .where(VersionRow.model_id == model.id)
                .order_by(VersionRow.id)
            )
            known = ", ".join(versions) or "none yet"
            raise NotFound(UNKNOWN_VERSION.format(ref=ref, model=ref.model, known=known))
        return row
