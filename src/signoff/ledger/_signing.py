"""Personal signatures on sign-offs: Ed25519 over the canonical JSON of the statement.

A user who registers a public key (``signoff user key``) must sign every
sign-off with the matching private key (``signoff cr sign --key``).  The
signature travels in the ledger event, and ``signoff ledger verify`` checks
each one against the key the user had registered at that point of the log.
Keys use the same text format as checkpoint keys (``signoff ledger keygen``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from .._canonical import canonical_json
from ..errors import LedgerVerificationError
from ._checkpoint import _private_key, _public_key, _verifies

__all__ = ["check_public_key", "sign_statement", "verify_signoffs", "verify_statement"]

UNSIGNED = "seq {seq}: {user} registered a signing key but this sign-off carries no signature"
BAD_SIGNATURE = (
    "seq {seq}: the signature on {user}'s sign-off does not verify with the key they registered"
)
NO_KEY = "seq {seq}: {user}'s sign-off is signed but no key was registered for them before it"


def check_public_key(public_key_text: str) -> str:
    """The key text, stripped, once it parses (ConfigError otherwise)."""
    _public_key(public_key_text)
    return public_key_text.strip()


def sign_statement(statement: Mapping[str, Any], private_key_text: str) -> str:
    """Base64 Ed25519 signature over the canonical JSON of ``statement``."""
    _, _, key = _private_key(private_key_text)
    return base64.b64encode(key.sign(canonical_json(dict(statement)))).decode("ascii")


def verify_statement(statement: Mapping[str, Any], signature: str, public_key_text: str) -> bool:
    """Whether ``signature`` is the key's signature over ``statement``."""
    _, _, key = _public_key(public_key_text)
    try:
        raw = base64.b64decode(signature, validate=True)
    except ValueError:
        return False
    return _verifies(key, raw, canonical_json(dict(statement)))


def verify_signoffs(session: Session) -> int:
    """Check every signed sign-off against the key registered before it; returns how many.

    Raises
    ------
    LedgerVerificationError
        Naming the seq of the first sign-off whose signature is missing or wrong.
    """
    query = text(
        "SELECT seq, action, payload FROM ledger_events "
        "WHERE action IN ('user.added', 'user.key_registered', 'cr.signed') ORDER BY seq"
    )
    keys: dict[str, str] = {}
    checked = 0
    for seq, action, payload_text in session.execute(query):
        payload = json.loads(payload_text)
        if action == "user.key_registered" or (
            action == "user.added" and payload.get("public_key")
        ):
            keys[payload["name"]] = payload["public_key"]
            continue
        if action != "cr.signed":
            continue
        user, signature = payload["user"], payload.get("signature")
        statement = {
            k: payload[k]
            for k in ("cr", "user", "role", "decision", "comment", "evidence")
            if k in payload
        }
        if user in keys and signature is None:
            raise LedgerVerificationError(UNSIGNED.format(seq=seq, user=user))
        if signature is not None:
            if user not in keys:
                raise LedgerVerificationError(NO_KEY.format(seq=seq, user=user))
            if not verify_statement(statement, signature, keys[user]):
                raise LedgerVerificationError(BAD_SIGNATURE.format(seq=seq, user=user))
            checked += 1
    return checked
