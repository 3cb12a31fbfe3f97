"""``ledger verify`` and ``ledger prove`` in remote mode: the server computes them over its
database (``POST /api/ledger/verify``, ``GET /api/ledger/proof/{seq}``), from the same
key and checkpoint files the local commands read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._files import read_text
from ._remote import command_name, remote_signoff

__all__ = ["prove_remote", "verify_remote"]


def _refuse(what: str) -> Exception:
    from ..client import not_remote

    return not_remote(f"{command_name()} with {what}")


def verify_remote(
    checkpoint: Path | None, key: Path | None, origin: str | None, writer_key: Path | None
) -> dict[str, Any]:
    """The server's verification (exit 5 when it fails, as locally)."""
    if origin is not None:
        raise _refuse("--origin (the server checks against its own)")
    texts = {
        "checkpoint": read_text(checkpoint) if checkpoint is not None else None,
        "public_key": read_text(key) if key is not None else None,
        "writer_key": read_text(writer_key) if writer_key is not None else None,
    }
    return remote_signoff().ledger.verify(**texts)


def prove_remote(
    seq: int | None, audit: Path | None, checkpoint: Path | None, origin: str | None
) -> dict[str, Any]:
    """The server's inclusion proof of event ``seq`` (check it with `ledger check-proof`)."""
    for given, what in ((audit, "--audit"), (checkpoint, "--checkpoint"), (origin, "--origin")):
        if given is not None:
            raise _refuse(what)
    assert seq is not None
    return remote_signoff().ledger.prove(seq)
