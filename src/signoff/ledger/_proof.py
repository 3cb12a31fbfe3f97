"""Offline inclusion proofs: one JSON document a third party checks without the database.

``signoff ledger prove SEQ`` writes it; ``signoff ledger check-proof`` (or anyone with
SHA-256 and, for the checkpoint, Ed25519) checks it.  The document carries the event
itself, so the checker recomputes the leaf hash rather than trusting one::

    {"format": "signoff-inclusion-proof/v1", "origin": ..., "seq": ..., "leaf_index": ...,
     "tree_size": ..., "leaf_hash": hex, "event": {...}, "proof": [hex, ...],
     "root_hash": hex, "checkpoint": signed note text or null}

The path proves the event is in the tree with ``root_hash``; only a checkpoint signed by
a key the checker trusts says that root (and ``tree_size``) is the log's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict

from signoff._canonical import canonical_json
from signoff.errors import LedgerVerificationError
from signoff.ledger._checkpoint import Checkpoint, _open_note, _parse_body, parse_checkpoint
from signoff.ledger._merkle import inclusion_proof, leaf_hash, root_hash, verify_inclusion

__all__ = ["InclusionProofDoc", "check_inclusion_doc", "make_inclusion_doc"]

PROOF_FORMAT = "signoff-inclusion-proof/v1"

EVENT_NOT_JSON = "the event does not survive a JSON round trip unchanged (keys must be strings)"
EVENT_NOT_AT_LEAF = "the event with seq {seq} does not hash to leaf {leaf_index} of the log"
DOC_NOT_OBJECT = "the proof is not a JSON object"
DOC_FORMAT = "unknown proof format {found!r}; expected {expected!r}"
DOC_FIELD = "must be {expected}"
LEAF_HASH_MISMATCH = "the event hashes to {computed}, not to the proof's leaf_hash {claimed}"
EVENT_SEQ_MISMATCH = "the event's seq is {found!r}, but the proof is for seq {expected}"
PATH_INVALID = (
    "the inclusion path does not lead from leaf {leaf_index} to root_hash "
    "in a tree of {tree_size} leaves"
)
NO_CHECKPOINT = "the proof carries no checkpoint, so the public key cannot vouch for its root"
CHECKPOINT_MISMATCH = "the checkpoint's {field} is {signed}, but the proof's is {claimed}"

_HEX_HASH = re.compile(r"[0-9a-f]{64}")


class InclusionProofDoc(TypedDict):
    """The JSON document of an inclusion proof (see the module docstring)."""

    format: str
    origin: str
    seq: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    event: dict[str, Any]
    proof: list[str]
    root_hash: str
    checkpoint: str | None


def _compare(checkpoint: Checkpoint, origin: str, size: int, root: bytes) -> None:
    for field, signed, claimed in (
        ("origin", checkpoint.origin, origin),
        ("tree size", checkpoint.size, size),
        ("root hash", checkpoint.root.hex(), root.hex()),
    ):
        if signed != claimed:
            message = CHECKPOINT_MISMATCH.format(field=field, signed=signed, claimed=claimed)
            raise LedgerVerificationError(message)


def make_inclusion_doc(
    *,
    origin: str,
    seq: int,
    leaf_index: int,
    event: Mapping[str, Any],
    leaves: Sequence[bytes],
    checkpoint: str | None = None,
) -> InclusionProofDoc:
    """The inclusion proof of ``event`` at ``leaf_index`` in the tree of ``leaves``.

    Parameters
    ----------
    origin : str
        The log's origin (the checkpoint's first line).
    seq : int
        The event's sequence number, as the ledger shows it.
    leaf_index : int
        Its 0-based position among ``leaves``.
    event : mapping
        The event as hashed: its canonical JSON is the leaf's data.
    leaves : sequence of bytes
        The leaf hashes of the tree to prove against (a checkpoint's ``size`` first ones).
    checkpoint : str, optional
        A signed checkpoint for exactly this tree, passed on for the checker to verify.

    Raises
    ------
    ValueError
        ``leaf_index`` is out of range, or the event is not stable JSON.
    LedgerVerificationError
        The event does not hash to that leaf, or the checkpoint is for another tree:
        the log is not the one that was signed.
    """
    try:
        data = canonical_json(event)
    except TypeError:  # keys that are not strings, values that are not JSON
        raise ValueError(EVENT_NOT_JSON) from None
    as_json = json.loads(data)
    if canonical_json(as_json) != data:
        raise ValueError(EVENT_NOT_JSON)
    proof = inclusion_proof(leaf_index, leaves)
    leaf = leaf_hash(data)
    if leaf != leaves[leaf_index]:
        raise LedgerVerificationError(EVENT_NOT_AT_LEAF.format(seq=seq, leaf_index=leaf_index))
    root = root_hash(leaves)
    if checkpoint is not None:  # the signature is the checker's to verify
        _compare(_parse_body(_open_note(checkpoint)[0]), origin, len(leaves), root)
    return {
        "format": PROOF_FORMAT,
        "origin": origin,
        "seq": seq,
        "leaf_index": leaf_index,
        "tree_size": len(leaves),
        "leaf_hash": leaf.hex(),
        "event": as_json,
        "proof": [node.hex() for node in proof],
        "root_hash": root.hex(),
        "checkpoint": checkpoint,
    }


def _is_int(value: object, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _is_hash(value: object) -> bool:
    return isinstance(value, str) and _HEX_HASH.fullmatch(value) is not None


def _is_event(value: object) -> bool:
    try:
        return isinstance(value, Mapping) and bool(canonical_json(value))
    except (TypeError, ValueError):  # NaN, infinities, or not JSON at all
        return False


_FIELDS: dict[str, tuple[str, Callable[[object], bool]]] = {
    "origin": ("a non-empty string", lambda v: isinstance(v, str) and v != ""),
    "seq": ("a non-negative integer", lambda v: _is_int(v, 0)),
    "leaf_index": ("a non-negative integer", lambda v: _is_int(v, 0)),
    "tree_size": ("a positive integer", lambda v: _is_int(v, 1)),
    "leaf_hash": ("64 lowercase hex digits", _is_hash),
    "event": ("a JSON object without NaN or infinities", _is_event),
    "proof": (
        "a list of 64-hex-digit hashes",
        lambda v: isinstance(v, list) and all(map(_is_hash, v)),
    ),
    "root_hash": ("64 lowercase hex digits", _is_hash),
    "checkpoint": ("a signed note or null", lambda v: v is None or isinstance(v, str)),
}


def check_inclusion_doc(
    doc: Mapping[str, Any], *, public_key_text: str | None
) -> Checkpoint | None:
    """Check an inclusion proof document offline; raise if any part fails.

    Recomputes the leaf hash from ``event`` (canonical JSON), checks the path to
    ``root_hash``, and, given a public key, verifies the checkpoint's signature and that
    it signs this proof's origin, tree size and root.

    Parameters
    ----------
    doc : mapping
        The parsed JSON document (:class:`InclusionProofDoc`).
    public_key_text : str or None
        The log's public key.  Without it, only the path to ``root_hash`` is checked,
        and nothing says that root is the log's.

    Returns
    -------
    Checkpoint or None
        The verified checkpoint vouching for the root, or ``None`` without a key.

    Raises
    ------
    LedgerVerificationError
        Naming the field or the step that failed.
    ConfigError
        ``public_key_text`` is not a public key.
    """
    if not isinstance(doc, Mapping):
        raise LedgerVerificationError(DOC_NOT_OBJECT)
    if doc.get("format") != PROOF_FORMAT:
        found = doc.get("format")
        raise LedgerVerificationError(DOC_FORMAT.format(found=found, expected=PROOF_FORMAT))
    for field, (expected, valid) in _FIELDS.items():
        if not valid(doc.get(field)):
            raise LedgerVerificationError(DOC_FIELD.format(expected=expected), field=field)
    event, seq = doc["event"], doc["seq"]
    if "seq" in event and event["seq"] != seq:
        raise LedgerVerificationError(EVENT_SEQ_MISMATCH.format(found=event["seq"], expected=seq))
    computed = leaf_hash(canonical_json(event)).hex()
    if computed != doc["leaf_hash"]:
        message = LEAF_HASH_MISMATCH.format(computed=computed, claimed=doc["leaf_hash"])
        raise LedgerVerificationError(message)
    index, size, root = doc["leaf_index"], doc["tree_size"], bytes.fromhex(doc["root_hash"])
    path = [bytes.fromhex(node) for node in doc["proof"]]
    if not verify_inclusion(index, size, bytes.fromhex(computed), path, root):
        raise LedgerVerificationError(PATH_INVALID.format(leaf_index=index, tree_size=size))
    if public_key_text is None:
        return None
    if doc["checkpoint"] is None:
        raise LedgerVerificationError(NO_CHECKPOINT)
    checkpoint = parse_checkpoint(doc["checkpoint"], public_key_text)
    _compare(checkpoint, doc["origin"], size, root)
    return checkpoint
