"""What the pages read, kept per worker and keyed by the ledger's tree size.

Every change to the registry appends a ledger event, so the tree size names the state a
page was computed from: a page read again at the same size (and in the same minute — a
waiver lapses, an emergency change expires, with the clock) is the same page. The size is
read *before* the computation, so a value is never older than its key; a write from any
worker changes the size and so every key. Nothing is kept outside the database that the
database does not decide (the workers stay stateless): a cache miss recomputes.

A request reads the state once (:meth:`PageCache.state`, kept on the request): the
signed-in person's record and the page's data are then both taken at that state, one
query in all when both are cached. Concurrent misses of one key wait for the first to
compute it (a new event makes fifty readers ask for the same page at once: it is computed
once per worker, not fifty times).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from starlette.requests import Request

from .._api import Signoff

__all__ = ["PageCache"]

T = TypeVar("T")
State = tuple[int, str]
STATE_KEY = "signoff_state"


class PageCache:
    """A small LRU of page data keyed by ``(key…, tree size, minute)``."""

    def __init__(self, api: Signoff, *, entries: int = 256) -> None:
        self._api = api
        self._entries = entries
        self._values: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
        self._flights: dict[tuple[Hashable, ...], threading.Lock] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _read_state(self) -> State:
        with self._api.core.read() as repo:
            size = repo.ledger_size()
        minute = self._api.core.clock().strftime("%Y-%m-%dT%H:%M")
        return size, minute

    def state(self, request: Request | None = None) -> State:
        """The registry's state (tree size, minute): read once per request."""
        if request is None:
            return self._read_state()
        kept: dict[str, Any] = request.scope.setdefault("state", {})
        if STATE_KEY not in kept:
            kept[STATE_KEY] = self._read_state()
        found: State = kept[STATE_KEY]
        return found

    def _lookup(self, full: tuple[Hashable, ...]) -> tuple[bool, Any]:
        with self._lock:
            if full in self._values:
                self._values.move_to_end(full)
                self.hits += 1
                return True, self._values[full]
        return False, None

    def get(
        self, key: tuple[Hashable, ...], compute: Callable[[], T], request: Request | None = None
    ) -> T:
        """The value for ``key`` at the registry's current state, computed when absent
        (once: a concurrent request for the same key waits for it)."""
        full = (*key, *self.state(request))
        found, value = self._lookup(full)
        if found:
            return value  # type: ignore[no-any-return]
        with self._lock:
            flight = self._flights.setdefault(full, threading.Lock())
        with flight:
            found, value = self._lookup(full)
            if found:
                return value  # type: ignore[no-any-return]
            try:
                value = compute()
                with self._lock:
                    self.misses += 1
                    self._values[full] = value
                    while len(self._values) > self._entries:
                        self._values.popitem(last=False)
            finally:
                with self._lock:
                    self._flights.pop(full, None)
        return value
