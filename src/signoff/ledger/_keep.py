"""Ledger helpers the CLI and the server share.

Keep a checkpoint signed elsewhere: ``signoff ledger checkpoint`` in remote mode signs
the server's tree head with the person's own key (the key never leaves their machine)
and the server keeps a copy, as the local command does — once the note's signature
verifies and the ledger is consistent with it."""

from __future__ import annotations

import datetime as dt

from ..store import CheckpointRow, Store
from ._checkpoint import Checkpoint, parse_checkpoint
from ._log import iter_events, leaf_hashes
from ._merkle import root_hash
from ._verify import installation_origin, verify_ledger

__all__ = ["attached_seq", "keep_checkpoint", "tree_head"]


def tree_head(store: Store) -> Checkpoint:
    """The ledger's current size and root under this registry's origin (unsigned)."""
    origin = installation_origin(store)
    with store.transaction() as session:
        leaves = leaf_hashes(session)
    return Checkpoint(origin=origin, size=len(leaves), root=root_hash(leaves))


def keep_checkpoint(
    store: Store, note: str, public_key_text: str, *, at: dt.datetime
) -> Checkpoint:
    """Store a copy of ``note`` once it verifies under the key and the ledger contains
    its tree (LedgerVerificationError otherwise); the checkpoint."""
    checkpoint = parse_checkpoint(note, public_key_text)  # under any origin it was signed as
    verify_ledger(store, checkpoint=checkpoint)
    with store.transaction() as session:
        session.add(
            CheckpointRow(
                size=checkpoint.size, root_hash=checkpoint.root.hex(), note=note, created_at=at
            )
        )
    return checkpoint


def attached_seq(store: Store, results_sha256: str) -> int | None:
    """The seq of the latest ``audit.attached`` event recording a results.json with this
    SHA-256 (of its bytes), if any (``ledger prove --audit``)."""
    found = None
    with store.transaction() as session:
        for event in iter_events(session, action="audit.attached"):
            files = event.payload.get("files")
            if isinstance(files, dict) and files.get("results.json") == results_sha256:
                found = event.seq
    return found
