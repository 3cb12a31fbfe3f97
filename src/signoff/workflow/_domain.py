"""Workflow domain objects: change requests as reviewers see them, frozen."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError
from ..store import CRState, Decision, RequiredSignOff, SignOff

__all__ = [
    "DECISIONS",
    "ChangeRequest",
    "Decision",
    "EmergencyDetails",
    "SignOff",
    "cr_id",
    "cr_number",
    "current_decisions",
]

DECISIONS: tuple[str, ...] = tuple(d.value for d in Decision)
BAD_CR = "expected a change request id like CR-12, got {text!r}"
_CR = re.compile(r"(?:CR-)?(\d{1,9})", re.IGNORECASE)


def cr_id(number: int) -> str:
    """``CR-12``."""
    return f"CR-{number}"


def cr_number(text: str) -> int:
    """12 from ``CR-12`` (or ``12``); ConfigError otherwise."""
    match = _CR.fullmatch(text.strip())
    if match is None:
        raise ConfigError(BAD_CR.format(text=text))
    return int(match.group(1))


@dataclass(frozen=True)
class EmergencyDetails:
    """A break-glass change's incident, reason, validity and review deadline."""

    incident: str
    reason: str
    expires_at: dt.datetime
    review_due_at: dt.datetime

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EmergencyDetails:
        """From the CR's recorded details."""
        return cls(
            data["incident"],
            data["reason"],
            dt.datetime.fromisoformat(data["expires_at"]),
            dt.datetime.fromisoformat(data["review_due_at"]),
        )


def current_decisions(signoffs: tuple[SignOff, ...]) -> dict[tuple[str, str], SignOff]:
    """Each person's latest sign-off in each role (a later decision replaces an earlier)."""
    latest: dict[tuple[str, str], SignOff] = {}
    for s in signoffs:
        latest[(s.user, s.role)] = s
    return latest


@dataclass(frozen=True)
class ChangeRequest:
    """A proposal to move one version to one stage, and everything a reviewer needs."""

    id: str
    model: str
    version: str
    to_stage: str
    state: CRState
    summary: str
    requester: str
    baseline: str | None  # the version in the target stage when the CR was opened
    risk_level: str
    risk: dict[str, Any]
    required: tuple[RequiredSignOff, ...]
    details: dict[str, Any]
    created_at: dt.datetime
    signoffs: tuple[SignOff, ...] = ()
    missing: tuple[str, ...] = field(default=())  # readiness checks not yet met
    review: dict[str, Any] | None = None  # an emergency change's post-incident review
    overdue: bool = False  # an emergency change whose review is past due
    expired: bool = False  # an emergency change past its validity, never deployed
    governance: str = ""  # the governance version it is judged by, e.g. "G-2 (… v1.1)"
    #: The seq of the last event that changed the CR, its sign-offs or its version's
    #: evidence: a page that read an older revision is stale (the server's ETag).
    revision: int = 0

    @property
    def emergency(self) -> dict[str, Any] | None:
        """Incident, reason, expiry and review deadline of a break-glass change."""
        found: dict[str, Any] | None = self.details.get("emergency")
        return found

    def approvals(self, role: str) -> list[str]:
        """Who currently approves in ``role`` (latest, non-stale decisions)."""
        return sorted(
            s.user
            for (user, r), s in current_decisions(self.signoffs).items()
            if r == role and s.decision == Decision.APPROVE and not s.stale
        )

    def outstanding(self) -> list[dict[str, Any]]:
        """Required roles still short of approvals: ``{role, needed, have}``."""
        out = []
        for rule in self.required:
            have = len(self.approvals(rule.role))
            if have < rule.count:
                out.append({"role": rule.role, "needed": rule.count, "have": have})
        return out
