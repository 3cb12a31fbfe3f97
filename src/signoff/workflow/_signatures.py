"""``signatures: required``: no human action commits without its actor's signature.

Checked before each write transaction commits, for the events it appended after the
governance that requires signatures was applied; ``ledger verify`` checks the same
signatures again from the log alone.
"""

from __future__ import annotations

from ..errors import WorkflowRefused
from ..ledger import ACTOR_SIGNATURE, UNSIGNED_ACTIONS, verify_action
from ..registry import SYSTEM_ACTOR, Core, Unit
from ._rules import gov_id, rules_in_force

__all__ = ["require_signatures"]

UNSIGNED = (
    "governance {gov} requires every action to be signed: {actor} acts without a signing "
    "key (SIGNOFF_KEY=PRIVATE_KEY_FILE on the command line; signing_key= in the Python API)"
)
NO_KEY = (
    "governance {gov} requires every action to be signed, but {actor} has no registered "
    "public key (an admin registers one: signoff user key)"
)
WRONG_KEY = "the signing key given is not the one {actor} registered"


def require_signatures(unit: Unit, core: Core) -> None:
    """Refuse the unit's unsigned (or wrongly signed) human actions when governance says so."""
    rules = rules_in_force(unit.repo, core.artifacts)
    if rules.governance.signatures != "required" or rules.number is None:
        return
    events = unit.emitted
    applied = [i for i, e in enumerate(events) if e.action == "governance.applied"]
    if applied:
        events = events[applied[-1] + 1 :]  # the requirement starts after it is applied
    gov = gov_id(rules.number)
    for event in events:
        if event.actor == SYSTEM_ACTOR or event.action in UNSIGNED_ACTIONS:
            continue
        key = unit.repo.user(event.actor).public_key
        if key is None:
            raise WorkflowRefused(NO_KEY.format(gov=gov, actor=event.actor))
        if ACTOR_SIGNATURE not in event.payload:
            raise WorkflowRefused(UNSIGNED.format(gov=gov, actor=event.actor))
        if not verify_action(event.actor, event.action, event.subject, event.payload, key):
            raise WorkflowRefused(WRONG_KEY.format(actor=event.actor))
