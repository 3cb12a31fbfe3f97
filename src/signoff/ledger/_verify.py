"""Verify the ledger, sign checkpoints of it, and prove single events.

Without a checkpoint, :func:`verify_ledger` catches an edited or moved event
(its content no longer matches its leaf hash) and a deleted one (a gap in
``seq``), naming the first bad ``seq``.  A truncation or a wholesale rewrite
(every hash recomputed) leaves a self-consistent log; only a checkpoint kept
elsewhere catches those: the log must still contain the checkpoint's tree,
which the consistency proof shows.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text

from ..errors import ConfigError, LedgerVerificationError
from ..store import PROJECTED_ACTIONS, CheckpointRow, Store, check_documents
from ._actions import verify_actions
from ._checkpoint import ORIGIN_INVALID, Checkpoint, sign_checkpoint
from ._log import get_event, iter_events, leaf_hashes
from ._merkle import consistency_proof, root_hash, verify_consistency
from ._proof import make_inclusion_doc
from ._signing import verify_signoffs
from ._writer import verify_writer

__all__ = [
    "DEFAULT_ORIGIN",
    "Verification",
    "checkpoint_ledger",
    "installation_origin",
    "prove_event",
    "verify_ledger",
]

#: The origin of an empty ledger (before its first event names the installation).
DEFAULT_ORIGIN = "signoff-ledger"


def installation_origin(store: Store) -> str:
    """This registry's own origin for checkpoints: ``signoff.ledger/<16 hex>``.

    Taken from the random ``registry_id`` its first event records (registries created
    before it existed: the first event's leaf hash), so it is unique to each installation,
    needs no storage of its own, and cannot change without the first event changing,
    which ``verify`` detects.
    """
    with store.transaction() as session:
        first = session.execute(
            text("SELECT payload, leaf_hash FROM ledger_events WHERE seq = 1")
        ).first()
    if first is None:
        return DEFAULT_ORIGIN
    registry_id = json.loads(first[0]).get("registry_id")
    return f"signoff.ledger/{(registry_id or first[1])[:16]}"


TRUNCATED = (
    "the ledger has {size} event(s) but the checkpoint recorded {checkpoint}: "
    "events {first}..{checkpoint} were removed (truncated)"
)
REWRITTEN = (
    "seq 1..{checkpoint}: the first {checkpoint} event(s) no longer hash to the checkpoint's root "
    "{root}: the log was rewritten (an event in that range was changed and the hashes recomputed)"
)
NOT_IN_CHECKPOINT = (
    "seq {seq} is after the checkpoint's tree of {size} event(s); prove it against a newer one"
)


@dataclass(frozen=True)
class Verification:
    """What ``signoff ledger verify`` proved."""

    size: int
    root: str
    checkpoint_size: int | None
    consistency_proof: tuple[str, ...]
    #: With a writer key: how many events carry its valid signature.
    writer_signed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "size": self.size,
            "root_hash": self.root,
            "checkpoint_size": self.checkpoint_size,
            "consistency_proof": list(self.consistency_proof),
            "writer_signed": self.writer_signed,
            "verified": True,
        }


def verify_ledger(
    store: Store, *, checkpoint: Checkpoint | None = None, writer_key: str | None = None
) -> Verification:
    """Recompute every leaf and the root; with a checkpoint, prove the log only grew; with
    ``writer_key`` (the server's public key), check every event's writer signature from the
    first one it signed.

    Raises
    ------
    LedgerVerificationError
        Naming the first bad seq and what is wrong.
    """
    with store.transaction() as session:
        leaves = leaf_hashes(session)
        signed = verify_writer(session, writer_key) if writer_key is not None else None
        verify_signoffs(session)  # personal signatures, against the keys registered before them
        verify_actions(session)  # every action, where governance requires signatures
        check_projections(session)
        problems = check_documents(session)  # monitoring evidence, content-addressed
        if problems:
            raise LedgerVerificationError(problems[0])
    root = root_hash(leaves)
    if checkpoint is None:
        return Verification(len(leaves), root.hex(), None, (), signed)
    old = checkpoint.size
    if old > len(leaves):
        raise LedgerVerificationError(
            TRUNCATED.format(size=len(leaves), checkpoint=old, first=len(leaves) + 1)
        )
    if root_hash(leaves[:old]) != checkpoint.root:
        raise LedgerVerificationError(REWRITTEN.format(checkpoint=old, root=checkpoint.root.hex()))
    proof = consistency_proof(old, leaves)
    if not verify_consistency(old, len(leaves), checkpoint.root, root, proof):  # pragma: no cover
        raise LedgerVerificationError(REWRITTEN.format(checkpoint=old, root=checkpoint.root.hex()))
    return Verification(len(leaves), root.hex(), old, tuple(p.hex() for p in proof), signed)


PROJECTION = (
    "table {table}: {problem} — the tables say something the ledger does not "
    "(a row was written, edited or deleted behind the ledger's back)"
)


def _row(values: tuple[Any, ...] | None) -> str:
    return "(" + ", ".join(repr(v)[:60] for v in values) + ")" if values else "(none)"


def check_projections(session: Any) -> None:
    """Re-derive every projected table from the events and compare it with the stored one.

    Raises
    ------
    LedgerVerificationError
        Naming the table, the stored row and the row the events make (exit 5).
    """
    from ..store import first_difference, replay, snapshot  # loaded here only: start-up time

    expected = replay(iter_events(session, actions=PROJECTED_ACTIONS))
    found = first_difference(snapshot(session), expected)
    if found is None:
        return
    if found.stored is None:
        problem = f"the events make the row {_row(found.expected)}, which the table lacks"
    elif found.expected is None:
        problem = f"the row {_row(found.stored)} was made by no event"
    else:
        problem = (
            f"the row {_row(found.stored)} contradicts the events, "
            f"which make {_row(found.expected)}"
        )
    seqs = [v for v in (found.stored or found.expected or ()) if isinstance(v, int)]
    hint = (
        f" (see ledger seq {seqs[-1]})"
        if seqs and found.table.endswith(("transitions", "signoffs", "reviews"))
        else ""
    )
    raise LedgerVerificationError(PROJECTION.format(table=found.table, problem=problem) + hint)


def checkpoint_ledger(
    store: Store,
    *,
    private_key_text: str,
    at: dt.datetime,
    origin: str | None = None,
    if_changed: bool = False,
) -> tuple[Checkpoint, str]:
    """Sign the current tree head and keep a copy in the database.

    The signed note is what matters: export it and keep it elsewhere (CI log,
    a git repository, WORM storage, a second party).  The database copy is
    only a convenience; it is not trusted by ``verify``.  With ``if_changed`` (a
    schedule), a note the newest copy already is (same head, same key) is not kept again.
    """
    if origin is None:
        origin = installation_origin(store)
    if not origin or any(ord(char) < 0x20 for char in origin):
        raise ConfigError(ORIGIN_INVALID.format(origin=origin), field="origin")
    with store.transaction() as session:
        leaves = leaf_hashes(session)
        checkpoint = Checkpoint(origin=origin, size=len(leaves), root=root_hash(leaves))
        note = sign_checkpoint(checkpoint, private_key_text)
        if if_changed:
            newest = session.scalars(
                select(CheckpointRow).order_by(CheckpointRow.id.desc()).limit(1)
            ).first()
            if newest is not None and newest.note == note:  # Ed25519 signs deterministically
                return checkpoint, note
        session.add(
            CheckpointRow(
                size=checkpoint.size, root_hash=checkpoint.root.hex(), note=note, created_at=at
            )
        )
    return checkpoint, note


def prove_event(
    store: Store,
    seq: int,
    *,
    checkpoint: Checkpoint | None = None,
    note: str | None = None,
    origin: str | None = None,
) -> dict[str, Any]:
    """An inclusion proof of event ``seq`` that a third party checks offline.

    Against ``checkpoint`` (and its signed ``note``, embedded) when given,
    else against the current tree.
    """
    with store.transaction() as session:
        event = get_event(session, seq)
        leaves = leaf_hashes(session)
    if checkpoint is not None:
        if seq > checkpoint.size:
            raise LedgerVerificationError(NOT_IN_CHECKPOINT.format(seq=seq, size=checkpoint.size))
        if root_hash(leaves[: checkpoint.size]) != checkpoint.root:
            raise LedgerVerificationError(
                REWRITTEN.format(checkpoint=checkpoint.size, root=checkpoint.root.hex())
            )
        leaves = leaves[: checkpoint.size]
        origin = checkpoint.origin
    if origin is None:
        origin = installation_origin(store)
    doc = make_inclusion_doc(
        origin=origin,
        seq=seq,
        leaf_index=seq - 1,
        event=event.to_dict(),
        leaves=leaves,
        checkpoint=note,
    )
    return dict(doc)
