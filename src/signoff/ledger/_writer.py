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
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import text
from sqlalchemy.orm import Session

from .._canonical import canonical_json
from ..errors import LedgerVerificationError
from ._checkpoint import _public_key
from ._signing import sign_statement

__all__ = ["WRITER_SIGNATURE", "sign_as_writer", "verify_writer", "writer_statement"]

WRITER_SIGNATURE = "writer_signature"
WRITER_MISSING = (
    "seq {seq}: {actor}'s {action} carries no writer signature, but the events before it do: "
    "it was not appended by the server (written straight into the database)"
)
WRITER_INVALID = (
    "seq {seq}: the writer signature on {actor}'s {action} does not verify with the writer key "
    "(the event was edited, moved, inserted before, or signed by another key)"
)
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
    prev = ""
    signed = 0
    for seq, ts, actor, action, subject, payload_text, leaf in session.execute(query):
        payload = json.loads(payload_text)
        signature = payload.get(WRITER_SIGNATURE)
        valid = False
        if isinstance(signature, str):
            statement = writer_statement(seq, ts, actor, action, subject, payload, prev)
            try:
                key.verify(base64.b64decode(signature, validate=True), canonical_json(statement))
                valid = True
            except (InvalidSignature, ValueError):
                valid = False
        if valid:
            signed += 1
        elif signed:
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
