"""``signoff policy diff``: what changed between two versions of a policy.

What a reviewer of a policy change needs: gates added and removed, and each
changed gate classed as *tightened* (only stricter), *loosened* (accepts
something the old one refused, lower severity, narrower scope) or *changed*
(wording only: name, clause, rationale, owner).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ._compose import acceptance, loosenings
from ._schema import Gate, Policy

__all__ = ["GateChange", "diff_policies"]

ChangeKind = Literal["added", "removed", "tightened", "loosened", "changed"]
_RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class GateChange:
    """One gate's change between two policy versions."""

    kind: ChangeKind
    key: str
    old: Gate | None
    new: Gate | None
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "gate": self.key,
            "old": self.old.model_dump(mode="json") if self.old else None,
            "new": self.new.model_dump(mode="json") if self.new else None,
            "reasons": list(self.reasons),
        }


def _tightenings(old: Gate, new: Gate) -> list[str]:
    out = []
    if acceptance(new) != acceptance(old):
        out.append(f"threshold {old.comparison} {old.threshold} → {new.comparison} {new.threshold}")
    if _RANK[new.severity] > _RANK[old.severity]:
        out.append(f"severity {old.severity} → {new.severity}")
    if old.attributes is not None and new.attributes != old.attributes:
        out.append(
            f"scope {list(old.attributes)} → {list(new.attributes) if new.attributes else 'all'}"
        )
    if new.use_confidence_bound and not old.use_confidence_bound:
        out.append("now judges the confidence bound")
    return out


def _wording(old: Gate, new: Gate) -> list[str]:
    return [
        f"{field} changed"
        for field in ("name", "clause", "rationale", "owner")
        if getattr(old, field) != getattr(new, field)
    ]


def diff_policies(old: Policy, new: Policy) -> list[GateChange]:
    """Every gate added, removed, tightened, loosened or reworded, in policy order."""
    before = {g.key: g for g in old.gates}
    after = {g.key: g for g in new.gates}
    changes = []
    for key, gate in before.items():
        if key not in after:
            changes.append(GateChange("removed", key, gate, None, ("gate removed",)))
            continue
        other = after[key]
        loosened = loosenings(gate, other)
        if loosened:
            changes.append(GateChange("loosened", key, gate, other, tuple(loosened)))
            continue
        tightened = _tightenings(gate, other)
        if tightened:
            changes.append(GateChange("tightened", key, gate, other, tuple(tightened)))
        elif _wording(gate, other):
            changes.append(GateChange("changed", key, gate, other, tuple(_wording(gate, other))))
    for key, gate in after.items():
        if key not in before:
            changes.append(GateChange("added", key, None, gate, ("new gate",)))
    return changes
