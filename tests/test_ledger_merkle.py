"""The ledger's Merkle tree: RFC 6962 test vectors, a naive RFC oracle, and tampering.

The oracle below is the RFC 9162 §2.1 text written as plain recursion (MTH, PATH,
SUBPROOF), independent of the iterative code under test.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signoff.ledger._merkle import (
    EMPTY_ROOT,
    INDEX_OUT_OF_RANGE,
    OLD_SIZE_OUT_OF_RANGE,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

# The certificate-transparency project's reference leaves and roots (merkle_tree_test.cc;
# the same table is in Trillian's and Go's tlog tests).
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index 0-based, tree size, path) and (old size, new size, proof) from the same tests.
CT_INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_HASHES = [leaf_hash(data) for data in CT_LEAVES]

MAX_SIZE = 64
LEAVES = [leaf_hash(b"event %d" % i) for i in range(MAX_SIZE + 8)]


# -- the RFC text as naive recursion: the oracle ------------------------------------------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(d: Sequence[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return node_hash(naive_mth(d[:k]), naive_mth(d[k:]))


def naive_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*naive_path(m, d[:k]), naive_mth(d[k:])]
    return [*naive_path(m - k, d[k:]), naive_mth(d[:k])]


def naive_subproof(m: int, d: Sequence[Any], whole: bool, mth: Any = naive_mth) -> list[Any]:
    if m == len(d):
        return [] if whole else [mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*naive_subproof(m, d[:k], whole, mth), mth(d[k:])]
    return [*naive_subproof(m - k, d[k:], False, mth), mth(d[:k])]


def naive_shape(m: int, n: int) -> list[str]:
    """Which side each PATH(m, D[n]) node sits on, leaf level first."""
    if n == 1:
        return []
    k = _k(n)
    return [*naive_shape(m, k), "right"] if m < k else [*naive_shape(m - k, n - k), "left"]


def symbolic_mth(d: Sequence[Any]) -> Any:
    """MTH with nested tuples for nodes: a tree of leaf positions, not of hashes."""
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return (symbolic_mth(d[:k]), symbolic_mth(d[k:]))


def claimed_roots(m: int, n: int, proof: list[Any], old_root: Any) -> tuple[Any, Any] | None:
    """The (old, new) trees that ``proof`` nodes rebuild when read as a proof for (m, n)."""
    positions = list(range(n))
    pattern = naive_subproof(m, positions, True, symbolic_mth)
    if len(pattern) != len(proof):
        return None
    table = dict(zip(pattern, proof, strict=True))
    if m & (m - 1) == 0:
        table[symbolic_mth(positions[:m])] = old_root

    def rebuild(tree: Any) -> Any:
        if tree in table:
            return table[tree]
        assert isinstance(tree, tuple), "the RFC recursion leaves no leaf uncovered"
        return (rebuild(tree[0]), rebuild(tree[1]))

    return rebuild(symbolic_mth(positions[:m])), rebuild(symbolic_mth(positions))


def _flip(value: bytes, bit: int = 0) -> bytes:
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


# -- known vectors -------------------------------------------------------------------------


def test_empty_tree_and_hash_prefixes() -> None:
    assert root_hash([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert node_hash(b"L", b"R") == hashlib.sha256(b"\x01LR").digest()


@pytest.mark.parametrize("size", range(len(CT_ROOTS)))
def test_ct_reference_roots(size: int) -> None:
    assert root_hash(CT_HASHES[:size]).hex() == CT_ROOTS[size]
    assert naive_mth(CT_HASHES[:size]).hex() == CT_ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_ct_reference_inclusion_proofs(index: int, size: int, path: list[str]) -> None:
    proof = inclusion_proof(index, CT_HASHES[:size])
    assert [node.hex() for node in proof] == path
    root = bytes.fromhex(CT_ROOTS[size])
    assert verify_inclusion(index, size, CT_HASHES[index], proof, root)


@pytest.mark.parametrize(("old", "new", "path"), CT_CONSISTENCY)
def test_ct_reference_consistency_proofs(old: int, new: int, path: list[str]) -> None:
    proof = consistency_proof(old, CT_HASHES[:new])
    assert [node.hex() for node in proof] == path
    old_root, new_root = bytes.fromhex(CT_ROOTS[old]), bytes.fromhex(CT_ROOTS[new])
    assert verify_consistency(old, new, old_root, new_root, proof)


# -- every proof agrees with the RFC recursion and verifies --------------------------------


def test_roots_agree_with_the_rfc_recursion() -> None:
    for size in range(MAX_SIZE + 1):
        assert root_hash(LEAVES[:size]) == naive_mth(LEAVES[:size])


def test_every_inclusion_proof_matches_the_rfc_and_verifies() -> None:
    for size in range(1, MAX_SIZE + 1):
        tree, root = LEAVES[:size], root_hash(LEAVES[:size])
        for index in range(size):
            proof = inclusion_proof(index, tree)
            assert proof == naive_path(index, tree)
            assert verify_inclusion(index, size, tree[index], proof, root)


def test_every_consistency_proof_matches_the_rfc_and_verifies() -> None:
    for new in range(1, MAX_SIZE + 1):
        tree, new_root = LEAVES[:new], root_hash(LEAVES[:new])
        for old in range(1, new + 1):
            proof = consistency_proof(old, tree)
            assert proof == naive_subproof(old, tree, True)
            assert verify_consistency(old, new, root_hash(tree[:old]), new_root, proof)


def test_empty_old_tree_is_a_prefix_of_every_tree() -> None:
    root = root_hash(LEAVES[:5])
    assert consistency_proof(0, LEAVES[:5]) == []
    assert verify_consistency(0, 5, EMPTY_ROOT, root, [])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 5, root, root, [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, root, [root])


def test_out_of_range_arguments() -> None:
    with pytest.raises(ValueError, match=r"^leaf index 3 is outside a tree of 3 leaves$"):
        inclusion_proof(3, LEAVES[:3])
    assert (
        INDEX_OUT_OF_RANGE.format(index=-1, size=0) == "leaf index -1 is outside a tree of 0 leaves"
    )
    with pytest.raises(ValueError, match=r"^old tree size 4 ") as caught:
        consistency_proof(4, LEAVES[:3])
    assert str(caught.value) == OLD_SIZE_OUT_OF_RANGE.format(old_size=4, size=3)
    assert str(caught.value) == "old tree size 4 is outside 0..3 (the current tree size)"
    root = root_hash(LEAVES[:3])
    assert not verify_inclusion(3, 3, LEAVES[0], [], root)
    assert not verify_inclusion(-1, 3, LEAVES[0], [], root)
    assert not verify_inclusion(0, 0, LEAVES[0], [], EMPTY_ROOT)
    assert not verify_consistency(4, 3, root, root, [])
    assert not verify_consistency(-1, 3, root, root, [])
    assert not verify_consistency(2, 3, root_hash(LEAVES[:2]), root, [])  # empty proof


# -- tampering -----------------------------------------------------------------------------

sizes = st.integers(min_value=1, max_value=MAX_SIZE)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_tampered_inclusion_proofs_fail(data: st.DataObject) -> None:
    leaves = data.draw(st.lists(st.binary(max_size=8), min_size=1, max_size=MAX_SIZE, unique=True))
    tree = [leaf_hash(item) for item in leaves]
    size, root = len(tree), root_hash(tree)
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(index, tree)
    leaf = tree[index]
    assert verify_inclusion(index, size, leaf, proof, root)

    bit = data.draw(st.integers(0, 7))
    assert not verify_inclusion(index, size, leaf, proof, _flip(root, bit))
    assert not verify_inclusion(index, size, _flip(leaf, bit), proof, root)
    for position in range(len(proof)):
        changed = [*proof[:position], _flip(proof[position], bit), *proof[position + 1 :]]
        assert not verify_inclusion(index, size, leaf, changed, root)
    if proof:
        assert not verify_inclusion(index, size, leaf, proof[:-1], root)
        assert not verify_inclusion(index, size, leaf, proof[1:], root)
    assert not verify_inclusion(index, size, leaf, [*proof, root], root)
    assert not verify_inclusion(index, size, leaf, [*proof, proof[-1] if proof else leaf], root)
    for other in range(-1, size + 2):  # another position in the same tree
        if other != index:
            assert not verify_inclusion(other, size, leaf, proof, root)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_changed_size_verifies_only_if_the_path_reads_the_same(data: st.DataObject) -> None:
    """The path binds the leaf to the root; the size is bound by the signed checkpoint.

    A claimed (index, size) is accepted exactly when RFC 9162 would combine the same
    siblings on the same sides: e.g. index 0 of 3 leaves and index 0 of 4 leaves both
    read "sibling on the right, twice".
    """
    size = data.draw(sizes)
    index = data.draw(st.integers(0, size - 1))
    proof, root = inclusion_proof(index, LEAVES[:size]), root_hash(LEAVES[:size])
    other_index = data.draw(st.integers(-1, MAX_SIZE + 2))
    other_size = data.draw(st.integers(0, MAX_SIZE + 2))
    accepted = verify_inclusion(other_index, other_size, LEAVES[index], proof, root)
    same_reading = 0 <= other_index < other_size and (
        naive_shape(other_index, other_size) == naive_shape(index, size)
    )
    assert accepted == same_reading


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_tampered_consistency_proofs_fail(data: st.DataObject) -> None:
    new = data.draw(st.integers(2, MAX_SIZE))
    old = data.draw(st.integers(1, new - 1))
    tree = LEAVES[:new]
    old_root, new_root = root_hash(tree[:old]), root_hash(tree)
    proof = consistency_proof(old, tree)
    assert verify_consistency(old, new, old_root, new_root, proof)

    bit = data.draw(st.integers(0, 7))
    assert not verify_consistency(old, new, _flip(old_root, bit), new_root, proof)
    assert not verify_consistency(old, new, old_root, _flip(new_root, bit), proof)
    for position in range(len(proof)):
        changed = [*proof[:position], _flip(proof[position], bit), *proof[position + 1 :]]
        assert not verify_consistency(old, new, old_root, new_root, changed)
    assert not verify_consistency(old, new, old_root, new_root, proof[:-1])
    assert not verify_consistency(old, new, old_root, new_root, proof[1:])
    assert not verify_consistency(old, new, old_root, new_root, [*proof, proof[-1]])
    if len(proof) > 1:
        assert not verify_consistency(old, new, old_root, new_root, proof[::-1])
    # A rewritten history: same sizes, one different old leaf.
    edited = [*tree[: old - 1], leaf_hash(b"edited"), *tree[old:]]
    assert not verify_consistency(old, new, old_root, root_hash(edited), proof)
    assert not verify_consistency(
        old, new, old_root, root_hash(edited), consistency_proof(old, edited)
    )


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_changed_sizes_verify_only_if_the_proof_rebuilds_both_trees(data: st.DataObject) -> None:
    """A claimed (old, new) is accepted exactly when the proof, read as the RFC's proof for
    those sizes, rebuilds the very trees the two roots commit to."""
    new = data.draw(sizes)
    old = data.draw(st.integers(1, new))
    tree = LEAVES[:new]
    proof = consistency_proof(old, tree)
    old_root, new_root = root_hash(tree[:old]), root_hash(tree)
    other_old = data.draw(st.integers(-1, MAX_SIZE + 2))
    other_new = data.draw(st.integers(0, MAX_SIZE + 2))
    accepted = verify_consistency(other_old, other_new, old_root, new_root, proof)

    positions = list(range(new))
    truth = (symbolic_mth(positions[:old]), symbolic_mth(positions))
    if not 0 <= other_old <= other_new:
        expected = False
    elif other_old == 0:
        expected = False  # the old root is not the empty tree's
    elif other_old == other_new:
        expected = not proof and old_root == new_root
    else:
        symbols = naive_subproof(old, positions, True, symbolic_mth)
        expected = claimed_roots(other_old, other_new, symbols, truth[0]) == truth
    assert accepted == expected


def test_a_changed_size_can_pass_only_where_the_reading_is_the_same() -> None:
    # The documented example: sizes are bound by the checkpoint, not by the path.
    proof, root = inclusion_proof(0, LEAVES[:3]), root_hash(LEAVES[:3])
    assert verify_inclusion(0, 4, LEAVES[0], proof, root)
    assert not verify_inclusion(0, 5, LEAVES[0], proof, root)


# -- work: linear in the number of leaves (timings live in benchmarks/bench_ledger.py) ------


class _CountingSha256:
    """``hashlib.sha256`` that counts how often it is called."""

    def __init__(self) -> None:
        self.calls = 0
        self._sha256 = hashlib.sha256

    def __call__(self, data: bytes = b"") -> Any:
        self.calls += 1
        return self._sha256(data)


def test_hundred_thousand_leaves_cost_a_linear_number_of_hashes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    n = 100_000
    tree = [leaf_hash(b"%d" % i) for i in range(n)]
    counter = _CountingSha256()
    monkeypatch.setattr(hashlib, "sha256", counter)
    root = root_hash(tree)
    assert counter.calls == n - 1  # one per interior node, never a leaf twice
    counter.calls = 0
    proof = inclusion_proof(54_321, tree)
    assert counter.calls == n - 1 - len(proof)  # the siblings' subtrees cover the rest once
    counter.calls = 0
    consistency = consistency_proof(77_777, tree)
    assert counter.calls < n
    old_root = root_hash(tree[:77_777])
    counter.calls = 0
    assert verify_inclusion(54_321, n, tree[54_321], proof, root)
    assert verify_consistency(77_777, n, old_root, root, consistency)
    assert counter.calls <= 3 * n.bit_length()  # verifying is logarithmic: a few per level
