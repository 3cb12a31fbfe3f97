"""Reading small text files named on the command line (proofs, checkpoints)."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError

__all__ = ["NOT_TEXT", "UNREADABLE", "read_text"]

UNREADABLE = "cannot read: {reason}"
NOT_TEXT = "not a text file: byte {offset} is not UTF-8 (is this the file you meant?)"


def read_text(path: Path) -> str:
    """The UTF-8 text of ``path``; an :class:`InputError` naming it when that fails (exit 3)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(UNREADABLE.format(reason=exc.strerror or exc), file=path) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(NOT_TEXT.format(offset=exc.start), file=path) from None
