"""Whether the bootstrap's compiled kernels run: numba installed and the work large enough.

The kernels (:mod:`._jit`) give the same numbers as the NumPy path, to the bit; they only
take less time.  numba is an optional extra (``pip install 'signoff[fast]'``); without it
the NumPy path runs, with no warning.  Importing numba and loading the kernels from its
cache costs about 0.45–0.5 s of CPU once per process, so they are loaded only for a bootstrap
of at least :data:`MIN_DRAWS` cell draws (replicates × non-empty cells), where they pay
for it; once loaded they serve every later bootstrap of the process.
"""

from __future__ import annotations

import os
from types import ModuleType

__all__ = ["DISABLE_ENV", "MIN_DRAWS", "for_draws", "loaded"]

#: Cell draws (replicates × non-empty cells) from which loading the kernels pays: they
#: save about 31 ns per draw (the wide benchmark set: 0.5 s of 1.18 s for 15.9M draws)
#: against about 0.45–0.5 s to import numba and load every kernel from numba's cache in a
#: fresh process (measured 2026-11-29; ``docs/performance.md``).
MIN_DRAWS = 15_000_000
#: Set to ``1`` to keep to the NumPy path even with numba installed.
DISABLE_ENV = "SIGNOFF_NO_JIT"

_jit: ModuleType | None = None
_missing = False


def loaded() -> ModuleType | None:
    """The kernels if this process has loaded them already (never loads them)."""
    return None if os.environ.get(DISABLE_ENV, "") not in ("", "0") else _jit


def for_draws(draws: int) -> ModuleType | None:
    """The kernels for a bootstrap of ``draws`` cell draws, or None for the NumPy path.

    Loads them (importing numba) when ``draws`` reaches :data:`MIN_DRAWS`, numba is
    installed and :data:`DISABLE_ENV` is not set.
    """
    global _jit, _missing
    if os.environ.get(DISABLE_ENV, "") not in ("", "0"):
        return None
    if _jit is not None or _missing or draws < MIN_DRAWS:
        return _jit
    try:
        from . import _jit as module
    except ImportError:  # the `fast` extra is not installed: NumPy does the work
        _missing = True
        return None
    except RuntimeError:  # numba finds no writable cache folder: NumPy does the work
        _missing = True
        return None
    _jit = module
    return _jit
