"""Knowing the ledger's size without asking the database for it on every read.

Every change to the registry appends a ledger event, so the ledger's size (its highest
``seq``) names the registry's state; the server's page cache is keyed by it. Asking for it
costs a round trip per page, so a :class:`LedgerWatch` learns of appends instead:

* **in this process**, at once: a transaction that appended events announces the new size
  right after it commits, to every watch on the same database (:func:`note_append` marks
  the transaction; :meth:`Store.transaction` announces);
* **from other processes** (other server workers, the CLI), on PostgreSQL: the appending
  transaction sends ``NOTIFY signoff_ledger, '<size>'``, delivered to listeners when it
  commits (never when it rolls back); each watch keeps one ``LISTEN`` connection, read by
  a thread.

The watch knows nothing (:meth:`LedgerWatch.size` is ``None``) on SQLite — other processes
write the same file and nothing tells this one — and on PostgreSQL while its listening
connection is down: the reader then asks the database, as before. A notification arrives
milliseconds after the commit, so a reader that must see a write it knows of (a person's
own, say) passes the size it needs and asks the database when the watch is behind.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

__all__ = ["CHANNEL", "LedgerWatch", "announce", "note_append", "notify_append"]

CHANNEL = "signoff_ledger"
_APPENDED = "signoff_ledger_size"
_RETRY_SECONDS = 1.0
_log = logging.getLogger(__name__)
_watches: dict[str, weakref.WeakSet[LedgerWatch]] = {}
_watches_lock = threading.Lock()


def note_append(session: Session, seq: int) -> None:
    """Mark ``session``'s transaction as having appended up to ``seq`` (the ledger calls
    this for each event it appends)."""
    session.info[_APPENDED] = max(seq, session.info.get(_APPENDED, 0))


def notify_append(session: Session) -> int | None:
    """Just before ``session`` commits: the size its transaction appended up to (None: it
    appended nothing), queued on PostgreSQL as a notification (sent when it commits)."""
    size: int | None = session.info.get(_APPENDED)
    if size is not None and session.get_bind().dialect.name == "postgresql":
        notify = text("SELECT pg_notify(:channel, :size)")
        session.execute(notify, {"channel": CHANNEL, "size": str(size)})
    return size


def announce(database: str, size: int) -> None:
    """Tell every watch on ``database`` in this process that the ledger reached ``size``."""
    with _watches_lock:
        watches = list(_watches.get(database, ()))
    for watch in watches:
        watch.saw(size)


class LedgerWatch:
    """The ledger's size as last learnt, without a query (see the module's doc)."""

    def __init__(self, engine: Engine, database: str) -> None:
        self._engine = engine
        self._listens = engine.dialect.name == "postgresql"
        self._lock = threading.Lock()
        self._latest = 0  # the highest size learnt by any means
        self._live = False  # the listener is connected: ``_latest`` is current
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_close: list[Callable[[], None]] = []
        with _watches_lock:
            _watches.setdefault(database, weakref.WeakSet()).add(self)

    def size(self) -> int | None:
        """The ledger's current size, or None when this watch cannot know it (SQLite, or the
        listening connection is down): ask the database then."""
        if not self._live:
            self._start()
            return None
        return self._latest

    def latest(self) -> int:
        """The highest size learnt so far (a lower bound of the current size)."""
        return self._latest

    def saw(self, size: int) -> None:
        """The ledger has at least ``size`` events (learnt from a commit or a read)."""
        with self._lock:
            if size > self._latest:
                self._latest = size

    def _start(self) -> None:
        if not self._listens or self._stop.is_set():
            return
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._listen, name="signoff-ledger-watch")
            self._thread.daemon = True
            self._thread.start()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen_once()
            except Exception as exc:  # any failure: readers ask the database until it is back
                _log.warning("ledger watch: listening failed (%s); retrying", exc)
            self._live = False
            self._stop.wait(_RETRY_SECONDS)

    def _listen_once(self) -> None:
        raw = self._engine.raw_connection()
        connection: Any = raw.driver_connection
        raw.detach()  # this connection is ours for good, never back in the pool
        try:
            connection.autocommit = True
            connection.execute(f"LISTEN {CHANNEL}")  # first: no append is missed after it
            row = connection.execute("SELECT max(seq) FROM ledger_events").fetchone()
            self.saw(int(row[0] or 0))
            self._live = True
            while not self._stop.is_set():
                for note in connection.notifies(timeout=0.25):
                    self.saw(int(note.payload))
        finally:
            self._live = False
            connection.close()

    def on_close(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` when the store is disposed, before its connections close (a cache
        stops its background work, which may hold one)."""
        self._on_close.append(hook)

    def close(self) -> None:
        """Stop listening (the store is being disposed)."""
        for hook in self._on_close:
            hook()
        self._stop.set()
        self._live = False
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
