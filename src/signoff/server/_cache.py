"""What the pages read, kept per worker and keyed by the ledger's tree size.

Every change to the registry appends a ledger event, so the tree size names the state a
page was computed from: a page read again at the same size (and in the same minute — a
waiver lapses, an emergency change expires, with the clock) is the same page. Nothing is
kept outside the database that the database does not decide (the workers stay
stateless): a cache miss recomputes.

**The size without a query.** The store's ledger watch learns every append: this
process's at once (on commit), other processes' by PostgreSQL ``LISTEN``/``NOTIFY``
(milliseconds later). While it knows the size, a cached page costs no database round trip
at all; where it cannot know (SQLite, or the listening connection is down) the size is
read, one query, as before. **Read-your-writes:** a person's session carries the size
after their last write (:func:`mark_write`); a worker whose watch has not yet heard of it
reads the size from the database, so a person's next page always shows their own write.

A request reads the state once (kept on the request): the signed-in person's record and
the page's data are both taken at that state. Concurrent misses of one key wait for the
first to compute it (a new event makes fifty readers ask for the same page at once: it is
computed once per worker, not fifty times). **The minute's roll-over** (same tree size, a
new minute) serves the previous minute's value while one background thread computes the
new ones, one at a time — a new ledger event is never hidden that way, only a clock tick.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from starlette.requests import Request

from .._api import Signoff

__all__ = ["WRITTEN", "PageCache", "mark_write"]

T = TypeVar("T")
State = tuple[int, str]
STATE_KEY = "signoff_state"
#: The session's field holding the ledger size after the person's last write.
WRITTEN = "w"
_MISSING = object()


def _floor(request: Request | None) -> int:
    """The size the person asking must see (their own last write), 0 when none."""
    if request is None or "session" not in request.scope:
        return 0
    written = request.scope["session"].get(WRITTEN, 0)
    return written if isinstance(written, int) else 0


class PageCache:
    """A small LRU of page data keyed by ``(key…, tree size, minute)``."""

    def __init__(self, api: Signoff, *, entries: int = 256) -> None:
        self._api = api
        self._watch = api.core.store.watch
        self._entries = entries
        self._values: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
        #: each key's newest value: (its state, the value, how it was computed)
        self._latest: OrderedDict[tuple[Hashable, ...], tuple[State, Any, Callable[[], Any]]]
        self._latest = OrderedDict()
        self._flights: dict[tuple[Hashable, ...], threading.Lock] = {}
        self._lock = threading.Lock()
        self._refresher: ThreadPoolExecutor | None = None
        self._closed = False
        self._watch.on_close(self.close)  # the store's disposal waits for a refresh to end
        self.hits = 0
        self.misses = 0
        self.stale = 0  # answers from the previous minute while the next one computed
        self.size_reads = 0  # tree sizes read from the database (the watch did not know)

    def _minute(self) -> str:
        return self._api.core.clock().strftime("%Y-%m-%dT%H:%M")

    def _known(self, request: Request | None) -> State | None:
        """The state without a query (None: the database must be asked)."""
        if request is not None:
            kept = request.scope.get("state", {}).get(STATE_KEY)
            if kept is not None:
                found: State = kept
                return found
        size = self._watch.size()
        if size is None or size < _floor(request):
            return None
        return self._keep(request, (size, self._minute()))

    def _keep(self, request: Request | None, state: State) -> State:
        if request is not None:
            request.scope.setdefault("state", {})[STATE_KEY] = state
        return state

    def state(self, request: Request | None = None) -> State:
        """The registry's state (tree size, minute): learnt once per request, read from
        the database only when the watch does not know it."""
        known = self._known(request)
        if known is not None:
            return known
        with self._api.core.read() as repo:
            size = repo.ledger_size()
        self._watch.saw(size)
        with self._lock:
            self.size_reads += 1
        return self._keep(request, (size, self._minute()))

    def written(self) -> int:
        """A size at least that of every write this process has committed."""
        return self._watch.latest()

    def _lookup(self, full: tuple[Hashable, ...]) -> Any:
        with self._lock:
            if full in self._values:
                self._values.move_to_end(full)
                self.hits += 1
                return self._values[full]
        return _MISSING

    def _stale(self, key: tuple[Hashable, ...], state: State) -> Any:
        """The value of ``key`` at the same tree size in an earlier minute (or _MISSING),
        its next value set computing in the background."""
        with self._lock:
            found = self._latest.get(key)
            if found is None or found[0][0] != state[0] or found[0][1] >= state[1]:
                return _MISSING
            if self._closed:
                return _MISSING
            self.stale += 1
            full = (*key, *state)
            if full not in self._flights:
                self._flights[full] = threading.Lock()
                self._background().submit(self._refresh, key, state, found[2])
            return found[1]

    def _background(self) -> ThreadPoolExecutor:
        """One thread per worker recomputes values the minute made stale, one at a time (a
        hundred CR pages turning over at once must not take the worker's CPU at once)."""
        if self._refresher is None:
            self._refresher = ThreadPoolExecutor(1, thread_name_prefix="signoff-page-refresh")
        return self._refresher

    def close(self) -> None:
        """Stop the background refreshes, waiting for one under way (it holds a database
        connection) — the store calls this before it closes its connections."""
        with self._lock:
            self._closed = True
            refresher, self._refresher = self._refresher, None
        if refresher is not None:
            refresher.shutdown(wait=True, cancel_futures=True)

    def _refresh(self, key: tuple[Hashable, ...], state: State, compute: Callable[[], Any]) -> None:
        try:
            self._compute(key, state, compute)
        except Exception:  # the next reader computes it and meets the error itself
            with self._lock:
                self._latest.pop(key, None)
        finally:
            with self._lock:
                self._flights.pop((*key, *state), None)

    def peek(self, key: tuple[Hashable, ...], request: Request) -> Any:
        """The value for ``key`` if it can be had without the database or a computation
        (None: call :meth:`get`, off the event loop). Values are never None."""
        state = self._known(request)
        if state is None:
            return None
        value = self._lookup((*key, *state))
        if value is _MISSING:
            value = self._stale(key, state)
        return None if value is _MISSING else value

    def get(
        self, key: tuple[Hashable, ...], compute: Callable[[], T], request: Request | None = None
    ) -> T:
        """The value for ``key`` at the registry's current state, computed when absent
        (once: a concurrent request for the same key waits for it)."""
        state = self.state(request)
        full = (*key, *state)
        value = self._lookup(full)
        if value is _MISSING:
            value = self._stale(key, state)  # a new minute only: the next one computes
        if value is not _MISSING:
            return value  # type: ignore[no-any-return]
        with self._lock:
            flight = self._flights.setdefault(full, threading.Lock())
        try:
            with flight:
                value = self._lookup(full)
                if value is _MISSING:
                    value = self._compute(key, state, compute)
                return value  # type: ignore[no-any-return]
        finally:
            with self._lock:
                self._flights.pop(full, None)

    def _compute(self, key: tuple[Hashable, ...], state: State, compute: Callable[[], Any]) -> Any:
        value = compute()
        with self._lock:
            self.misses += 1
            self._values[(*key, *state)] = value
            self._latest[key] = (state, value, compute)
            self._latest.move_to_end(key)
            while len(self._values) > self._entries:
                self._values.popitem(last=False)
            while len(self._latest) > self._entries:
                self._latest.popitem(last=False)
        return value


def mark_write(session: dict[str, Any], cache: PageCache) -> None:
    """After a person's write: their session carries a size at least their write's, so
    their next page, on any worker, shows it."""
    if "user" in session:
        session[WRITTEN] = max(cache.written(), _floor_of(session))


def _floor_of(session: dict[str, Any]) -> int:
    written = session.get(WRITTEN, 0)
    return written if isinstance(written, int) else 0
