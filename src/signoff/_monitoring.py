"""``Signoff.monitor``: measure production batches and record them through the workflow.

The monitor (:mod:`signoff.monitor`) measures; the workflow's monitoring service
records each window and acts.  This face joins them: it resolves which version is
watched (its production version unless the config pins one; exit 2 when there is
none), measures, and records — so the CLI, a server and a script do the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._baseline_upload import checked_profile, checked_reference, profile_features
from ._canonical import canonical_json
from ._monitoring_reads import MonitoringReads
from ._monitoring_reference import AUDIT_DATA_MISSING, reference
from .monitor import (
    MonitorRun,
    Profile,
    build_baseline,
    load_monitor_config,
    profile_to_json,
    run_monitor,
)
from .registry import Registry, VersionRef
from .workflow import ActionPlan, RunRecord, WindowRecord, Workflow

__all__ = [
    "AUDIT_DATA_MISSING",
    "BaselineRecord",
    "Monitoring",
    "window_status",
]


def window_status(gates: list[dict[str, Any]], judged: bool) -> tuple[str, list[dict[str, Any]]]:
    """A window's status (the worst failed severity) and its failed gates, in brief."""
    failed = [
        {
            "gate": g["name"],
            "metric": g["metric"],
            "severity": g["severity"],
            "value": g["value"],
            "threshold": g["threshold"],
            "attribute": g["attribute"],
        }
        for g in gates
        if g["status"] != "PASS"
    ]
    if not judged:
        return "unjudged", failed
    severities = {f["severity"] for f in failed}
    status = next((s for s in ("error", "warning", "info") if s in severities), "pass")
    return status, failed


@dataclass(frozen=True)
class BaselineRecord:
    """What ``monitor baseline`` stored."""

    model: str
    version: str
    profile_sha256: str
    rows: int
    features: int
    profile_json: bytes


class Monitoring(MonitoringReads):
    """Monitoring of registered models: baselines, runs, and what they recorded."""

    def __init__(self, signoff: Any) -> None:
        super().__init__(signoff)
        self._registry: Registry = signoff.registry
        self._workflow: Workflow = signoff.workflow

    def _record(
        self,
        run: MonitorRun | None,
        config_path: Path,
        reference: dict[str, Any],
        reference_profile: Profile,
    ) -> RunRecord:
        loaded = load_monitor_config(config_path)
        config = loaded.config
        plan = ActionPlan(
            {
                "error": tuple(config.actions.error),
                "warning": tuple(config.actions.warning),
                "info": tuple(config.actions.info),
            },
            config.actions.consecutive_windows,
        )
        windows: list[WindowRecord] = []
        batch, labels = "", None
        if run is not None:
            batch = run.document["batch"]["sha256"]
            labels = (run.document.get("labels") or {}).get("sha256")
            for doc, window_profile, outcome in zip(
                run.document["windows"], run.profiles, run.outcomes, strict=True
            ):
                status, failed = window_status(doc["gates"], outcome is not None)
                measured = {k: v for k, v in doc.items() if k != "actions"}
                windows.append(
                    WindowRecord(
                        start=doc["start"],
                        end=doc["end"],
                        rows=doc["rows"],
                        status=status,
                        failed_gates=failed,
                        label_coverage=doc["performance"].get("label_coverage"),
                        profile=profile_to_json(window_profile),
                        results=canonical_json(measured),
                    )
                )
        return RunRecord(
            config_sha256=loaded.document.text_sha256,
            batch_sha256=batch,
            reference=reference,
            reference_rows=reference_profile.rows,
            reference_profile=profile_to_json(reference_profile),
            windows=windows,
            actions=plan,
            labels_sha256=labels,
        )

    def baseline(
        self,
        config: str | Path,
        *,
        actor: str,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> BaselineRecord:
        """Profile the watched version's reference and store it in the registry.

        ``progress(stage, done, total)`` is called while the audited model scores a
        ``reference: {audit: latest}`` that holds no scores (stage ``scoring``)."""
        path = Path(config)
        spec = load_monitor_config(path).config.model
        version = self.service.watched(spec)
        ref = VersionRef(version.model, version.version)
        with reference(self._registry, path, ref, progress) as (source, described):
            base = build_baseline(path, reference=source)
        record = self._record(None, path, described, base.profile)
        sha = self.service.record_baseline(spec, ref, record, actor=actor)
        features = len(base.spec.features)
        profile = record.reference_profile
        return BaselineRecord(ref.model, ref.version, sha, base.profile.rows, features, profile)

    def baseline_from_profile(
        self, config: str | Path, profile: bytes, reference: Any, *, actor: str, shown: str
    ) -> BaselineRecord:
        """Store a reference profile made elsewhere (``monitor baseline`` in remote mode:
        the person's machine profiles its reference file) once it is one and matches
        ``config``; ``shown`` names the profile in errors. The same record as
        :meth:`baseline`'s, through the same core call."""
        path = Path(config)
        loaded = load_monitor_config(path)
        counted = checked_profile(profile, loaded, file=shown)
        described = checked_reference(reference)
        version = self.service.watched(loaded.config.model)
        ref = VersionRef(version.model, version.version)
        record = self._record(None, path, described, counted)
        sha = self.service.record_baseline(loaded.config.model, ref, record, actor=actor)
        features = profile_features(counted)
        return BaselineRecord(
            ref.model, ref.version, sha, counted.rows, features, record.reference_profile
        )

    def run(
        self,
        config: str | Path,
        batch: str | Path | None = None,
        *,
        actor: str,
        labels: str | Path | None = None,
        today: dt.date | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> MonitorRun:
        """Measure every window of ``batch`` (default: the config's ``data.path``), record
        each one, and act on failures (``progress`` as for :meth:`baseline`)."""
        path = Path(config)
        spec = load_monitor_config(path).config.model
        version = self.service.watched(spec)
        ref = VersionRef(version.model, version.version)
        when = today or self._workflow.clock().date()
        with reference(self._registry, path, ref, progress) as (source, described):
            run = run_monitor(path, batch, labels_path=labels, today=when, reference=source)
        assert run.reference_profile is not None
        record = self._record(run, path, described, run.reference_profile)
        recorded = self.service.record_run(spec, ref, record, actor=actor)
        document = {
            **run.document,
            "model": ref.model,
            "version": ref.version,
            "reference": {**run.document["reference"], **described},
        }
        for window, done in zip(document["windows"], recorded, strict=True):
            window["ledger_seq"] = done.seq
            window["supersedes"] = done.supersedes
            window["actions"] = done.actions
        return MonitorRun(document, run.outcomes, run.profiles, run.reference_profile)
