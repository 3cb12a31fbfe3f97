"""The bootstrap on two cores: this thread draws the next chunk of replicates while a
second one evaluates the chunk before.

Every use of the random generator stays on the calling thread, in the order a single
thread would make it (:func:`~._replicates.replicate_steps` draws a chunk as its iterator
advances); the second thread only builds and evaluates drawn chunks — stacks, the views'
sums, the statistics' sums — through NumPy and the compiled kernels, which release the
interpreter's lock while they work.  Results come back in chunk order, so the
replicates, and every interval, are the same to the bit with one thread or two; only
the wall-clock time changes.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from .._cores import usable_cores

__all__ = ["THREADS_ENV", "pipelined"]

#: ``1``: evaluate the replicates on the drawing thread; ``2``: on a second thread
#: whatever the cores (any other value: as the cores allow).
THREADS_ENV = "SIGNOFF_BOOTSTRAP_THREADS"
#: Drawn chunks waiting beyond the one being evaluated: memory for one more chunk.
AHEAD = 1

S = TypeVar("S")
T = TypeVar("T")


def two_threads() -> bool:
    """Whether the bootstrap uses a second thread: :data:`THREADS_ENV` set to ``1`` or
    ``2`` says; otherwise, whether this process may run on a second core."""
    setting = os.environ.get(THREADS_ENV, "").strip()
    if setting in ("1", "2"):
        return setting == "2"
    return usable_cores() >= 2


def pipelined(steps: Iterable[S], then: Callable[[S], T]) -> Iterator[T]:
    """``then(step)`` for each of ``steps``, in order: on a second thread, while this one
    takes the next step from ``steps`` (with one core: here, one after the other)."""
    if not two_threads():
        for step in steps:
            yield then(step)
        return
    with ThreadPoolExecutor(1, thread_name_prefix="signoff-bootstrap") as pool:
        pending: deque[Future[T]] = deque()
        try:
            for step in steps:  # drawn here, while the worker evaluates the chunk before
                pending.append(pool.submit(then, step))
                while len(pending) > AHEAD:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:  # stopped early or failed: nothing more is started
                future.cancel()
