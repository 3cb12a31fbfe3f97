"""Anchor an evidence pack in the ledger: the ``audit.attached`` event, proved.

When an audit is registered (``signoff audit --register`` or ``signoff version attach``),
the ledger records an ``audit.attached`` event whose payload holds the SHA-256 of every
file attached, ``results.json`` and ``manifest.json`` among them. ``signoff ledger prove
--audit DIR --checkpoint CP --key PUB`` turns that event into an offline inclusion proof carrying
the signed checkpoint; ``signoff pack --ledger-proof PROOF`` puts it in the pack as
:data:`LEDGER_PROOF`.

A checker then verifies, without the database: the proof's path leads from the event to
the checkpoint's root, the checkpoint is signed by the log's key, and the event names
this pack's ``results.json`` and ``manifest.json`` bytes. Rewriting the pack consistently
(results, manifest, ``SHA256SUMS``, report) is then detected unless the forger also holds
the ledger's private key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from ..errors import LedgerVerificationError
from ..ledger import Checkpoint, check_inclusion_doc

__all__ = ["ANCHORED_FILES", "ATTACH_ACTION", "LEDGER_PROOF", "check_anchor"]

#: The proof's name inside the pack.
LEDGER_PROOF = "ledger-proof.json"
#: The ledger action that attaches an audit to a model version.
ATTACH_ACTION = "audit.attached"
#: The pack files the event must name, by their SHA-256.
ANCHORED_FILES = ("results.json", "manifest.json")

NOT_ATTACH_EVENT = "the proof is for a {action!r} event, not {expected!r} (an audit attached)"
FILE_NOT_IN_EVENT = "the ledger event (seq {seq}) does not record {name}"
FILE_NOT_THE_EVENTS = (
    "{name} in the pack has SHA-256 {actual}, but the ledger event (seq {seq}) "
    "records {recorded}: this is not the audit that was registered"
)
NO_SIGNED_CHECKPOINT = (
    "the proof carries no signed checkpoint; make it with "
    "`signoff ledger prove --audit DIR --checkpoint FILE --key PUB`"
)
CHECKPOINT_DIFFERS = (
    "the proof is against the checkpoint of {proof_size} event(s) (root {proof_root}), not "
    "the given checkpoint of {size} event(s) (root {root}); prove the event against it"
)


def _bind(doc: Mapping[str, Any], files: Mapping[str, bytes]) -> None:
    event, seq = doc["event"], doc["seq"]
    if event.get("action") != ATTACH_ACTION:
        found = event.get("action")
        raise LedgerVerificationError(
            NOT_ATTACH_EVENT.format(action=found, expected=ATTACH_ACTION), file=LEDGER_PROOF
        )
    payload = event.get("payload")
    recorded = payload.get("files") if isinstance(payload, Mapping) else None
    for name in ANCHORED_FILES:
        if not isinstance(recorded, Mapping) or name not in recorded:
            message = FILE_NOT_IN_EVENT.format(seq=seq, name=name)
            raise LedgerVerificationError(message, file=LEDGER_PROOF)
        actual = hashlib.sha256(files[name]).hexdigest()
        if recorded[name] != actual:
            message = FILE_NOT_THE_EVENTS.format(
                name=name, actual=actual, seq=seq, recorded=recorded[name]
            )
            raise LedgerVerificationError(message, file=name)


def check_anchor(
    doc: Any,
    files: Mapping[str, bytes],
    *,
    public_key_text: str | None,
    trusted: Checkpoint | None = None,
) -> Checkpoint | None:
    """Check a pack's ledger proof against the pack's files.

    Parameters
    ----------
    doc : object
        The parsed :data:`LEDGER_PROOF` document.
    files : mapping of str to bytes
        The pack's files (``results.json`` and ``manifest.json`` at least).
    public_key_text : str or None
        The ledger's public key. Without it the path and the binding are checked but not
        the checkpoint's signature: nothing says the root is the log's.
    trusted : Checkpoint, optional
        A checkpoint the checker holds (already verified with the key); the proof must be
        against exactly that tree.

    Returns
    -------
    Checkpoint or None
        The verified checkpoint, or ``None`` without a key.

    Raises
    ------
    LedgerVerificationError
        The proof does not verify, is for another event or another audit, or is against
        another tree than ``trusted`` (exit 5).
    """
    try:
        checkpoint = check_inclusion_doc(doc, public_key_text=public_key_text)
    except LedgerVerificationError as exc:
        raise LedgerVerificationError(exc.message, file=LEDGER_PROOF, field=exc.field) from None
    _bind(doc, files)
    if doc.get("checkpoint") is None:
        raise LedgerVerificationError(NO_SIGNED_CHECKPOINT, file=LEDGER_PROOF)
    if checkpoint is not None and trusted is not None and trusted != checkpoint:
        message = CHECKPOINT_DIFFERS.format(
            proof_size=checkpoint.size,
            proof_root=checkpoint.root.hex(),
            size=trusted.size,
            root=trusted.root.hex(),
        )
        raise LedgerVerificationError(message, file=LEDGER_PROOF)
    return checkpoint
