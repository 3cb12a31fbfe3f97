"""What every projector handler shares: the event protocol and name → id lookups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ._models import ModelRow, UserRow, VersionRow

__all__ = ["Event", "cr_number", "event_time", "model_id", "number", "user_id", "version_id"]


class Event(Protocol):
    """What the projector reads of a ledger event."""

    @property
    def seq(self) -> int: ...
    @property
    def ts(self) -> str: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def payload(self) -> Mapping[str, Any]: ...


def event_time(ts: str) -> dt.datetime:
    """The event's ``ts`` (``2026-01-05T09:00:00Z``) as an aware datetime."""
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))


def user_id(session: Session, name: str) -> int:
    found = session.scalar(select(UserRow.id).where(UserRow.name == name))
    assert found is not None, f"projector: no user {name!r}"
    return found


def model_id(session: Session, name: str) -> int:
    found = session.scalar(select(ModelRow.id).where(ModelRow.name == name))
    assert found is not None, f"projector: no model {name!r}"
    return found


def version_id(session: Session, ref: str) -> int:
    model, _, version = ref.removeprefix("version:").partition("@")
    found = session.scalar(
        select(VersionRow.id)
        .join(ModelRow, ModelRow.id == VersionRow.model_id)
        .where(ModelRow.name == model, VersionRow.version == version)
    )
    assert found is not None, f"projector: no version {ref!r}"
    return found


def cr_number(subject: str) -> int:
    return int(subject.removeprefix("CR-"))


def number(text: str) -> int:
    return int(str(text).split("-")[-1])
