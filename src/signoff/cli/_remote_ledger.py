"""The ``ledger`` commands in remote mode: the server computes verification and proofs
over its database (``POST /api/ledger/verify``, ``GET /api/ledger/proof/{seq}``) from
the same key and checkpoint files the local commands read, and lists or exports its
events; ``ledger checkpoint`` signs the server's tree head here, with the person's own
key (it never leaves this machine), and the server keeps a copy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._files import read_text
from ._remote import remote_signoff

__all__ = [
    "checkpoint_remote",
    "events_remote",
    "export_remote",
    "prove_remote",
    "statement_signer",
    "verify_remote",
]


def verify_remote(
    checkpoint: Path | None, key: Path | None, origin: str | None, writer_key: Path | None
) -> dict[str, Any]:
    """The server's verification (exit 5 when it fails, as locally)."""
    texts = {
        "checkpoint": read_text(checkpoint) if checkpoint is not None else None,
        "public_key": read_text(key) if key is not None else None,
        "writer_key": read_text(writer_key) if writer_key is not None else None,
        "origin": origin,
    }
    return remote_signoff().ledger.verify(**texts)


def prove_remote(
    seq: int | None, audit: Path | None, checkpoint: Path | None, key: Path | None,
    origin: str | None,
) -> dict[str, Any]:  # fmt: skip
    """The server's inclusion proof of event ``seq`` — or of the event that attached the
    audit folder ``audit`` — against its tree, or against ``checkpoint`` (signed by
    ``key``): check it with `ledger check-proof`."""
    from ..errors import NotFound
    from ._ledger_files import NOT_ATTACHED, results_digest

    ledger = remote_signoff().ledger
    if audit is not None:
        path, digest = results_digest(audit)
        seq = ledger.attached(digest)
        if seq is None:
            raise NotFound(NOT_ATTACHED.format(digest=digest[:12]), file=path)
    assert seq is not None
    if checkpoint is None or key is None:
        return ledger.prove(seq)
    note, public = read_text(checkpoint), read_text(key)
    return ledger.prove_against(seq, checkpoint=note, public_key=public, origin=origin)


def events_remote(start: int, subject: str | None) -> tuple[list[dict[str, Any]], str]:
    """``ledger show``'s events (with leaf hashes) and the log's origin."""
    return remote_signoff().ledger.events(start=start, subject=subject)


def export_remote() -> str:
    """``ledger export``'s lines, as the server wrote them."""
    return remote_signoff().ledger.export()


def checkpoint_remote(private: str, origin: str | None) -> tuple[str, str]:
    """The server's tree head signed with ``private`` (under ``origin``, else the log's
    own), its copy kept by the server; ``(origin, note)``."""
    from ..ledger import Checkpoint, public_key_of, sign_checkpoint

    ledger = remote_signoff().ledger
    head = ledger.tree()
    signed_as = origin or str(head["origin"])
    found = Checkpoint(
        origin=signed_as, size=int(head["size"]), root=bytes.fromhex(head["root_hash"])
    )
    note = sign_checkpoint(found, private)
    ledger.keep(note, public_key_of(private))
    return signed_as, note


def statement_signer(private: str) -> Callable[[dict[str, Any]], str]:
    """``cr sign --key`` in remote mode: signs a sign-off's statement here, over the bytes
    the core signs (canonical JSON, the comment as the core records it); the server
    verifies the signature under the person's registered key."""
    from ..ledger import sign_statement
    from ..workflow import judge_comment

    def sign(statement: dict[str, Any]) -> str:
        recorded = {**statement, "comment": judge_comment(str(statement["comment"]))}
        return sign_statement(recorded, private)

    return sign
