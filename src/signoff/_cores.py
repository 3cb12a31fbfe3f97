"""How many CPU cores this process may run on: the second core is what the ledger's
check in a child process (``signoff.ledger``) and the bootstrap's second thread
(``signoff.evidence``) need."""

from __future__ import annotations

import os

__all__ = ["usable_cores"]


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity; off Linux, the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover — not on Linux
        return os.cpu_count() or 1
