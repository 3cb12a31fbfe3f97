"""What the portfolio needs of the numerous payloads — an audit's id; a monitoring window's
status, end and the window it supersedes — read from their canonical JSON text, when that
is certain to be what parsing gives (anything else is parsed), and :class:`LazyPayload`,
a payload parsed only when a reader asks for more."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["LazyAudit", "LazyPayload", "LazyWindow"]

#: An audit's id as canonical JSON writes it, after its key (``"audit_id":``).
AUDIT_ID = re.compile(r"(0|[1-9][0-9]*)[,}]")
#: How a ``monitor.window`` payload ends in canonical JSON (sorted keys): its status, the
#: window it supersedes, its version and its window — the last top-level members, as no
#: quote in it is escaped.  (The two times: a string without quote or backslash, or null.)
WINDOW_TAIL = re.compile(
    r',"status":"([^"\\]*)","supersedes":(null|0|[1-9][0-9]*),"version":"[^"\\]*",'
    r'"window":\{"end":(?:"([^"\\]*)"|null),"start":(?:"[^"\\]*"|null)\}\}'
)


def _window(payload: str) -> dict[str, Any] | None:
    """What the fold reads of a ``monitor.window`` payload — whether it failed (status
    ``error``), its window's end, the window it supersedes — from its text, when that is
    certain to be what parsing gives: it ends as :data:`WINDOW_TAIL` says (``monitor run``
    writes every one so).  As every quote there is a string's own, those are the payload's
    last top-level members, so parsing reads the same (a duplicate key: the last one).
    None: parse the payload instead."""
    fields = _window_fields(payload)
    if fields is None:
        return None
    failed, end, supersedes = fields
    return {"failed": failed, "window.end": end, "supersedes": supersedes}


def _window_fields(payload: str) -> tuple[bool, str | None, int | None] | None:
    """:func:`_window`'s answer as ``(failed, end, supersedes)`` (what the fold reads of
    each of a large ledger's windows), or None."""
    at = payload.rfind(',"status":"')
    found = None if at < 0 else WINDOW_TAIL.fullmatch(payload, at)
    if found is None:
        return None
    status, supersedes, end = found.groups()
    return status == "error", end, None if supersedes == "null" else int(supersedes)


def _audit_id(payload: str) -> dict[str, Any] | None:
    """An ``audit.attached`` payload's ``audit_id`` read from its text without parsing it,
    when that is certain to be what parsing gives: the key appears once (and no ``\\u``
    escape could spell another), as a key (its quotes are a string's own: after ``{`` or
    ``,``, before ``:``), with a plain non-negative integer — the top-level member every
    audit has (the projector requires it).  None: parse the payload instead."""
    if "\\" in payload and "\\u" in payload:  # most have no backslash: one quick scan
        return None
    at = payload.find('"audit_id"')
    if (
        at < 1
        or payload[at - 1] not in "{,"
        or payload[at + 10 : at + 11] != ":"
        or payload.find('"audit_id"', at + 1) >= 0
    ):
        return None
    found = AUDIT_ID.match(payload, at + 11)
    if found is None:
        return None
    return {"audit_id": int(found[1])}


#: A peek not read yet (:attr:`LazyPayload.peek` reads it on first use).
_UNREAD: Mapping[str, Any] = {}


class LazyPayload(Mapping[str, Any]):
    """An event's payload (canonical JSON text, its leaf hash checked) parsed on first use;
    ``peek``: what its text says without parsing it, read on first use too (empty: the
    text alone cannot say for certain, so a reader parses).  Nothing is read of most of a
    large ledger's payloads until a reader asks: the portfolio needs few of them."""

    __slots__ = ("_parsed", "_peek", "_text")

    def __init__(self, text: str) -> None:
        self._text, self._peek = text, _UNREAD
        self._parsed: dict[str, Any] | None = None

    @staticmethod
    def _read(payload: str) -> dict[str, Any] | None:
        """What this kind of payload's text says (None: parse it instead)."""
        return None

    @property
    def peek(self) -> Mapping[str, Any]:
        """What was read of the text (``audit_id``; whether a window ``failed``, its
        ``window.end`` and ``supersedes``), or empty when the payload must be parsed."""
        if self._peek is _UNREAD:
            self._peek = self._read(self._text) or {}
        return self._peek

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


class LazyAudit(LazyPayload):
    """An ``audit.attached`` payload: its ``audit_id`` read from the text when first asked."""

    __slots__ = ()
    _read = staticmethod(_audit_id)


class LazyWindow(LazyPayload):
    """A ``monitor.window`` payload: whether it failed, its end and what it supersedes read
    from the text when first asked."""

    __slots__ = ()
    _read = staticmethod(_window)

    def window_fields(self) -> tuple[bool, str | None, int | None] | None:
        """Whether the window failed, its end and what it supersedes, read from the text
        (None: the text alone cannot say: parse)."""
        return _window_fields(self._text)
