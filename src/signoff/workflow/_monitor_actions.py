"""What failing monitoring windows do: alerts, and automatic rollback as an emergency change.

See :mod:`signoff.workflow._monitoring`.  Every function runs inside the unit that
records the windows, under the registry's write lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..registry import Core, Unit
from ..store import MonitorWindow, VersionRef
from ._domain import cr_id
from ._monitor_types import (
    NO_TARGET,
    NOT_IN_PRODUCTION,
    SEVERITIES,
    RunRecord,
    WindowRecord,
    streak,
)
from ._rollback import apply_rollback, plan_rollback
from ._rules import rules_in_force
from ._support import move, notify

__all__ = ["act"]


def act(
    core: Core,
    unit: Unit,
    ref: VersionRef,
    run: RunRecord,
    window: WindowRecord,
    seq: int,
    history: Sequence[MonitorWindow],
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for severity in SEVERITIES:
        failing = streak(history, seq, severity)
        actions = run.actions.by_severity.get(severity, ())
        if failing < run.actions.consecutive or not actions:
            continue
        gates = [g for g in window.failed_gates if g.get("severity") == severity]
        for action in actions:
            entry: dict[str, Any] = {
                "action": action,
                "severity": severity,
                "failing_windows": failing,
            }
            if action == "notify":
                entry.update(_alert(core, unit, ref, window, severity, gates, failing))
            else:
                entry.update(_roll_back(core, unit, ref, window, severity, gates, failing))
            out.append(entry)
    return out


def _alert(
    core: Core,
    unit: Unit,
    ref: VersionRef,
    window: WindowRecord,
    severity: str,
    gates: list[dict[str, Any]],
    streak: int,
    note: str | None = None,
) -> dict[str, Any]:
    payload = {
        "model": ref.model,
        "version": ref.version,
        "window_start": window.start,
        "severity": severity,
        "gates": [g.get("gate") for g in gates],
        "consecutive": streak,
    }
    if note:
        payload["note"] = note
    event = unit.emit("monitor.alert", f"version:{ref}", payload)
    notify(unit, core, "monitor.alert", f"version:{ref}", event.seq, payload)
    return {"status": "done", "ledger_seq": event.seq, "detail": note or "alert sent"}


def _roll_back(
    core: Core,
    unit: Unit,
    ref: VersionRef,
    window: WindowRecord,
    severity: str,
    gates: list[dict[str, Any]],
    streak: int,
) -> dict[str, Any]:
    current = unit.repo.holder(ref.model, "production")
    if current is None or current.version != ref.version:
        now = str(current.ref) if current else "nothing"
        return {"status": "skipped", "detail": NOT_IN_PRODUCTION.format(ref=ref, now=now)}
    plan = plan_rollback(unit, ref.model, None)
    if plan.target is None or plan.done is not None:
        note = NO_TARGET.format(model=ref.model)
        alert = _alert(core, unit, ref, window, severity, gates, streak, note)
        return {**alert, "status": "skipped", "detail": note}
    start = window.start or unit.now.isoformat().replace("+00:00", "Z")
    incident = f"MON-{ref.model}-{start}"
    names = ", ".join(str(g.get("gate")) for g in gates)
    reason = f"monitoring: {severity} gate(s) {names} failed in {streak} consecutive windows"
    number = _open_automatic(core, unit, ref, plan.target, incident, reason)
    rolled = apply_rollback(
        unit, core, plan, {"reason": reason, "incident": incident, "cr": cr_id(number)}
    )
    move(unit, core, unit.repo.cr(number), "deployed", {"operator": unit.actor})
    return {
        "status": "done",
        "detail": f"production rolled back to {rolled}",
        "change_request": cr_id(number),
        "incident": incident,
    }


def _open_automatic(
    core: Core, unit: Unit, ref: VersionRef, target: str, incident: str, reason: str
) -> int:
    """The emergency change that records an automatic rollback (approved for
    production before; no new approval: the review afterwards is the control)."""
    rules = rules_in_force(unit.repo, core.artifacts)
    settings = rules.governance.emergency
    number = unit.repo.next_number("cr")
    name = cr_id(number)
    opened = unit.emit(
        "emergency.opened",
        name,
        {
            "version": f"{ref.model}@{target}",
            "to_stage": "production",
            "summary": f"EMERGENCY {incident}: {reason}",
            "required": [],
            "baseline": str(ref),
            "governance_sha256": rules.sha256,
            "governance_version": rules.number,
            "incident": incident,
            "reason": reason,
            "automatic": True,
            "expires_at": (unit.now + dt.timedelta(hours=settings.max_duration_hours)).isoformat(),
            "review_due_at": (unit.now + dt.timedelta(hours=settings.review_due_hours)).isoformat(),
        },
    )
    notify(
        unit,
        core,
        "emergency.opened",
        name,
        opened.seq,
        {"version": f"{ref.model}@{target}", "to_stage": "production", "reason": reason},
    )
    record = unit.repo.cr(number)
    move(unit, core, record, "submitted", {"emergency": True, "automatic": True})
    move(
        unit,
        core,
        record,
        "approved",
        {"approvals": [], "basis": f"{ref.model}@{target} was approved for production"},
    )
    return number
