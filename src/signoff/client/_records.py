"""The server's JSON as the objects the CLI renders: attribute access like the core's
records, times as datetimes, and ``as_plain()`` giving back exactly what ``--json``
prints locally (the server's JSON of a record is the CLI's: one ``plain`` shape)."""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["Record", "RemoteCR", "RollbackRecord", "VersionRecord", "records"]

#: Fields holding a moment (``created_at``, ``until`` …) come back as datetimes.
_MOMENTS = frozenset({"until", "at"})


def _moment(name: str, value: Any) -> Any:
    if isinstance(value, str) and (name.endswith("_at") or name in _MOMENTS):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


class Record:
    """One record of the server's JSON (a model, a version, a waiver …)."""

    #: Keys the server adds for its own clients, not part of the CLI's JSON.
    EXTRA: tuple[str, ...] = ()

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        try:
            value = self._data[name]
        except KeyError:
            raise AttributeError(name) from None
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            return tuple(Record(v) for v in value)
        if isinstance(value, list):
            return tuple(value)
        return _moment(name, value)

    def fields(self) -> dict[str, Any]:
        """Every field, as attribute access gives it (the core record's ``__dict__``)."""
        return {k: getattr(self, k) for k in self._data if k not in self.EXTRA}

    def as_plain(self) -> dict[str, Any]:
        """The record as the CLI's ``--json`` prints it."""
        return {k: v for k, v in self._data.items() if k not in self.EXTRA}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"


class RemoteCR(Record):
    """A change request: also ``outstanding()`` and ``emergency`` as the core's has them."""

    EXTRA = ("outstanding", "ready", "etag")

    def outstanding(self) -> list[dict[str, Any]]:
        """Required roles still short of approvals: ``{role, needed, have}``."""
        found: list[dict[str, Any]] = self._data.get("outstanding", [])
        return found

    @property
    def emergency(self) -> dict[str, Any] | None:
        """Incident, reason, expiry and review deadline of a break-glass change."""
        found: dict[str, Any] | None = (self._data.get("details") or {}).get("emergency")
        return found

    @property
    def etag(self) -> str:
        """The revision the server showed (for If-Match)."""
        return str(self._data["etag"])


class VersionRecord(Record):
    """A model version: also ``ref``, ``MODEL@VERSION`` as the core's has it."""

    EXTRA = ("id",)

    @property
    def ref(self) -> str:
        """``MODEL@VERSION``."""
        return f"{self._data['model']}@{self._data['version']}"


class RollbackRecord(Record):
    """Where production stands after a rollback: ``MODEL@VERSION``."""

    def __str__(self) -> str:
        return f"{self._data['model']}@{self._data['version']}"


def records(items: list[dict[str, Any]], kind: type[Record] = Record) -> list[Any]:
    """A list of the server's JSON records."""
    return [kind(item) for item in items]
