"""The ledger: an append-only Merkle log (RFC 9162) of every governance event.

Events are hashed as ``SHA-256(0x00 || canonical JSON)``; checkpoints are
Ed25519-signed notes kept outside the database; inclusion proofs are checked
offline.  See ``docs/ledger.md``.
"""

from ._actions import (
    ACTOR_SIGNATURE,
    UNSIGNED_ACTIONS,
    sign_action,
    verify_action,
    verify_actions,
)
from ._checkpoint import (
    Checkpoint,
    generate_key,
    load_private_key,
    load_public_key,
    parse_checkpoint,
    public_key_of,
    sign_checkpoint,
)
from ._keep import attached_seq, keep_checkpoint, tree_head
from ._log import (
    MAX_SEQ,
    LedgerEvent,
    append_event,
    current_root,
    get_event,
    iter_events,
    leaf_hashes,
)
from ._merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from ._prefix import LedgerPrefix, PrefixEvent, ledger_prefix
from ._proof import PROOF_FORMAT, InclusionProofDoc, check_inclusion_doc, make_inclusion_doc
from ._signing import check_public_key, sign_statement, verify_statement
from ._verify import (
    DEFAULT_ORIGIN,
    Verification,
    check_projections,
    checkpoint_ledger,
    installation_origin,
    prove_event,
    verify_ledger,
)
from ._writer import (
    WRITER_ROTATED,
    WRITER_SIGNATURE,
    check_in_force,
    last_writer_signed,
    rotation_payload,
    verify_writer,
    writer_key_in_force,
)

__all__ = [
    "ACTOR_SIGNATURE",
    "DEFAULT_ORIGIN",
    "EMPTY_ROOT",
    "MAX_SEQ",
    "PROOF_FORMAT",
    "UNSIGNED_ACTIONS",
    "WRITER_ROTATED",
    "WRITER_SIGNATURE",
    "Checkpoint",
    "InclusionProofDoc",
    "LedgerEvent",
    "LedgerPrefix",
    "PrefixEvent",
    "Verification",
    "append_event",
    "attached_seq",
    "check_in_force",
    "check_inclusion_doc",
    "check_projections",
    "check_public_key",
    "checkpoint_ledger",
    "consistency_proof",
    "current_root",
    "generate_key",
    "get_event",
    "inclusion_proof",
    "installation_origin",
    "iter_events",
    "keep_checkpoint",
    "last_writer_signed",
    "leaf_hash",
    "leaf_hashes",
    "ledger_prefix",
    "load_private_key",
    "load_public_key",
    "make_inclusion_doc",
    "node_hash",
    "parse_checkpoint",
    "prove_event",
    "public_key_of",
    "root_hash",
    "rotation_payload",
    "sign_action",
    "sign_checkpoint",
    "sign_statement",
    "tree_head",
    "verify_action",
    "verify_actions",
    "verify_consistency",
    "verify_inclusion",
    "verify_ledger",
    "verify_statement",
    "verify_writer",
    "writer_key_in_force",
]
