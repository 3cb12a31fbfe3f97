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

__all__ = ["is_short_lived", "keep_until_exit", "mark_long_lived", "mark_short_lived", "paused_gc"]

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


# -- a short-lived process keeps its bulk reads until it ends -----------------------------
_short_lived = False
_kept: list[object] = []


def mark_short_lived() -> None:
    """Mark this process as one command that ends when done (the ``signoff`` console
    script, which ends without tearing down the interpreter: ``signoff.cli._exit``)."""
    global _short_lived
    _short_lived = True


def is_short_lived() -> bool:
    """Whether :func:`mark_short_lived` marked this process (and nothing undid it)."""
    return _short_lived


def mark_long_lived() -> None:
    """Undo :func:`mark_short_lived`: this process serves (``signoff serve`` in the
    console script's process), so bulk reads are freed as usual from now on."""
    global _short_lived
    _short_lived = False
    _kept.clear()


def keep_until_exit(*objects: object) -> None:
    """In a short-lived process, keep ``objects`` (a bulk read done with) alive until the
    process ends, and move them out of the cyclic collector's sight (``gc.freeze``).

    Freeing two hundred thousand ledger events one by one, and the collector's walk over
    them once it resumes, cost about a sixth of a second of ``portfolio --at`` — work the
    process's end makes moot, as it ends without freeing anything.  A long-lived process
    (the server, an application, tests) frees them as usual: nothing happens here.
    """
    if _short_lived:
        _kept.extend(objects)
        gc.freeze()
