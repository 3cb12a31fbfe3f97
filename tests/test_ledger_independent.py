"""Checkpoints and proofs against a second implementation written here from RFC 9162's text.

signoff's ledger is checked by a verifier that shares none of its code: the Merkle tree
hash (RFC 9162 §2.1.1), inclusion paths and their verification (§2.1.3), consistency
proofs and their verification (§2.1.4), and the signed note of a checkpoint
(c2sp.org/signed-note: key ID = SHA-256(name || "\\n" || 0x01 || key)[:4]).  Both ways:
signoff's output must satisfy this verifier, and this implementation's proofs must satisfy
signoff's; tampered variants must fail both.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from typer.testing import CliRunner

from signoff.cli import app
from signoff.ledger import verify_consistency, verify_inclusion

# --- RFC 9162, from the text ---------------------------------------------------------


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: list[bytes]) -> bytes:
    """§2.1.1 MTH over leaf *data* (each entry d(i) is hashed as 0x00 || d(i))."""
    n = len(leaves)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return sha256(b"\x00" + leaves[0])
    k = largest_power_of_two_below(n)
    return sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """§2.1.3.1 PATH(m, D[n])."""
    n = len(leaves)
    if n == 1:
        return []
    k = largest_power_of_two_below(n)
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def verify_path(index: int, size: int, leaf_hash: bytes, proof: list[bytes], root: bytes) -> bool:
    """§2.1.3.2, step by step."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = sha256(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    """§2.1.4.1 SUBPROOF(m, D[n], b)."""
    n = len(leaves)
    if m == n:
        return [] if complete else [mth(leaves)]
    k = largest_power_of_two_below(n)
    if m <= k:
        return [*subproof(m, leaves[:k], complete), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def verify_consistency_rfc(
    first: int, second: int, first_hash: bytes, second_hash: bytes, proof: list[bytes]
) -> bool:
    """§2.1.4.2, step by step."""
    if first == second:
        return not proof and first_hash == second_hash
    if first == 0 or first > second or not proof:
        return False
    if first & (first - 1) == 0:  # a power of two: prepend first_hash
        proof = [first_hash, *proof]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = sha256(b"\x01" + c + fr)
            sr = sha256(b"\x01" + c + sr)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = sha256(b"\x01" + sr + c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_hash and sr == second_hash and sn == 0


def open_checkpoint(note: str, public_key: str) -> tuple[str, int, bytes]:
    """A signed note's (origin, size, root), once the named key's signature verifies."""
    name, key_id, encoded = public_key.strip().split("+", 2)
    raw = base64.b64decode(encoded)
    assert raw[:1] == b"\x01"
    assert sha256(name.encode() + b"\n" + raw)[:4].hex() == key_id
    text, _, signatures = note.rpartition("\n\n")
    body = (text + "\n").encode()
    for line in signatures.splitlines():
        signer, _, signature = line.removeprefix("— ").partition(" ")
        blob = base64.b64decode(signature)
        if signer == name and blob[:4].hex() == key_id:
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(blob[4:], body)
            origin, size, root = text.split("\n")[:3]
            return origin, int(size), base64.b64decode(root)
    raise InvalidSignature("no signature by the key")


def event_data(event: dict[str, object]) -> bytes:
    """Leaf data of an exported event: these events hold only strings and integers, for
    which sorted-key compact JSON is already RFC 8785."""
    fields = {k: v for k, v in event.items() if k != "leaf_hash"}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- the round trip ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("independent")
    env = {"SIGNOFF_HOME": str(root / "home"), "SIGNOFF_USER": "alice", "SIGNOFF_DATABASE_URL": ""}

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.stdout

    run("user", "add", "alice", "--email", "alice@example.org", "--role", "requester")
    run("model", "register", "credit", "--owner", "alice", "--team", "risk", "--use-case", "ü",
        "--risk-tier", "low")  # fmt: skip
    keys = root / "acme"
    run("ledger", "keygen", "acme", "--out", str(keys))
    old_note = run("ledger", "checkpoint", "--key", f"{keys}.key")
    for i in range(9):  # 3 + 9 = 12 events: not a power of two, several subtrees
        run("version", "add", f"credit@{i}", "--framework", "sklearn")
    note = run("ledger", "checkpoint", "--key", f"{keys}.key")
    (root / "old.txt").write_text(old_note)
    (root / "cp.txt").write_text(note)
    events = [json.loads(line) for line in run("ledger", "export").splitlines()]
    proofs = [
        json.loads(
            run(
                "ledger",
                "prove",
                str(e["seq"]),
                "--checkpoint",
                str(root / "cp.txt"),
                "--key",
                f"{keys}.pub",
            )
        )
        for e in events
    ]
    verified = json.loads(
        run(
            "ledger",
            "verify",
            "--checkpoint",
            str(root / "old.txt"),
            "--key",
            f"{keys}.pub",
            "--json",
        )
    )
    public = Path(f"{keys}.pub").read_text()
    return {"events": events, "proofs": proofs, "note": note, "old_note": old_note,
            "public": public, "verified": verified}  # fmt: skip


def test_leaf_hashes_and_root_agree_with_rfc_9162(ledger: dict[str, object]):
    events: list[dict[str, object]] = ledger["events"]  # type: ignore[assignment]
    data = [event_data(e) for e in events]
    assert [sha256(b"\x00" + d).hex() for d in data] == [e["leaf_hash"] for e in events]
    origin, size, root = open_checkpoint(str(ledger["note"]), str(ledger["public"]))
    assert len(events) == 14  # the registry's events, G-1's two included
    registry_id = events[0]["payload"]["registry_id"]  # type: ignore[index]
    assert (origin, size) == (f"signoff.ledger/{registry_id[:16]}", 14)  # its own origin
    assert root == mth(data)


def test_every_inclusion_proof_is_rfc_9162s_path_and_verifies(ledger: dict[str, object]):
    events: list[dict[str, object]] = ledger["events"]  # type: ignore[assignment]
    data = [event_data(e) for e in events]
    root = mth(data)
    for doc in ledger["proofs"]:  # type: ignore[attr-defined]
        index = doc["leaf_index"]
        proof = [bytes.fromhex(p) for p in doc["proof"]]
        assert proof == path(index, data)
        leaf = sha256(b"\x00" + event_data(doc["event"]))
        assert verify_path(index, doc["tree_size"], leaf, proof, root)
        assert open_checkpoint(doc["checkpoint"], str(ledger["public"]))[2] == root
        if proof:  # tampered variants fail
            flipped = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
            assert not verify_path(index, doc["tree_size"], leaf, flipped, root)
            assert not verify_path(index, doc["tree_size"], leaf, proof[:-1], root)
        assert not verify_path(index ^ 1, doc["tree_size"], leaf, proof, root)


def test_the_consistency_proof_is_rfc_9162s_and_verifies(ledger: dict[str, object]):
    events: list[dict[str, object]] = ledger["events"]  # type: ignore[assignment]
    data = [event_data(e) for e in events]
    _, old_size, old_root = open_checkpoint(str(ledger["old_note"]), str(ledger["public"]))
    verified: dict[str, object] = ledger["verified"]  # type: ignore[assignment]
    proof = [bytes.fromhex(p) for p in verified["consistency_proof"]]  # type: ignore[attr-defined]
    assert verified["checkpoint_size"] == old_size == 5
    assert proof == subproof(old_size, data, True)
    assert verify_consistency_rfc(old_size, len(data), old_root, mth(data), proof)
    assert not verify_consistency_rfc(old_size, len(data), mth(data[:2]), mth(data), proof)


def test_a_tampered_checkpoint_fails_the_independent_signature_check(ledger: dict[str, object]):
    note = str(ledger["note"]).replace("\n14\n", "\n15\n", 1)
    with pytest.raises(InvalidSignature):
        open_checkpoint(note, str(ledger["public"]))


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13])
def test_signoff_accepts_the_independent_proofs_and_rejects_tampered_ones(size: int):
    data = [f"leaf {i}".encode() for i in range(size)]
    hashes = [sha256(b"\x00" + d) for d in data]
    root = mth(data)
    for m in range(size):
        proof = path(m, data)
        assert verify_inclusion(m, size, hashes[m], proof, root)
        assert not verify_inclusion(m, size, hashes[m], proof, sha256(root))
        if proof:
            assert not verify_inclusion(m, size, hashes[m], [*proof[::-1], root], root)
    for first in range(1, size + 1):
        proof = subproof(first, data, True)
        assert verify_consistency(first, size, mth(data[:first]), root, proof)
        if first < size:
            assert not verify_consistency(first, size, mth(data[:first]), sha256(root), proof)
