"""The cyclic garbage collector held off while a bulk read builds many small objects.

Reading two hundred thousand ledger events makes a million small objects (tuples, strings,
records) and no reference cycles; CPython's collector, triggered every few hundred
allocations, walks all of them again and again — half the time of the portfolio at that
size.  Reference counting still frees everything; only the search for cycles waits until
the read is done.  Re-entrant and thread-safe: the collector resumes when the last holder
leaves (and only if it was running when the first came in).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the block with the cyclic garbage collector paused."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
