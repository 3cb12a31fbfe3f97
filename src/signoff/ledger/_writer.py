"""The writer's signature: the server signs every event it appends with a key the database
does not hold, so rows written behind its back are detected even after the last checkpoint.

The signature is Ed25519 over the canonical JSON of ``{seq, ts, actor, action, subject,
payload, prev}`` — the event as hashed, without the signature itself, plus ``prev``, the
leaf hash of the event before it (``""`` for the first). It travels in the payload under
``writer_signature``, so it is part of the leaf hash and of every checkpoint.

Chaining through ``prev`` makes the signed events one chain: an event inserted, removed or
moved among them breaks the signature of the event after it, and an event the writer did
not append carries no valid signature. :func:`verify_writer` checks every event from the
first one the key signed (events written before the server started — ``signoff init``,
say — have none; checkpoints protect those). What a writer signature cannot show is a
*truncation* of the newest events: a published checkpoint bounds that window.

**Rotation.** A ``writer_key.rotated`` event names the new public key; it is signed by
the old key (its writer signature) and by the new one (``new_key_signature`` over
``{rotate_writer_key: OLD, public_key: NEW}``).  From the event after it, every event must
carry the new key's signature, so :func:`verify_writer`, given the first key, follows the
chain: a rotation the old key did not sign is an event the writer did not append, and an
event signed with a key rotated away is named as such.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from .._canonical import canonical_json
from ..errors import ConfigError, LedgerVerificationError
from ._checkpoint import _public_key, public_key_of
from ._checkpoint import _verifies as _signed_by
from ._signing import sign_statement, verify_statement

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = [
    "WRITER_ROTATED",
    "WRITER_SIGNATURE",
    "check_in_force",
    "last_writer_signed",
    "rotation_payload",
    "rotation_statement",
    "sign_as_writer",
    "verify_writer",
    "writer_key_in_force",
    "writer_statement",
]

WRITER_SIGNATURE = "writer_signature"
WRITER_MISSING = (
    "seq {seq}: {actor}'s {action} carries no writer signature, but the events before it do: "
    "it was not appended by the server (written straight into the database)"
)
WRITER_INVALID = (
    "seq {seq}: the writer signature on {actor}'s {action} does not verify with the writer key "
    "(the event was edited, moved, inserted before, or signed by another key)"
)
WRITER_ROTATED = "writer_key.rotated"
ROTATION_NOT_NEW = (
    "seq {seq}: the writer-key rotation is not signed by the new key it names "
    "(new_key_signature missing or wrong)"
)
ROTATED_AWAY = (
    "seq {seq}: {actor}'s {action} is signed by the writer key rotated away at seq {rotated} "
    "(a server still running with the old key?), not by the key in force"
)
NOTHING_SIGNED = (
    "no ledger event carries a writer signature yet: there is no writer key to rotate "
    "(start the server with SIGNOFF_WRITER_KEY naming the new key instead)"
)
NOT_IN_FORCE = (
    "the writer key {name} is not the one in force: {why}; give the key the server "
    "signs with now (after a rotation, the new one)"
)
SAME_KEY = "the new writer key is the old one: generate a new pair (signoff ledger keygen)"
WRITER_NONE = (
    "no event carries a valid signature by this writer key: the server never appended to "
    "this ledger with it, or its events were removed or rewritten"
)


def writer_statement(
    seq: int,
    ts: str,
    actor: str,
    action: str,
    subject: str,
    payload: Mapping[str, Any],
    prev: str,
) -> dict[str, Any]:
    """What the writer signs: the event without its writer signature, and the leaf before."""
    body = {k: v for k, v in payload.items() if k != WRITER_SIGNATURE}
    return {
        "seq": seq,
        "ts": ts,
        "actor": actor,
        "action": action,
        "subject": subject,
        "payload": body,
        "prev": prev,
    }


def rotation_statement(previous: str, new: str) -> dict[str, str]:
    """What the new key signs when it takes over from ``previous`` (public key texts)."""
    return {"rotate_writer_key": previous, "public_key": new}


def rotation_payload(old_private_key: str, new_private_key: str) -> dict[str, str]:
    """The ``writer_key.rotated`` payload: the new public key, signed by the new key.

    The event itself must be appended with ``writer_key=old_private_key``.
    """
    old, new = public_key_of(old_private_key), public_key_of(new_private_key)
    if old == new:
        raise ConfigError(SAME_KEY, field="--new-key")
    return {
        "previous_public_key": old,
        "public_key": new,
        "new_key_signature": sign_statement(rotation_statement(old, new), new_private_key),
    }


def writer_key_in_force(session: Session) -> tuple[int, str] | None:
    """The seq and public key of the latest ``writer_key.rotated`` event (None: never)."""
    row = session.execute(
        text(
            "SELECT seq, payload FROM ledger_events WHERE action = :action "
            "ORDER BY seq DESC LIMIT 1"
        ),
        {"action": WRITER_ROTATED},
    ).first()
    return None if row is None else (int(row[0]), str(json.loads(row[1])["public_key"]))


def check_in_force(session: Session, public_key: str) -> None:
    """ConfigError unless ``public_key`` is the writer key in force: the one that signed
    the newest writer-signed event, or the key the newest rotation named."""
    last = last_writer_signed(session)
    if last is None:
        raise ConfigError(NOTHING_SIGNED)
    name = public_key.strip().split("+", 1)[0]
    rotated = writer_key_in_force(session)
    if rotated is not None:
        seq, named = rotated
        if named != public_key.strip():
            why = f"seq {seq} rotated to {named.split('+', 1)[0]}"
            raise ConfigError(NOT_IN_FORCE.format(name=name, why=why))
        return
    statement, signature, _ = last
    seq = statement["seq"]
    if not _verifies(_public_key(public_key)[2], signature, statement):
        why = f"seq {seq}, the newest signed event, is not signed by it"
        raise ConfigError(NOT_IN_FORCE.format(name=name, why=why))


def last_writer_signed(session: Session) -> tuple[dict[str, Any], str, str] | None:
    """The newest event carrying a writer signature: its statement, signature and action."""
    query = text(
        "SELECT seq, ts, actor, action, subject, payload FROM ledger_events "
        "WHERE payload LIKE :marker ORDER BY seq DESC LIMIT 1"
    )
    row = session.execute(query, {"marker": f'%"{WRITER_SIGNATURE}"%'}).first()
    if row is None:
        return None
    seq, ts, actor, action, subject, payload_text = row
    payload = json.loads(payload_text)
    prev = session.execute(
        text("SELECT leaf_hash FROM ledger_events WHERE seq = :seq"), {"seq": seq - 1}
    ).scalar()
    statement = writer_statement(seq, ts, actor, action, subject, payload, prev or "")
    return statement, str(payload[WRITER_SIGNATURE]), str(action)


def sign_as_writer(statement: Mapping[str, Any], private_key: str) -> str:
    """The writer's base64 signature over :func:`writer_statement`."""
    return sign_statement(statement, private_key)


def verify_writer(session: Session, public_key: str) -> int:
    """Check the writer signature of every event from the first one this key signed.

    Call it after the leaf hashes were checked (the stored ``leaf_hash`` is then the
    event's). Returns how many events carry a valid signature.

    Raises
    ------
    LedgerVerificationError
        Naming the first event, from the first signed one on, whose writer signature is
        missing or wrong; or saying that no event carries one.
    """
    query = text(
        "SELECT seq, ts, actor, action, subject, payload, leaf_hash FROM ledger_events ORDER BY seq"
    )
    _, _, key = _public_key(public_key)  # parsed once (ConfigError when it is not a key)
    in_force = public_key.strip()
    retired: tuple[int, Ed25519PublicKey] | None = None  # the last key rotated away, and where
    prev = ""
    signed = 0
    for seq, ts, actor, action, subject, payload_text, leaf in session.execute(query):
        payload = json.loads(payload_text)
        signature = payload.get(WRITER_SIGNATURE)
        statement = writer_statement(seq, ts, actor, action, subject, payload, prev)
        valid = _verifies(key, signature, statement)
        if valid:
            signed += 1
            if action == WRITER_ROTATED:
                new = _rotation_target(seq, in_force, payload)
                retired, in_force, key = (seq, key), new, _public_key(new)[2]
        elif signed:
            if retired is not None and _verifies(retired[1], signature, statement):
                raise LedgerVerificationError(
                    ROTATED_AWAY.format(seq=seq, actor=actor, action=action, rotated=retired[0])
                )
            message = WRITER_INVALID if signature is not None else WRITER_MISSING
            raise LedgerVerificationError(message.format(seq=seq, actor=actor, action=action))
        elif signature is not None:
            # a signature before any valid one: by another key, or this event was edited
            raise LedgerVerificationError(
                WRITER_INVALID.format(seq=seq, actor=actor, action=action)
            )
        prev = leaf
    if not signed:
        raise LedgerVerificationError(WRITER_NONE)
    return signed


def _verifies(key: Ed25519PublicKey, signature: object, statement: Mapping[str, Any]) -> bool:
    if not isinstance(signature, str):
        return False
    try:
        raw = base64.b64decode(signature, validate=True)
    except ValueError:
        return False
    return _signed_by(key, raw, canonical_json(dict(statement)))


def _rotation_target(seq: int, in_force: str, payload: Mapping[str, Any]) -> str:
    """The new key a rotation signed by the key in force names, once it signed it too."""
    new, signature = payload.get("public_key"), payload.get("new_key_signature")
    try:
        ok = (
            isinstance(new, str)
            and isinstance(signature, str)
            and verify_statement(rotation_statement(in_force, new), signature, new)
        )
    except ConfigError:  # the named key is not a key
        ok = False
    if not ok:
        raise LedgerVerificationError(ROTATION_NOT_NEW.format(seq=seq))
    return str(new)
