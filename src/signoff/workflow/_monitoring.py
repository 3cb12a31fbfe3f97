"""Monitoring through the workflow: record what the monitor measured, and act on it.

The monitor (:mod:`signoff.monitor`) measures; this service records and acts, under
the registry's write lock like every other write.  Each window becomes a
``monitor.window`` event citing the SHA-256 of its profile and results (stored
content-addressed); a re-run of a window supersedes it.  When a severity's gates fail
in ``consecutive_windows`` windows in a row, its actions fire: ``notify`` records a
``monitor.alert`` and sends the ``monitor.alert`` webhook; ``rollback`` returns
production to the last version approved for it as an automatic emergency change
(incident ``MON-<model>-<window start>``) whose post-incident review falls due like any
other.  Only a holder of the ``monitor`` role records runs, and that role can roll
back but never sign or approve.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError, WorkflowRefused
from ..registry import Core, Unit
from ..store import ModelVersion, MonitorBaseline, MonitorWindow, VersionRef
from ._domain import cr_id
from ._rollback import apply_rollback, plan_rollback
from ._rules import rules_in_force
from ._support import move, notify, refuse

__all__ = [
    "SEVERITIES",
    "ActionPlan",
    "MonitorServices",
    "RecordedWindow",
    "RunRecord",
    "WindowRecord",
    "watched_ref",
]

SEVERITIES = ("error", "warning", "info")
NOTHING_IN_PRODUCTION = (
    "{model} has nothing in production to monitor; deploy a version first or pin one "
    "with `model: {model}@VERSION`"
)
PRODUCTION_MOVED = (
    "production of {model} changed from {then} to {now} while the batch was measured; run it again"
)
NO_TARGET = "no earlier version of {model} was approved for production; nothing was deployed"
NOT_IN_PRODUCTION = "{ref} is no longer in production (it holds {now}); nothing to roll back"


def watched_ref(spec: str) -> tuple[str, str | None]:
    """``credit-scorer`` → (model, None: its production version); ``m@1.2`` → (m, 1.2)."""
    model, _, version = spec.partition("@")
    return model, version or None


@dataclass(frozen=True)
class ActionPlan:
    """What each severity does once it fails ``consecutive`` windows in a row."""

    by_severity: dict[str, tuple[str, ...]]
    consecutive: int


@dataclass(frozen=True)
class WindowRecord:
    """One measured window, ready to record (bodies are canonical JSON)."""

    start: str | None
    end: str | None
    rows: int
    status: str  # pass | warning | error | unjudged
    failed_gates: list[dict[str, Any]]
    label_coverage: float | None
    profile: bytes
    results: bytes


@dataclass(frozen=True)
class RunRecord:
    """A run of ``monitor run``: its inputs' hashes, its reference and its windows."""

    config_sha256: str
    batch_sha256: str
    reference: dict[str, Any]
    reference_rows: int
    reference_profile: bytes
    windows: Sequence[WindowRecord]
    actions: ActionPlan
    labels_sha256: str | None = None


@dataclass
class RecordedWindow:
    """A recorded window and what its actions did."""

    seq: int
    supersedes: int | None
    actions: list[dict[str, Any]] = field(default_factory=list)


def _key(w: MonitorWindow | WindowRecord, batch: str) -> tuple[Any, ...]:
    if isinstance(w, MonitorWindow):
        start = w.start.isoformat().replace("+00:00", "Z") if w.start else None
        end = w.end.isoformat().replace("+00:00", "Z") if w.end else None
        return (start, end) if start else (None, w.batch_sha256)
    return (w.start, w.end) if w.start else (None, batch)


def _streak(history: Sequence[MonitorWindow], upto: int, severity: str) -> int:
    count = 0
    for window in reversed([w for w in history if w.seq <= upto]):
        if not any(g.get("severity") == severity for g in window.failed_gates):
            break
        count += 1
    return count


class MonitorServices:
    """Record monitoring runs and baselines; act on failing windows; read them back."""

    def __init__(self, core: Core) -> None:
        self._core = core

    def watched(self, spec: str) -> ModelVersion:
        """The version a monitor config's ``model:`` names (exit 2 when there is none)."""
        model, version = watched_ref(spec)
        with self._core.read() as repo:
            if version is not None:
                return repo.version(VersionRef(model, version))
            repo.model(model)
            holder = repo.holder(model, "production")
        if holder is None:
            raise ConfigError(NOTHING_IN_PRODUCTION.format(model=model), field="model")
        return holder

    def _check(self, unit: Unit, spec: str, ref: VersionRef) -> None:
        if "monitor" not in unit.repo.user(unit.actor).roles:
            raise refuse("not_monitor", user=unit.actor)
        if watched_ref(spec)[1] is None:
            holder = unit.repo.holder(ref.model, "production")
            if holder is None or holder.version != ref.version:
                raise WorkflowRefused(
                    PRODUCTION_MOVED.format(
                        model=ref.model, then=ref, now=holder.ref if holder else "nothing"
                    )
                )

    def _baseline(self, unit: Unit, ref: VersionRef, run: RunRecord) -> str:
        sha = unit.keep("profile", run.reference_profile)
        known = {
            (b.profile_sha256, b.config_sha256)
            for b in unit.repo.monitor_baselines(ref.model)
            if b.version == ref.version
        }
        if (sha, run.config_sha256) not in known:
            unit.emit(
                "monitor.baseline",
                f"version:{ref}",
                {
                    "model": ref.model,
                    "version": ref.version,
                    "profile_sha256": sha,
                    "config_sha256": run.config_sha256,
                    "reference": run.reference,
                    "rows": run.reference_rows,
                },
            )
        return sha

    def record_baseline(self, spec: str, ref: VersionRef, run: RunRecord, *, actor: str) -> str:
        """Store the reference profile of ``ref`` (once per profile and config)."""
        with self._core.write(actor) as unit:
            self._check(unit, spec, ref)
            return self._baseline(unit, ref, run)

    def record_run(
        self, spec: str, ref: VersionRef, run: RunRecord, *, actor: str
    ) -> list[RecordedWindow]:
        """Record every window of a run and take the actions its failures call for."""
        with self._core.write(actor) as unit:
            self._check(unit, spec, ref)
            reference = self._baseline(unit, ref, run)
            earlier = {
                _key(w, ""): w
                for w in unit.repo.monitor_windows(
                    model=ref.model, version=ref.version, current_only=True
                )
            }
            recorded = []
            for window in run.windows:
                old = earlier.get(_key(window, run.batch_sha256))
                event = unit.emit(
                    "monitor.window",
                    f"version:{ref}",
                    {
                        "model": ref.model,
                        "version": ref.version,
                        "window": {"start": window.start, "end": window.end},
                        "rows": window.rows,
                        "status": window.status,
                        "failed_gates": window.failed_gates,
                        "label_coverage": window.label_coverage,
                        "profile_sha256": unit.keep("profile", window.profile),
                        "results_sha256": unit.keep("results", window.results),
                        "reference_profile_sha256": reference,
                        "batch_sha256": run.batch_sha256,
                        "labels_sha256": run.labels_sha256,
                        "config_sha256": run.config_sha256,
                        "supersedes": old.seq if old else None,
                    },
                )
                recorded.append(RecordedWindow(event.seq, old.seq if old else None))
            history = unit.repo.monitor_windows(
                model=ref.model, version=ref.version, current_only=True
            )
            for window, done in zip(run.windows, recorded, strict=True):
                done.actions = self._act(unit, ref, run, window, done.seq, history)
            return recorded

    def _act(
        self,
        unit: Unit,
        ref: VersionRef,
        run: RunRecord,
        window: WindowRecord,
        seq: int,
        history: Sequence[MonitorWindow],
    ) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for severity in SEVERITIES:
            streak = _streak(history, seq, severity)
            actions = run.actions.by_severity.get(severity, ())
            if streak < run.actions.consecutive or not actions:
                continue
            gates = [g for g in window.failed_gates if g.get("severity") == severity]
            for action in actions:
                entry: dict[str, Any] = {
                    "action": action,
                    "severity": severity,
                    "failing_windows": streak,
                }
                if action == "notify":
                    entry.update(self._alert(unit, ref, window, severity, gates, streak))
                else:
                    entry.update(self._roll_back(unit, ref, window, severity, gates, streak))
                out.append(entry)
        return out

    def _alert(
        self,
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
        notify(unit, self._core, "monitor.alert", f"version:{ref}", event.seq, payload)
        return {"status": "done", "ledger_seq": event.seq, "detail": note or "alert sent"}

    def _roll_back(
        self,
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
            alert = self._alert(unit, ref, window, severity, gates, streak, note)
            return {**alert, "status": "skipped", "detail": note}
        start = window.start or unit.now.isoformat().replace("+00:00", "Z")
        incident = f"MON-{ref.model}-{start}"
        names = ", ".join(str(g.get("gate")) for g in gates)
        reason = f"monitoring: {severity} gate(s) {names} failed in {streak} consecutive windows"
        number = self._open_automatic(unit, ref, plan.target, incident, reason)
        rolled = apply_rollback(
            unit, self._core, plan, {"reason": reason, "incident": incident, "cr": cr_id(number)}
        )
        move(unit, self._core, unit.repo.cr(number), "deployed", {"operator": unit.actor})
        return {
            "status": "done",
            "detail": f"production rolled back to {rolled}",
            "change_request": cr_id(number),
            "incident": incident,
        }

    def _open_automatic(
        self, unit: Unit, ref: VersionRef, target: str, incident: str, reason: str
    ) -> int:
        """The emergency change that records an automatic rollback (approved for
        production before; no new approval: the review afterwards is the control)."""
        rules = rules_in_force(unit.repo, self._core.artifacts)
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
                "expires_at": (
                    unit.now + dt.timedelta(hours=settings.max_duration_hours)
                ).isoformat(),
                "review_due_at": (
                    unit.now + dt.timedelta(hours=settings.review_due_hours)
                ).isoformat(),
            },
        )
        notify(
            unit,
            self._core,
            "emergency.opened",
            name,
            opened.seq,
            {"version": f"{ref.model}@{target}", "to_stage": "production", "reason": reason},
        )
        record = unit.repo.cr(number)
        move(unit, self._core, record, "submitted", {"emergency": True, "automatic": True})
        move(
            unit,
            self._core,
            record,
            "approved",
            {"approvals": [], "basis": f"{ref.model}@{target} was approved for production"},
        )
        return number

    # -- reads -------------------------------------------------------------------------
    def windows(
        self,
        model: str | None = None,
        *,
        current_only: bool = True,
        since: dt.datetime | None = None,
    ) -> list[MonitorWindow]:
        """Recorded windows (of one model, or all), in window order."""
        with self._core.read() as repo:
            if model is not None:
                repo.model(model)
            return repo.monitor_windows(model=model, current_only=current_only, since=since)

    def overview(self, model: str | None = None) -> list[dict[str, Any]]:
        """Per model in production (or monitored): its latest window, streaks and alerts."""
        with self._core.read() as repo:
            models = [repo.model(model)] if model else repo.models()
            windows = repo.monitor_windows(model=model, current_only=True)
            out = []
            for m in models:
                holder = repo.holder(m.name, "production")
                mine = [w for w in windows if w.model == m.name]
                if holder is None and not mine and model is None:
                    continue
                watched = [w for w in mine if holder and w.version == holder.version] or mine
                latest = watched[-1] if watched else None
                alerts = 0
                for v in repo.versions(m.name):
                    alerts += len(repo.events(f"version:{m.name}@{v.version}", ("monitor.alert",)))
                out.append(
                    {
                        "model": m.name,
                        "production": holder.version if holder else None,
                        "latest": latest,
                        "streaks": {
                            s: _streak(watched, latest.seq, s) if latest else 0 for s in SEVERITIES
                        },
                        "windows": len(mine),
                        "alerts": alerts,
                    }
                )
            return out

    def baselines(self, model: str | None = None) -> list[MonitorBaseline]:
        """Recorded reference profiles."""
        with self._core.read() as repo:
            return repo.monitor_baselines(model)

    def documents(self, hashes: Sequence[str]) -> dict[str, str]:
        """Stored profiles and results by hash."""
        with self._core.read() as repo:
            return repo.monitor_documents(hashes)

    def alerts(self, model: str | None = None) -> list[dict[str, Any]]:
        """Every ``monitor.alert`` and automatic rollback, with its ledger seq."""
        with self._core.read() as repo:
            models = [repo.model(model)] if model else repo.models()
            out = []
            for m in models:
                for v in repo.versions(m.name):
                    for seq, actor, action, payload in repo.events(
                        f"version:{m.name}@{v.version}", ("monitor.alert",)
                    ):
                        out.append({"seq": seq, "actor": actor, "action": action, **payload})
                for seq, actor, action, payload in repo.events(
                    f"model:{m.name}", ("model.rolled_back",)
                ):
                    if payload.get("incident", "").startswith("MON-"):
                        out.append({"seq": seq, "actor": actor, "action": action, **payload})
            return sorted(out, key=lambda a: a["seq"])
