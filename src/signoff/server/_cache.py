"""What the pages read, kept per worker and keyed by the ledger's tree size.

Every change to the registry appends a ledger event, so the tree size names the state a
page was computed from: a page read again at the same size (and in the same minute — a
waiver lapses, an emergency change expires, with the clock) is the same page. The size is
read *before* the computation, so a value is never older than its key; a write from any
worker changes the size and so every key. Nothing is kept outside the database that the
database does not decide (the workers stay stateless): a cache miss recomputes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from .._api import Signoff

__all__ = ["PageCache"]

T = TypeVar("T")


class PageCache:
    """A small LRU of page data keyed by ``(key…, tree size, minute)``."""

    def __init__(self, api: Signoff, *, entries: int = 256) -> None:
        self._api = api
        self._entries = entries
        self._values: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _state(self) -> tuple[int, str]:
        with self._api.core.read() as repo:
            size = repo.ledger_size()
        minute = self._api.core.clock().strftime("%Y-%m-%dT%H:%M")
        return size, minute

    def get(self, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        """The value for ``key`` at the registry's current state, computed when absent."""
        full = (*key, *self._state())
        with self._lock:
            if full in self._values:
                self._values.move_to_end(full)
                self.hits += 1
                found: T = self._values[full]
                return found
        value = compute()
        with self._lock:
            self.misses += 1
            self._values[full] = value
            while len(self._values) > self._entries:
                self._values.popitem(last=False)
        return value
