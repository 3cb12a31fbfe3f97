"""Checkpoints as signed notes, keys, and offline inclusion proofs.

Interoperability is checked against Go's ``golang.org/x/mod/sumdb/note`` test vectors
and real checkpoints signed by sum.golang.org.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signoff._canonical import canonical_json, pretty_json
from signoff.errors import ConfigError, LedgerVerificationError, SignoffError
from signoff.ledger._checkpoint import (
    BODY_EMPTY_LINE,
    BODY_MALFORMED,
    BODY_ROOT,
    BODY_SIZE,
    BODY_TOO_SHORT,
    KEY_ID_MISMATCH,
    KEY_NAME_INVALID,
    KEY_UNREADABLE,
    NOT_SIGNED_BY_KEY,
    NOTE_CONTROL_CHARACTER,
    NOTE_MALFORMED,
    NOTE_NO_SIGNATURES,
    NOTE_SIGNATURE_LINE,
    NOTE_TOO_MANY_SIGNATURES,
    ORIGIN_INVALID,
    ORIGIN_MISMATCH,
    PRIVATE_KEY_GIVEN,
    PRIVATE_KEY_MALFORMED,
    PUBLIC_KEY_MALFORMED,
    ROOT_INVALID,
    SIGNATURE_INVALID,
    SIZE_INVALID,
    Checkpoint,
    _private_key,
    _public_key,
    generate_key,
    load_private_key,
    load_public_key,
    parse_checkpoint,
    sign_checkpoint,
)
from signoff.ledger._merkle import leaf_hash, root_hash
from signoff.ledger._proof import (
    CHECKPOINT_MISMATCH,
    DOC_FIELD,
    DOC_FORMAT,
    DOC_NOT_OBJECT,
    EVENT_NOT_AT_LEAF,
    EVENT_NOT_JSON,
    EVENT_SEQ_MISMATCH,
    LEAF_HASH_MISMATCH,
    NO_CHECKPOINT,
    PATH_INVALID,
    PROOF_FORMAT,
    check_inclusion_doc,
    make_inclusion_doc,
)

# golang.org/x/mod/sumdb/note/note_test.go
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

# The Go checksum database's public key, and checkpoints it signed (one cosigned by a witness).
SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_CHECKPOINTS = [
    (
        "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n"
        "— sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw=\n",
        6476701,
        "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=",
    ),
    (
        "go.sum database tree\n15067302\ngJyioq6dwR9n+NjEWORfYmH+ubeYm3kH42BBQ0bTpYI=\n\n"
        "— sum.golang.org Az3grp1rvWOs5NKlr/xR4GLN/CDyzzakmt1o61uSxYKpK1SerqOP2ClbX/peKUZjYnyomH5Xz7GZG3TpB7OeKn4E2ww=\n"
        "— test.example.com qTGhC/xIPQ0AXKHK6Y+9ypRfuvMZWPjRXM8NiOg5M1WREn07VQXyuIXM3NRNav3ieVFLUqDRK77PWDmL6w8w84UqeAw=\n",
        15067302,
        "gJyioq6dwR9n+NjEWORfYmH+ubeYm3kH42BBQ0bTpYI=",
    ),
]

ORIGIN = "signoff.example/ledger"
ROOT = bytes(range(32))


def sign_text(text: str, private_key: str) -> str:
    """Any note text signed like :func:`sign_checkpoint` signs a checkpoint body."""
    name, key_id, key = _private_key(private_key)
    signature = base64.b64encode(key_id + key.sign(text.encode())).decode()
    return f"{text}\n— {name} {signature}\n"


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return generate_key(ORIGIN)


def _raises(call: Any, message: str, kind: type[SignoffError] = LedgerVerificationError) -> Any:
    with pytest.raises(kind) as caught:
        call()
    assert caught.value.message == message
    return caught.value


# -- interoperability ----------------------------------------------------------------------


def test_signatures_match_go_sumdb_note_byte_for_byte() -> None:
    assert sign_text(GO_TEXT, GO_SKEY) == GO_TEXT + "\n" + GO_SIG
    private = _private_key(GO_SKEY)[2].public_key().public_bytes_raw()
    assert private == _public_key(GO_VKEY)[2].public_bytes_raw()


def test_a_go_note_verifies_then_is_refused_as_no_checkpoint() -> None:
    # The signature verifies (otherwise SIGNATURE_INVALID); the text is not a checkpoint.
    note = GO_TEXT + "\n" + GO_SIG + ENOCH_SIG
    _raises(lambda: parse_checkpoint(note, GO_VKEY), BODY_MALFORMED.format(reason=BODY_TOO_SHORT))
    changed = note.replace("cryptography", "cryptographY")
    _raises(
        lambda: parse_checkpoint(changed, GO_VKEY),
        SIGNATURE_INVALID.format(key="PeterNeumann+c74f20a3"),
    )


@pytest.mark.parametrize(("note", "size", "root"), SUMDB_CHECKPOINTS)
def test_real_sum_golang_org_checkpoints_verify(note: str, size: int, root: str) -> None:
    checkpoint = parse_checkpoint(note, SUMDB_VKEY, origin="go.sum database tree")
    assert checkpoint == Checkpoint("go.sum database tree", size, base64.b64decode(root))
    assert checkpoint.body().decode() == note[: note.index("\n\n") + 1]


def test_body_matches_the_c2sp_example() -> None:
    root = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    body = Checkpoint("example.com/behind-the-sofa", 20852163, root).body()
    assert (
        body
        == b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )


# -- keys ----------------------------------------------------------------------------------


def test_generated_keys_have_the_go_note_format(keys: tuple[str, str]) -> None:
    private, public = keys
    prefix, rest = private.split("+", 2)[:2], private.split("+", 2)[2]
    assert prefix == ["PRIVATE", "KEY"]
    assert rest.split("+", 2)[:2] == public.split("+", 2)[:2]  # same name and key ID
    assert base64.b64decode(public.split("+", 2)[2])[:1] == b"\x01"
    assert _private_key(private)[1] == _public_key(public)[1]


@pytest.mark.parametrize("name", ["", "two words", "a+b", "tab\there", "new\nline"])
def test_key_names_are_checked(name: str) -> None:
    _raises(lambda: generate_key(name), KEY_NAME_INVALID.format(name=name), ConfigError)


def test_every_mangled_go_key_is_refused() -> None:
    """Go's TestNewVerifier/TestNewSigner: every substring and every bumped byte fails."""
    for key, parse in ((GO_VKEY, _public_key), (GO_SKEY, _private_key)):
        for start in range(len(key) + 1):
            for end in range(start + 1, len(key) + 1):
                if (start, end) != (0, len(key)):
                    with pytest.raises(ConfigError):
                        parse(key[start:end])
        for position in range(len(key)):
            bumped = key[:position] + chr(ord(key[position]) + 1) + key[position + 1 :]
            with pytest.raises(ConfigError):
                parse(bumped)


def test_key_messages() -> None:
    _raises(lambda: _public_key("nope"), PUBLIC_KEY_MALFORMED, ConfigError)
    _raises(lambda: _public_key(GO_SKEY), PRIVATE_KEY_GIVEN, ConfigError)
    _raises(lambda: _private_key(GO_VKEY), PRIVATE_KEY_MALFORMED, ConfigError)
    wrong_id = GO_VKEY.replace("c74f20a3", "c74f20a4")
    _raises(
        lambda: _public_key(wrong_id),
        KEY_ID_MISMATCH.format(found="c74f20a4", expected="c74f20a3"),
        ConfigError,
    )
    assert _public_key(GO_VKEY.replace("c74f20a3", "C74F20A3"))[1].hex() == "c74f20a3"
    assert _public_key(f"  {GO_VKEY}\n")[0] == "PeterNeumann"


def test_key_files(tmp_path: Path, keys: tuple[str, str]) -> None:
    private, public = keys
    (tmp_path / "log.key").write_text(private + "\n")
    (tmp_path / "log.pub").write_text(public + "\n")
    assert load_private_key(tmp_path / "log.key") == private
    assert load_public_key(str(tmp_path / "log.pub")) == public

    missing = tmp_path / "missing.pub"
    error = _raises(
        lambda: load_public_key(missing),
        KEY_UNREADABLE.format(error="No such file or directory"),
        ConfigError,
    )
    assert str(error) == f"{missing}: cannot read the key file: No such file or directory"
    swapped = _raises(
        lambda: load_private_key(tmp_path / "log.pub"), PRIVATE_KEY_MALFORMED, ConfigError
    )
    assert swapped.file == str(tmp_path / "log.pub")
    wrong = _raises(lambda: load_public_key(tmp_path / "log.key"), PRIVATE_KEY_GIVEN, ConfigError)
    assert str(wrong).startswith(str(tmp_path / "log.key") + ": ")
    (tmp_path / "binary.pub").write_bytes(b"\xff\xfe\x00")
    binary = _raises(
        lambda: load_public_key(tmp_path / "binary.pub"),
        KEY_UNREADABLE.format(
            error="'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"
        ),
        ConfigError,
    )
    assert binary.exit_code == 2
    _raises(
        lambda: load_public_key(tmp_path),
        KEY_UNREADABLE.format(error="Is a directory"),
        ConfigError,
    )


# -- signing and verifying checkpoints -----------------------------------------------------


def test_round_trip(keys: tuple[str, str]) -> None:
    private, public = keys
    checkpoint = Checkpoint(ORIGIN, 42, ROOT)
    note = sign_checkpoint(checkpoint, private)
    body = f"{ORIGIN}\n42\n{base64.b64encode(ROOT).decode()}\n"
    assert note.startswith(body + "\n— " + ORIGIN + " ")
    assert note.count("\n") == 5
    assert note == sign_checkpoint(checkpoint, private)  # Ed25519 is deterministic
    assert parse_checkpoint(note, public) == checkpoint
    assert parse_checkpoint(note, public, origin=ORIGIN) == checkpoint
    assert parse_checkpoint(sign_checkpoint(Checkpoint(ORIGIN, 0, ROOT), private), public).size == 0


def test_wrong_key_and_wrong_origin(keys: tuple[str, str]) -> None:
    private, public = keys
    note = sign_checkpoint(Checkpoint(ORIGIN, 7, ROOT), private)
    other_public = generate_key(ORIGIN)[1]  # same name, another key: another key ID
    other_id = other_public.split("+")[1]
    mine = f"{ORIGIN}+{public.split('+')[1]}"
    _raises(
        lambda: parse_checkpoint(note, other_public),
        NOT_SIGNED_BY_KEY.format(key=f"{ORIGIN}+{other_id}", found=mine),
    )
    _raises(
        lambda: parse_checkpoint(note, public, origin="elsewhere"),
        ORIGIN_MISMATCH.format(found=ORIGIN, expected="elsewhere"),
    )


def test_other_signatures_are_ignored(keys: tuple[str, str]) -> None:
    private, public = keys
    witness_private, witness_public = generate_key("witness.example")
    checkpoint = Checkpoint(ORIGIN, 9, ROOT)
    note = sign_checkpoint(checkpoint, private)
    cosigned = note + sign_checkpoint(checkpoint, witness_private).split("\n\n")[1]
    assert parse_checkpoint(cosigned, public) == checkpoint
    assert parse_checkpoint(cosigned, witness_public) == checkpoint


def test_a_forged_signature_is_refused(keys: tuple[str, str]) -> None:
    private, public = keys
    note = sign_checkpoint(Checkpoint(ORIGIN, 9, ROOT), private)
    body, line = note.split("\n\n")
    name, encoded = line.removeprefix("— ").split(" ")
    raw = base64.b64decode(encoded)
    for forged in (raw[:4] + bytes(64), raw[:4] + raw[4:-1], raw[:-1] + bytes([raw[-1] ^ 1])):
        text = f"{body}\n\n— {name} {base64.b64encode(forged).decode()}\n"
        _raises(
            lambda text=text: parse_checkpoint(text, public),
            SIGNATURE_INVALID.format(key=f"{name}+{raw[:4].hex()}"),
        )


@settings(max_examples=200, deadline=None)
@given(position=st.integers(0, 200), char=st.characters(min_codepoint=0x20, max_codepoint=0x7E))
def test_any_edited_character_is_detected(keys: tuple[str, str], position: int, char: str) -> None:
    private, public = keys
    checkpoint = Checkpoint(ORIGIN, 123456, ROOT)
    note = sign_checkpoint(checkpoint, private)
    position %= len(note)
    edited = note[:position] + char + note[position + 1 :]
    if edited == note:
        assert parse_checkpoint(edited, public) == checkpoint
    else:
        with pytest.raises(LedgerVerificationError) as caught:
            parse_checkpoint(edited, public)
        assert caught.value.exit_code == 5


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        ("o\n1\nroot\n", NOTE_NO_SIGNATURES),
        ("o\n1\nroot\n\n— name c2ln", NOTE_NO_SIGNATURES),
        (
            "o\n1\r\nroot\n\n— name c2lnbmF0dXJl\n",
            NOTE_CONTROL_CHARACTER.format(code=0x0D, offset=3),
        ),
        ("o\n1\nroot\n\n-- name c2lnbmF0dXJl\n", NOTE_SIGNATURE_LINE.format(number=1)),
        (
            "o\n1\nroot\n\n— name c2lnbmF0dXJl\n— bad name c2lnbmF0dXJl\n",
            NOTE_SIGNATURE_LINE.format(number=2),
        ),
        ("o\n1\nroot\n\n— name c2ln\n", NOTE_SIGNATURE_LINE.format(number=1)),
        ("o\n1\nroot\n\n— name not*base64\n", NOTE_SIGNATURE_LINE.format(number=1)),
        ("o\n1\nroot\n\n" + "— name c2lnbmF0dXJl\n" * 101, NOTE_TOO_MANY_SIGNATURES),
    ],
)
def test_malformed_notes(keys: tuple[str, str], note: str, reason: str) -> None:
    _raises(lambda: parse_checkpoint(note, keys[1]), NOTE_MALFORMED.format(reason=reason))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("origin\n5\n", BODY_TOO_SHORT),
        ("origin\n007\nAAAA\n", BODY_SIZE.format(value="007")),
        ("origin\n-1\nAAAA\n", BODY_SIZE.format(value="-1")),
        ("origin\n٣\nAAAA\n", BODY_SIZE.format(value="٣")),
        ("origin\n5\nAAAA\n", BODY_ROOT.format(value="AAAA")),
        ("origin\n5\n" + "A" * 43 + "\n", BODY_ROOT.format(value="A" * 43)),
        ("\n5\nroot\n", BODY_EMPTY_LINE.format(number=1)),
        (
            f"origin\n5\n{base64.b64encode(ROOT).decode()}\n\nextension\n",
            BODY_EMPTY_LINE.format(number=4),
        ),
    ],
)
def test_malformed_bodies_are_refused_after_the_signature_verifies(
    keys: tuple[str, str], body: str, reason: str
) -> None:
    note = sign_text(body, keys[0])
    _raises(lambda: parse_checkpoint(note, keys[1]), BODY_MALFORMED.format(reason=reason))


def test_extension_lines_are_signed_but_ignored(keys: tuple[str, str]) -> None:
    body = Checkpoint(ORIGIN, 3, ROOT).body().decode() + "timestamp 1700000000\n"
    assert parse_checkpoint(sign_text(body, keys[0]), keys[1]) == Checkpoint(ORIGIN, 3, ROOT)


def test_checkpoint_fields_are_checked() -> None:
    for origin in ("", "two\nlines", "tab\there"):
        with pytest.raises(ValueError, match=r"^checkpoint origin") as caught:
            Checkpoint(origin, 1, ROOT)
        assert str(caught.value) == ORIGIN_INVALID.format(origin=origin)
    for size in (-1, True, 1.0):
        with pytest.raises(ValueError, match=r"^checkpoint tree size") as caught:
            Checkpoint(ORIGIN, size, ROOT)  # type: ignore[arg-type]
        assert str(caught.value) == SIZE_INVALID.format(size=size)
    with pytest.raises(ValueError, match=rf"^{ROOT_INVALID}$"):
        Checkpoint(ORIGIN, 1, ROOT[:31])


# -- offline inclusion proofs --------------------------------------------------------------

EVENTS = [
    {
        "seq": i + 1,
        "ts": f"2026-01-0{i + 1}T00:00:00Z",
        "actor": "ana",
        "action": "approve",
        "subject": f"model/{i}",
        "payload": {"score": 0.5 + i / 10, "note": "ä"},
    }
    for i in range(7)
]
LEAVES = [leaf_hash(canonical_json(event)) for event in EVENTS]


def _doc(seq: int, checkpoint: str | None = None, size: int = len(EVENTS)) -> dict[str, Any]:
    made = make_inclusion_doc(
        origin=ORIGIN,
        seq=seq,
        leaf_index=seq - 1,
        event=EVENTS[seq - 1],
        leaves=LEAVES[:size],
        checkpoint=checkpoint,
    )
    return json.loads(pretty_json(made))  # what a third party reads from the file


@pytest.fixture(scope="module")
def signed(keys: tuple[str, str]) -> str:
    return sign_checkpoint(Checkpoint(ORIGIN, len(LEAVES), root_hash(LEAVES)), keys[0])


def test_every_event_proves_offline(keys: tuple[str, str], signed: str) -> None:
    for seq in range(1, len(EVENTS) + 1):
        assert check_inclusion_doc(_doc(seq), public_key_text=None) is None
        doc = _doc(seq, signed)
        assert doc["format"] == PROOF_FORMAT
        assert (doc["seq"], doc["leaf_index"], doc["tree_size"]) == (seq, seq - 1, len(EVENTS))
        assert doc["event"] == EVENTS[seq - 1]
        checkpoint = check_inclusion_doc(doc, public_key_text=keys[1])
        assert checkpoint == Checkpoint(ORIGIN, len(LEAVES), root_hash(LEAVES))


def test_an_edited_event_is_named(keys: tuple[str, str], signed: str) -> None:
    doc = _doc(3, signed)
    doc["event"]["actor"] = "mallory"
    computed = leaf_hash(canonical_json(doc["event"])).hex()
    _raises(
        lambda: check_inclusion_doc(doc, public_key_text=keys[1]),
        LEAF_HASH_MISMATCH.format(computed=computed, claimed=LEAVES[2].hex()),
    )
    doc["leaf_hash"] = computed  # now the path no longer leads to the root
    _raises(
        lambda: check_inclusion_doc(doc, public_key_text=None),
        PATH_INVALID.format(leaf_index=2, tree_size=7),
    )


def test_path_index_and_size_tampering(keys: tuple[str, str], signed: str) -> None:
    # Size 4 changes how leaf 2's path reads; sizes 5 and 6 would not (see the next test).
    for field, value in (("leaf_index", 3), ("tree_size", 4), ("proof", [])):
        doc = _doc(3, signed)
        doc[field] = value
        index, size = doc["leaf_index"], doc["tree_size"]
        _raises(
            lambda doc=doc: check_inclusion_doc(doc, public_key_text=None),
            PATH_INVALID.format(leaf_index=index, tree_size=size),
        )
    doc = _doc(3, signed)
    doc["proof"][0] = "0" * 64
    _raises(
        lambda: check_inclusion_doc(doc, public_key_text=None),
        PATH_INVALID.format(leaf_index=2, tree_size=7),
    )


def test_only_the_checkpoint_binds_root_and_size(keys: tuple[str, str], signed: str) -> None:
    # A wholesale rewrite carries its own consistent path and root ...
    rewritten = copy.deepcopy(EVENTS)
    rewritten[0]["actor"] = "mallory"
    leaves = [leaf_hash(canonical_json(event)) for event in rewritten]
    doc = json.loads(
        json.dumps(
            make_inclusion_doc(
                origin=ORIGIN, seq=1, leaf_index=0, event=rewritten[0], leaves=leaves
            )
        )
    )
    assert check_inclusion_doc(doc, public_key_text=None) is None
    # ... which the signed checkpoint refuses.
    doc["checkpoint"] = signed
    fake, real = root_hash(leaves).hex(), root_hash(LEAVES).hex()
    _raises(
        lambda: check_inclusion_doc(doc, public_key_text=keys[1]),
        CHECKPOINT_MISMATCH.format(field="root hash", signed=real, claimed=fake),
    )
    # Index 0 of 3 leaves reads like index 0 of 4: the path alone cannot tell the sizes apart.
    small = sign_checkpoint(Checkpoint(ORIGIN, 3, root_hash(LEAVES[:3])), keys[0])
    doc = _doc(1, small, size=3)
    doc["tree_size"] = 4
    assert check_inclusion_doc({**doc, "checkpoint": None}, public_key_text=None) is None
    _raises(
        lambda: check_inclusion_doc(doc, public_key_text=keys[1]),
        CHECKPOINT_MISMATCH.format(field="tree size", signed=3, claimed=4),
    )
    doc = _doc(1, small, size=3)
    doc["origin"] = "elsewhere"
    _raises(
        lambda: check_inclusion_doc(doc, public_key_text=keys[1]),
        CHECKPOINT_MISMATCH.format(field="origin", signed=ORIGIN, claimed="elsewhere"),
    )


def test_checkpoint_problems(keys: tuple[str, str], signed: str) -> None:
    _raises(lambda: check_inclusion_doc(_doc(2), public_key_text=keys[1]), NO_CHECKPOINT)
    other = generate_key("someone.else")[1]
    with pytest.raises(LedgerVerificationError, match=r"is not signed by key someone\.else\+"):
        check_inclusion_doc(_doc(2, signed), public_key_text=other)
    with pytest.raises(ConfigError):
        check_inclusion_doc(_doc(2, signed), public_key_text="not a key")


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        ({"origin": ""}, "origin", "a non-empty string"),
        ({"seq": "3"}, "seq", "a non-negative integer"),
        ({"leaf_index": True}, "leaf_index", "a non-negative integer"),
        ({"tree_size": 0}, "tree_size", "a positive integer"),
        ({"leaf_hash": "AB" * 32}, "leaf_hash", "64 lowercase hex digits"),
        ({"event": [1]}, "event", "a JSON object without NaN or infinities"),
        ({"event": {"x": float("nan")}}, "event", "a JSON object without NaN or infinities"),
        ({"proof": ["00"]}, "proof", "a list of 64-hex-digit hashes"),
        ({"root_hash": None}, "root_hash", "64 lowercase hex digits"),
        ({"checkpoint": 5}, "checkpoint", "a signed note or null"),
    ],
)
def test_malformed_documents_name_the_field(
    change: dict[str, Any], field: str, expected: str
) -> None:
    doc = {**_doc(2), **change}
    error = _raises(
        lambda: check_inclusion_doc(doc, public_key_text=None), DOC_FIELD.format(expected=expected)
    )
    assert error.field == field
    assert str(error) == f"{field}: must be {expected}"


def test_document_shape_and_seq() -> None:
    _raises(lambda: check_inclusion_doc([], public_key_text=None), DOC_NOT_OBJECT)  # type: ignore[arg-type]
    doc = {**_doc(2), "format": "other/v9"}
    _raises(
        lambda: check_inclusion_doc(doc, public_key_text=None),
        DOC_FORMAT.format(found="other/v9", expected=PROOF_FORMAT),
    )
    missing = _doc(2)
    del missing["root_hash"]
    _raises(
        lambda: check_inclusion_doc(missing, public_key_text=None),
        DOC_FIELD.format(expected="64 lowercase hex digits"),
    )
    relabelled = {**_doc(2), "seq": 5}
    _raises(
        lambda: check_inclusion_doc(relabelled, public_key_text=None),
        EVENT_SEQ_MISMATCH.format(found=2, expected=5),
    )


def test_making_a_proof_checks_the_log(keys: tuple[str, str], signed: str) -> None:
    _raises(
        lambda: make_inclusion_doc(
            origin=ORIGIN, seq=2, leaf_index=1, event=EVENTS[2], leaves=LEAVES
        ),
        EVENT_NOT_AT_LEAF.format(seq=2, leaf_index=1),
    )
    small = sign_checkpoint(Checkpoint(ORIGIN, 3, root_hash(LEAVES[:3])), keys[0])
    _raises(
        lambda: make_inclusion_doc(
            origin=ORIGIN, seq=1, leaf_index=0, event=EVENTS[0], leaves=LEAVES, checkpoint=small
        ),
        CHECKPOINT_MISMATCH.format(field="tree size", signed=3, claimed=7),
    )
    with pytest.raises(ValueError, match=r"^leaf index 7 is outside a tree of 7 leaves$"):
        make_inclusion_doc(origin=ORIGIN, seq=8, leaf_index=7, event=EVENTS[0], leaves=LEAVES)
    with pytest.raises(
        ValueError, match=r"^the event does not survive a JSON round trip"
    ) as caught:
        make_inclusion_doc(origin=ORIGIN, seq=1, leaf_index=0, event={10: 2, 9: 3}, leaves=LEAVES)
    assert str(caught.value) == EVENT_NOT_JSON
