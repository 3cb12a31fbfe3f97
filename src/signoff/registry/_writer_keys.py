"""Rotating the server's writer key without breaking ``ledger verify --writer-key``.

An admin, on the server's host with every worker stopped, records ``writer_key.rotated``:
the event names the new public key, carries the new key's signature over the hand-over
and is signed as writer by the old key, so whoever verifies with the first key follows
the chain (see :mod:`signoff.ledger._writer`).  The old key must be the one in force —
the key of the newest writer-signed event — so a stale or wrong key cannot fork the chain.
Events the same unit appends after the rotation (housekeeping) are signed by the new key.
"""

from __future__ import annotations

from ..errors import WorkflowRefused
from ..ledger import WRITER_ROTATED, LedgerEvent, check_in_force, rotation_payload
from ._core import Core

__all__ = ["WRITER_KEY_SUBJECT", "WriterKeyServices"]

WRITER_KEY_SUBJECT = "ledger:writer-key"
NOT_ADMIN = "{actor} cannot rotate the writer key: only an admin can (admins: {admins})"


class WriterKeyServices:
    """Rotate the writer key."""

    def __init__(self, core: Core) -> None:
        self._core = core

    def rotate(self, old_private_key: str, new_private_key: str, *, actor: str) -> LedgerEvent:
        """Record the hand-over from ``old_private_key`` to ``new_private_key``.

        Raises
        ------
        ConfigError
            A key is malformed, the keys are the same, or the old key is not the one in
            force (the ledger is unchanged).
        WorkflowRefused
            ``actor`` is not an admin.
        """
        payload = rotation_payload(old_private_key, new_private_key)
        with self._core.write(actor) as unit:
            if "admin" not in unit.repo.user(unit.actor).roles:
                admins = ", ".join(unit.repo.holders_of("admin"))
                raise WorkflowRefused(NOT_ADMIN.format(actor=unit.actor, admins=admins))
            unit.read_ledger(lambda s: check_in_force(s, payload["previous_public_key"]))
            unit.writer_key = old_private_key
            event = unit.emit(WRITER_ROTATED, WRITER_KEY_SUBJECT, payload)
            unit.writer_key = new_private_key
            return event
