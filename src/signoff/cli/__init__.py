"""The ``signoff`` command line: thin wrappers over the Python API."""

from __future__ import annotations

from . import _audit, _inventory, _ledger, _metrics, _policy, _quickstart, _registry  # noqa: F401
from ._app import app, run

__all__ = ["app", "main", "run"]


def main() -> None:
    """Console-script entry point."""
    run()
