"""The ``signoff`` command line: thin wrappers over the Python API."""

from __future__ import annotations

from . import (  # noqa: F401  (register commands)
    _audit,
    _inventory,
    _ledger,
    _metrics,
    _notify,
    _pack,
    _policy,
    _quickstart,
    _registry,
    _report,
    _workflow,
)
from ._app import app, run

__all__ = ["app", "main", "run"]


def main() -> None:
    """Console-script entry point."""
    run()
