"""Leave a finished command's process without tearing down the interpreter.

When ``signoff portfolio`` has printed its table, CPython's finalisation still clears
every module and frees every object one by one — SQLAlchemy's, NumPy's, the frozen
heap (see :func:`~signoff.cli._app.settle_imports`): about 0.2 s of CPU on a registry
command, every run, for nothing the person sees. The console script ends instead as
``os._exit`` does, once what finalisation would still do for the person is done: the
output streams are flushed (a failed flush of stdout is exit 120, as CPython's own) and
the ``atexit`` functions run (logging, temporary files). Database connections are
already released when a command ends (``on_exit``). A process with another
non-daemon thread still running exits the ordinary way, which waits for it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading

__all__ = ["exit_now"]

#: CPython's exit status when flushing stdout fails at exit.
FLUSH_FAILED = 120


def exit_now(code: object) -> None:
    """End the process with ``code`` (``SystemExit.code``): at once, or ordinarily."""
    main = threading.main_thread()
    busy = any(t is not main and t.is_alive() and not t.daemon for t in threading.enumerate())
    if busy or not (code is None or isinstance(code, int)):
        raise SystemExit(code)  # waits for the threads; a text code is printed
    status = code or 0
    try:
        sys.stdout.flush()
    except (OSError, ValueError):  # a closed pipe (`signoff … | head`), a closed stream
        status = status or FLUSH_FAILED
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    atexit._run_exitfuncs()  # what finalisation would run first
    os._exit(status)
