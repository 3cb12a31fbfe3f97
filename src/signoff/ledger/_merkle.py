"""The Merkle tree of the ledger, exactly as RFC 9162 §2.1 (and RFC 6962 §2.1) defines it.

A leaf hash is ``SHA-256(0x00 || data)``, an interior node ``SHA-256(0x01 || left || right)``,
and the tree over ``n`` leaves splits at the largest power of two smaller than ``n``
(so it is left-balanced, never padded).  Every function here takes the *leaf hashes*,
so a caller that already stores them hashes each event once.

Proof order follows the RFC: an inclusion path and a consistency proof list the nodes
from the leaves up.  Verification is the RFC's iterative algorithm (§2.1.3.2, §2.1.4.2);
it returns ``False`` rather than raising, so a caller can name what failed.

A proof binds leaves to roots; it does not by itself bind the tree *size* (a proof for
index 0 of 3 leaves also satisfies size 4 with the same root).  The size is bound by a
signed checkpoint, which carries size and root together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

INDEX_OUT_OF_RANGE = "leaf index {index} is outside a tree of {size} leaves"
OLD_SIZE_OUT_OF_RANGE = "old tree size {old_size} is outside 0..{size} (the current tree size)"


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``: the hash of one leaf's bytes."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: the hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_hash(leaves: Sequence[bytes]) -> bytes:
    """The Merkle tree hash (MTH) of the tree whose leaf hashes are ``leaves``.

    Parameters
    ----------
    leaves : sequence of bytes
        The leaf hashes (see :func:`leaf_hash`), in log order.

    Returns
    -------
    bytes
        The 32-byte root; ``SHA-256(b"")`` for the empty tree.

    Notes
    -----
    Computed level by level in O(n): pairing neighbours and carrying a last, unpaired
    node up unchanged gives the same tree as the RFC's split at the largest power of two.
    """
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    sha256 = hashlib.sha256
    while len(level) > 1:
        pairs = iter(level)  # node_hash inlined: a large ledger has as many nodes as leaves
        paired = [
            sha256(b"\x01" + left + right).digest()
            for left, right in zip(pairs, pairs, strict=False)  # an odd last one: carried up
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The audit path PATH(index, D[n]) of RFC 9162 §2.1.3.1, leaf level first.

    Parameters
    ----------
    index : int
        The 0-based position of the leaf.
    leaves : sequence of bytes
        The leaf hashes of the whole tree (``n = len(leaves)``).

    Returns
    -------
    list of bytes
        The sibling subtree roots from the leaf up to the root (empty for a single leaf).

    Raises
    ------
    ValueError
        ``index`` is not in ``0 .. n-1`` (:data:`INDEX_OUT_OF_RANGE`).
    """
    size = len(leaves)
    if not 0 <= index < size:
        raise ValueError(INDEX_OUT_OF_RANGE.format(index=index, size=size))
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        middle = lo + _split(hi - lo)
        if index < middle:
            path.append(root_hash(leaves[middle:hi]))
            hi = middle
        else:
            path.append(root_hash(leaves[lo:middle]))
            lo = middle
    path.reverse()
    return path


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows leaf hash ``leaf`` at ``index`` in a tree with ``root``.

    The algorithm of RFC 9162 §2.1.3.2; ``size`` is the tree size the proof was made for.
    """
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    result = leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and result == root


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1: the tree of ``old_size`` leaves is a prefix.

    Parameters
    ----------
    old_size : int
        ``m``, the size of the earlier tree.
    leaves : sequence of bytes
        The leaf hashes of the current tree (``n = len(leaves)``).

    Returns
    -------
    list of bytes
        The proof nodes, leaf level first; empty when ``m`` is 0 or ``n``.

    Raises
    ------
    ValueError
        ``old_size`` is not in ``0 .. n`` (:data:`OLD_SIZE_OUT_OF_RANGE`).
    """
    size = len(leaves)
    if not 0 <= old_size <= size:
        raise ValueError(OLD_SIZE_OUT_OF_RANGE.format(old_size=old_size, size=size))
    if old_size in (0, size):
        return []
    proof: list[bytes] = []
    lo, hi, m, whole = 0, size, old_size, True  # SUBPROOF(m, D[lo:hi], whole)
    while m != hi - lo:
        middle = lo + _split(hi - lo)
        if m <= middle - lo:
            proof.append(root_hash(leaves[middle:hi]))
            hi = middle
        else:
            proof.append(root_hash(leaves[lo:middle]))
            m -= middle - lo
            lo, whole = middle, False
    if not whole:
        proof.append(root_hash(leaves[lo:hi]))
    proof.reverse()
    return proof


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree ``(old_size, old_root)`` is a prefix of the new one.

    The algorithm of RFC 9162 §2.1.4.2.  An empty old tree is a prefix of every tree (its
    root must be ``SHA-256(b"")``), and equal sizes need equal roots; both take an empty proof.
    """
    if not 0 <= old_size <= new_size:
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if not path:
        return False
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    old_result = new_result = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            old_result = node_hash(node, old_result)
            new_result = node_hash(node, new_result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            new_result = node_hash(new_result, node)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and old_result == old_root and new_result == new_root
