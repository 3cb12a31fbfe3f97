"""Workflow domain objects: change requests and sign-offs, frozen."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import ConfigError

__all__ = ["DECISIONS", "ChangeRequest", "Decision", "SignOff", "cr_id", "cr_number"]

Decision = Literal["approve", "reject", "changes"]
DECISIONS: tuple[Decision, ...] = ("approve", "reject", "changes")
BAD_CR = "expected a change request id like CR-12, got {text!r}"
_CR = re.compile(r"^(?:CR-)?(\d+)$", re.IGNORECASE)


def cr_id(number: int) -> str:
    """``CR-12``."""
    return f"CR-{number}"


def cr_number(text: str) -> int:
    """12 from ``CR-12`` (or ``12``); ConfigError otherwise."""
    match = _CR.match(text.strip())
    if match is None:
        raise ConfigError(BAD_CR.format(text=text))
    return int(match.group(1))


@dataclass(frozen=True)
class SignOff:
    """A recorded decision by a person in a role, with the evidence they were shown."""

    user: str
    role: str
    decision: Decision
    comment: str
    evidence: dict[str, Any]
    at: dt.datetime
    ledger_seq: int


@dataclass(frozen=True)
class ChangeRequest:
    """A proposal to move one version to one stage, and everything a reviewer needs."""

    id: str
    model: str
    version: str
    to_stage: str
    state: str
    summary: str
    requester: str
    baseline: str | None  # the version in the target stage when the CR was opened
    risk_level: str
    risk: dict[str, Any]
    required: tuple[dict[str, Any], ...]
    details: dict[str, Any]
    created_at: dt.datetime
    signoffs: tuple[SignOff, ...] = ()
    missing: tuple[str, ...] = field(default=())  # readiness checks not yet met
    review: dict[str, Any] | None = None  # an emergency change's post-incident review
    overdue: bool = False  # an emergency change whose review is past due
    expired: bool = False  # an emergency change past its validity, never deployed

    @property
    def emergency(self) -> dict[str, Any] | None:
        """Incident, reason, expiry and review deadline of a break-glass change."""
        found: dict[str, Any] | None = self.details.get("emergency")
        return found

    def outstanding(self) -> list[dict[str, Any]]:
        """Required roles still short of approvals: ``{role, needed, have}``."""
        out = []
        for rule in self.required:
            have = sum(s.role == rule["role"] and s.decision == "approve" for s in self.signoffs)
            if have < rule["count"]:
                out.append({"role": rule["role"], "needed": rule["count"], "have": have})
        return out
