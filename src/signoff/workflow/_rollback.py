"""Rollback, and what was in a stage at a given moment and who approved it.

Rollback is idempotent: a retry finds production already where the previous rollback
left it and changes nothing.  It never returns to a version that was rolled back
from, unless that version is named with ``to_version`` and was approved for the stage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..errors import SignoffError
from ..registry import Core, Unit
from ..store import CRRecord, CRState, Decision, ModelVersion, VersionRef
from ._domain import cr_id
from ._support import move, notify, record_refusal, refuse

__all__ = [
    "HistoryServices",
    "Rollback",
    "RollbackPlan",
    "RollbackServices",
    "apply_rollback",
    "plan_rollback",
]


@dataclass(frozen=True)
class Rollback:
    """Where production stands after a rollback (``changed`` False: a retry did nothing)."""

    model: str
    version: str
    changed: bool
    rolled_back_from: str | None

    def __str__(self) -> str:
        return f"{self.model}@{self.version}"


class RollbackServices:
    """Production back to the last version approved for it, in one command."""

    def __init__(self, core: Core, *, role: str = "operator") -> None:
        self._core = core
        self._role = role

    def rollback(
        self, model: str, *, actor: str, reason: str, to_version: str | None = None
    ) -> Rollback:
        """Return production to the last version approved for it (or ``to_version``)."""
        try:
            return self._rollback(model, actor=actor, reason=reason, to_version=to_version)
        except SignoffError as refusal:
            record_refusal(self._core, actor, f"model:{model}", "rollback", refusal)
            raise

    def _rollback(self, model: str, *, actor: str, reason: str, to_version: str | None) -> Rollback:
        with self._core.write(actor) as unit:
            roles = set(unit.repo.user(unit.actor).roles)
            if not roles & {"operator", "monitor"}:
                raise refuse("cannot_roll_back", user=unit.actor)
            plan = plan_rollback(unit, model, to_version)
            if plan.done is not None:
                return plan.done
            if plan.target is None:
                raise refuse("no_rollback_target", model=model)
            return apply_rollback(unit, self._core, plan, {"reason": reason})


@dataclass(frozen=True)
class RollbackPlan:
    """Where a rollback would take production: ``target`` None when there is nowhere to
    go, ``done`` set when production is already there (a retry)."""

    model: str
    current: ModelVersion | None
    deployed: list[tuple[CRRecord, int]]
    target: str | None
    done: Rollback | None = None


def plan_rollback(unit: Unit, model: str, to_version: str | None) -> RollbackPlan:
    """Work out the rollback target under the unit's lock (reads only)."""
    current = unit.repo.holder(model, "production")
    deployed = unit.repo.deployed_crs(model, "production")
    rollbacks = unit.repo.events(f"model:{model}", ("model.rolled_back",))
    rolled_from = {p["from"].partition("@")[2] for _, _, _, p in rollbacks if p.get("from")}
    last_deploy = deployed[0][1] if deployed else 0
    retry = to_version is None and rollbacks and rollbacks[-1][0] > last_deploy
    left_at = rollbacks[-1][3]["to"].partition("@")[2] if rollbacks else None
    if retry and current is not None and current.version == left_at:
        done = Rollback(model, current.version, False, rollbacks[-1][3].get("from"))
        return RollbackPlan(model, current, deployed, current.version, done)
    if to_version is not None:
        unit.repo.version(VersionRef(model, to_version))
        if not any(cr.version == to_version for cr, _ in deployed):
            raise refuse("not_approved_for", ref=f"{model}@{to_version}")
        target: str | None = to_version
    else:
        candidates = [
            cr.version
            for cr, _ in deployed
            if cr.version != (current.version if current else None)
            and cr.version not in rolled_from
            and cr.state != CRState.ROLLED_BACK
        ]
        target = candidates[0] if candidates else None
    if target is not None and current is not None and current.version == target:
        return RollbackPlan(model, current, deployed, target, Rollback(model, target, False, None))
    return RollbackPlan(model, current, deployed, target)


def apply_rollback(unit: Unit, core: Core, plan: RollbackPlan, payload: dict[str, Any]) -> Rollback:
    """Move production to ``plan.target``: the live CR is rolled back, the version
    archived, the target returned to production, and the rollback announced."""
    model, current, target = plan.model, plan.current, plan.target
    assert target is not None
    payload = {**payload, "to": f"{model}@{target}"}
    if current is not None:
        live = [cr for cr, _ in plan.deployed if cr.version == current.version]
        if live and unit.repo.cr(live[0].number).state == CRState.DEPLOYED:
            move(unit, core, live[0], "rolled_back", payload)
        unit.emit(
            "version.stage_changed",
            f"version:{current.ref}",
            {**payload, "from": current.stage, "to": "archived", "why": "rolled back"},
        )
    target_version = unit.repo.version(VersionRef(model, target))
    unit.emit(
        "version.stage_changed",
        f"version:{target_version.ref}",
        {**payload, "from": target_version.stage, "to": "production", "why": "rollback"},
    )
    came_from = str(current.ref) if current else None
    rolled = unit.emit("model.rolled_back", f"model:{model}", {**payload, "from": came_from})
    notify(
        unit,
        core,
        "model.rolled_back",
        f"model:{model}",
        rolled.seq,
        {**payload, "from": came_from, "actor": unit.actor},
    )
    return Rollback(model, target, True, came_from)


class HistoryServices:
    """What was in a stage at a given moment, and who approved it."""

    def __init__(self, core: Core) -> None:
        self._core = core

    def holder_at(
        self, model: str, when: dt.datetime, *, stage: str = "production"
    ) -> dict[str, Any] | None:
        """The version in ``stage`` at ``when``, the CR that put it there and its approvers."""
        with self._core.read() as repo:
            moves = [m for m in repo.history(model) if m.at <= when]
            current: dict[str, Any] = {}
            for m in moves:
                current[m.version] = m
            live = [m for m in current.values() if m.to_stage == stage]
            if not live:
                return None
            move_ = max(live, key=lambda m: m.ledger_seq)
            crs = repo.crs(version=VersionRef(model, move_.version))
            deployed = next(
                (
                    c
                    for c in crs
                    if c.to_stage == stage
                    and repo.cr_states_at(c.number, move_.ledger_seq) == "deployed"
                ),
                None,
            )
            approvals = (
                []
                if deployed is None
                else [
                    {"user": s.user, "role": s.role, "at": s.at.isoformat()}
                    for s in deployed.signoffs
                    if s.decision == Decision.APPROVE
                ]
            )
            return {
                "model": model,
                "stage": stage,
                "at": when.isoformat(),
                "version": move_.version,
                "since": move_.at.isoformat(),
                "moved_by": move_.actor,
                "ledger_seq": move_.ledger_seq,
                "change_request": cr_id(deployed.number) if deployed else None,
                "approved_by": approvals,
            }
