"""Monitoring windows in :class:`~signoff.store._fold.Fold`: what the portfolio reads of
them, kept as they are folded, the rest left unread.

A daily monitored portfolio records a window per production version per day — most of a
large ledger.  The portfolio needs few: each version's last window in force, the windows
of the last day, the failed ones.  The fold keeps, per window, its seq, time, end, whether
it failed and what it supersedes (a ledger prefix hands the payload over unread: these
are read from its text, ``payload.window_fields()``), and builds an event, parsing its
payload, only for those it returns — the same events
:meth:`PortfolioReads.window_events` reads from the live tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ._fold_state import FoldState
from ._portfolio_reads import EventRecord, WindowEvent
from ._project_base import Event

__all__ = ["FoldWindows", "FoldedWindow"]

#: Orders before every window end (a window without an end sorts first).
NO_END = (False, dt.datetime.min.replace(tzinfo=dt.UTC))


class FoldedWindow:
    """One ``monitor.window`` event, as much as the fold needs of it."""

    __slots__ = ("at", "e", "key", "p", "ref", "upto")

    def __init__(
        self,
        e: Event,
        p: Mapping[str, Any],
        at: dt.datetime,
        ref: str,
        end: Any,
        upto: dt.datetime,
    ) -> None:
        self.e, self.p, self.at, self.ref = e, p, at, ref
        self.key = (end, e.seq)  # the last window of a version has the highest key
        self.upto = upto  # the latest time of this window and every earlier one

    def record(self, in_force: bool) -> WindowEvent:
        """The event as the portfolio reads it (its payload parsed now)."""
        e = self.e
        return WindowEvent(
            EventRecord(e.seq, self.at, e.actor, e.action, e.subject, dict(self.p)), in_force
        )


def _fields(p: Mapping[str, Any]) -> tuple[bool, Any, Any]:
    """Whether a window payload failed (status ``error``), its end and ``supersedes``."""
    try:  # a payload handed over unread (signoff.ledger's LazyWindow): from its text
        found = p.window_fields()  # type: ignore[attr-defined]
    except AttributeError:  # parsed already (a dict)
        found = None
    if found is not None:
        return found  # type: ignore[no-any-return]
    window = p.get("window")
    end = window.get("end") if isinstance(window, Mapping) else None
    return p.get("status") == "error", end, p.get("supersedes")


class FoldWindows(FoldState):
    """The fold's monitoring windows and the read of those the portfolio needs."""

    def __init__(self) -> None:
        super().__init__()
        self.windows_: dict[int, FoldedWindow] = {}  # every window by seq, oldest first
        self.replaced: set[int] = set()  # the seqs some later window supersedes
        self.last_window: dict[str, FoldedWindow] = {}  # each version's last in force
        self.failed_windows: list[int] = []  # the seqs of windows with status error
        self._ends: dict[str, tuple[bool, dt.datetime]] = {}
        self._upto: dt.datetime | None = None

    def _end(self, end: Any) -> tuple[bool, dt.datetime]:
        """A window end as the projector parses it, ordered (cached: ends repeat)."""
        if not isinstance(end, str):
            return NO_END
        found = self._ends.get(end)
        if found is None:
            moment = dt.datetime.fromisoformat(end.replace("Z", "+00:00"))
            if moment.tzinfo is None:  # as the table refuses it
                raise ValueError("timestamps must be time-zone aware")
            found = self._ends[end] = (True, moment)
        return found

    def _window(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        failed, end, supersedes = _fields(p)
        ref = e.subject.removeprefix("version:")
        upto = self._upto
        if upto is None or upto < at:
            upto = self._upto = at
        key = self._ends.get(end) if end.__class__ is str else None  # ends repeat
        window = FoldedWindow(e, p, at, ref, self._end(end) if key is None else key, upto)
        self.windows_[e.seq] = window
        if failed:
            self.failed_windows.append(e.seq)
        last = self.last_window.get(ref)
        if last is None or last.key < window.key:
            self.last_window[ref] = window
        if supersedes is not None and supersedes in self.windows_:
            self.replaced.add(supersedes)
            old = self.windows_[supersedes]
            if self.last_window.get(old.ref) is old:  # the next one in force takes its place
                kept = [
                    w
                    for w in self.windows_.values()
                    if w.ref == old.ref and w.e.seq not in self.replaced
                ]
                self.last_window[old.ref] = max(kept, key=lambda w: w.key)

    def window_events(self, *, since: dt.datetime) -> list[WindowEvent]:
        """As :meth:`PortfolioReads.window_events`: each version's last window in force,
        those in force recorded after ``since``, every failed one; oldest first."""
        wanted = {w.e.seq for w in self.last_window.values()}
        for seq in reversed(self.windows_):  # times grow with seq: the recent ones are last
            window = self.windows_[seq]
            if window.upto <= since:  # neither it nor any earlier one is recent
                break
            if window.at > since and seq not in self.replaced:
                wanted.add(seq)
        wanted.update(self.failed_windows)
        return [self.windows_[seq].record(seq not in self.replaced) for seq in sorted(wanted)]
