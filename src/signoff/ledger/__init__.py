"""The ledger: an append-only, hash-chained (Merkle) log of every governance event."""

from ._log import LedgerEvent, append_event, current_root, get_event, iter_events, leaf_hashes
from ._merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "LedgerEvent",
    "append_event",
    "consistency_proof",
    "current_root",
    "get_event",
    "inclusion_proof",
    "iter_events",
    "leaf_hash",
    "leaf_hashes",
    "node_hash",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]
