"""The ``signoff`` command line: thin wrappers over the Python API."""

from __future__ import annotations

# isort: off
# Each module registers its commands; the import order is the order of the help panels:
# start here, audit, policy, registry, workflow, ledger.
from . import _quickstart, _audit, _report, _pack, _metrics, _policy  # noqa: F401
from . import _registry, _db, _users, _inventory, _workflow, _governance, _notify, _ledger  # noqa: F401
from . import _ledger_events  # noqa: F401
from . import _monitor, _monitor_views, _portfolio, _regulatory, _server  # noqa: F401
from . import _tokens, _writer_key, _remote  # noqa: F401

# isort: on
from ._app import app, app_for, run
from ._app import short_lived_process as _short_lived_process
from ._exit import exit_now as _exit_now

__all__ = ["app", "app_for", "console", "main", "run"]


def main() -> None:
    """Run one command as the console script does (raises ``SystemExit`` with its code)."""
    _short_lived_process()
    run()


def console() -> None:
    """The ``signoff`` console script: :func:`main`, then the process ends at once
    (without tearing down the interpreter: see ``signoff.cli._exit``)."""
    try:
        main()
    except SystemExit as done:
        _exit_now(done.code)
    _exit_now(0)
