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
from typing import Any

from ..errors import ConfigError, WorkflowRefused
from ..registry import Core, Unit
from ..store import ModelVersion, MonitorBaseline, MonitorWindow, VersionRef
from ._monitor_actions import act
from ._monitor_types import (
    NOTHING_IN_PRODUCTION,
    PRODUCTION_MOVED,
    SEVERITIES,
    RecordedWindow,
    RunRecord,
    streak,
    watched_ref,
    window_key,
)
from ._support import guarded, refuse

__all__ = ["MonitorServices"]


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

        def work() -> str:
            with self._core.write(actor) as unit:
                self._check(unit, spec, ref)
                return self._baseline(unit, ref, run)

        return guarded(self._core, actor, f"version:{ref}", "monitor", work)

    def record_run(
        self, spec: str, ref: VersionRef, run: RunRecord, *, actor: str
    ) -> list[RecordedWindow]:
        """Record every window of a run and take the actions its failures call for."""
        return guarded(
            self._core,
            actor,
            f"version:{ref}",
            "monitor",
            lambda: self._record(spec, ref, run, actor),
        )

    def _record(
        self, spec: str, ref: VersionRef, run: RunRecord, actor: str
    ) -> list[RecordedWindow]:
        with self._core.write(actor) as unit:
            self._check(unit, spec, ref)
            reference = self._baseline(unit, ref, run)
            earlier = {
                window_key(w, ""): w
                for w in unit.repo.monitor_windows(
                    model=ref.model, version=ref.version, current_only=True
                )
            }
            recorded = []
            for window in run.windows:
                old = earlier.get(window_key(window, run.batch_sha256))
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
                done.actions = act(self._core, unit, ref, run, window, done.seq, history)
            return recorded

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
            alert_counts = repo.monitor_alert_counts()
            out = []
            for m in models:
                holder = repo.holder(m.name, "production")
                mine = [w for w in windows if w.model == m.name]
                if holder is None and not mine and model is None:
                    continue
                watched = [w for w in mine if holder and w.version == holder.version] or mine
                latest = watched[-1] if watched else None
                alerts = alert_counts.get(m.name, 0)
                out.append(
                    {
                        "model": m.name,
                        "production": holder.version if holder else None,
                        "latest": latest,
                        "streaks": {
                            s: streak(watched, latest.seq, s) if latest else 0 for s in SEVERITIES
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
