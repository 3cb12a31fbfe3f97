"""Signed actions: when governance says ``signatures: required``, every human action
carries its actor's Ed25519 signature, and ``ledger verify`` checks each one.

The signature covers the canonical JSON of ``{actor, action, subject, payload}`` (the
payload without the signature itself) and travels in the event's payload under
``actor_signature``.  It is checked against the key the actor had registered at that
point of the log, for every event after the governance version that requires it was
applied — so in a shared database, a name typed with ``--as`` is no longer enough to act
as someone: their private key is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..errors import LedgerVerificationError
from ._signing import sign_statement, verify_statement
from ._writer import WRITER_SIGNATURE

__all__ = [
    "ACTOR_SIGNATURE",
    "UNSIGNED_ACTIONS",
    "action_statement",
    "sign_action",
    "verify_action",
    "verify_actions",
]

ACTOR_SIGNATURE = "actor_signature"
#: Events that record what signoff refused or noticed rather than what someone did.
UNSIGNED_ACTIONS = frozenset({"cr.refused", "workflow.refused", "emergency.review_overdue"})
#: The actor of events signoff records on its own.
SYSTEM = "signoff"
ACTION_UNSIGNED = (
    "seq {seq}: {actor}'s {action} carries no signature, but governance G-{gov} requires "
    "every action to be signed"
)
ACTION_FORGED = "seq {seq}: the signature on {actor}'s {action} does not verify with their key"
ACTION_NO_KEY = (
    "seq {seq}: governance G-{gov} requires signed actions but {actor} had no registered key"
)


def action_statement(
    actor: str, action: str, subject: str, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """What an actor signs: the event without its signature."""
    body = {k: v for k, v in payload.items() if k not in (ACTOR_SIGNATURE, WRITER_SIGNATURE)}
    return {"actor": actor, "action": action, "subject": subject, "payload": body}


def sign_action(
    actor: str, action: str, subject: str, payload: Mapping[str, Any], private_key: str
) -> str:
    """The actor's signature over the action."""
    return sign_statement(action_statement(actor, action, subject, payload), private_key)


def verify_action(
    actor: str, action: str, subject: str, payload: Mapping[str, Any], public_key: str
) -> bool:
    """Whether the payload carries the actor's valid signature."""
    signature = payload.get(ACTOR_SIGNATURE)
    if not isinstance(signature, str):
        return False
    statement = action_statement(actor, action, subject, payload)
    return verify_statement(statement, signature, public_key)


def _ever_required(session: Session) -> bool:
    """Whether any governance version that was applied said ``signatures: required``."""
    applied = {
        subject
        for (subject,) in session.execute(
            text("SELECT subject FROM ledger_events WHERE action = 'governance.applied'")
        )
    }
    for subject, payload_text in session.execute(
        text("SELECT subject, payload FROM ledger_events WHERE action = 'governance.proposed'")
    ):
        if subject in applied:
            document = json.loads(payload_text).get("document") or {}
            if document.get("signatures") == "required":
                return True
    return False


def verify_actions(session: Session) -> int:
    """Check every action that governance required to be signed; returns how many.

    Raises
    ------
    LedgerVerificationError
        Naming the seq of the first action whose signature is missing or wrong.
    """
    if not _ever_required(session):
        return 0  # no governance version ever required signatures: nothing to read
    query = text("SELECT seq, actor, action, subject, payload FROM ledger_events ORDER BY seq")
    keys: dict[str, str] = {}
    users: set[str] = set()
    proposed: dict[int, bool] = {}
    required: int | None = None  # the governance version that requires signatures
    checked = 0
    for seq, actor, action, subject, payload_text in session.execute(query):
        payload = json.loads(payload_text)
        judged = actor in users and actor != SYSTEM and action not in UNSIGNED_ACTIONS
        if required is not None and judged:
            if actor not in keys:
                raise LedgerVerificationError(
                    ACTION_NO_KEY.format(seq=seq, actor=actor, gov=required)
                )
            if ACTOR_SIGNATURE not in payload:
                raise LedgerVerificationError(
                    ACTION_UNSIGNED.format(seq=seq, actor=actor, action=action, gov=required)
                )
            if not verify_action(actor, action, subject, payload, keys[actor]):
                raise LedgerVerificationError(
                    ACTION_FORGED.format(seq=seq, actor=actor, action=action)
                )
            checked += 1
        if action == "user.added":
            users.add(payload["name"])
            if payload.get("public_key"):
                keys[payload["name"]] = payload["public_key"]
        elif action == "user.key_registered":
            keys[payload["name"]] = payload["public_key"]
        elif action == "governance.proposed":
            document = payload.get("document") or {}
            proposed[int(subject.removeprefix("G-"))] = document.get("signatures") == "required"
        elif action == "governance.applied":
            number = int(subject.removeprefix("G-"))
            required = number if proposed.get(number) else None
    return checked
