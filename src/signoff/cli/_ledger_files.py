"""What the ledger commands read from files: an audit folder's results.json."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import InputError
from ._files import UNREADABLE

__all__ = ["NOT_ATTACHED", "results_digest"]

NOT_ATTACHED = (
    "no audit.attached event in the ledger records this results.json (SHA-256 {digest}…); "
    "attach the audit first (`signoff audit … --register MODEL@VERSION`)"
)


def results_digest(folder: Path) -> tuple[Path, str]:
    """``folder/results.json`` and the SHA-256 of its bytes (InputError when unreadable)."""
    path = folder / "results.json"
    try:
        return path, hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise InputError(UNREADABLE.format(reason=exc.strerror or exc), file=path) from None
