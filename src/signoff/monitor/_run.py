"""``monitor run`` and ``monitor baseline``: read, profile each window, measure, judge.

Everything is read and checked before any window is measured, so a bad input
fails with one message and nothing is written.  This module only measures: the
caller (``signoff.connect(...).monitor``) records each window in the registry and
takes the actions its failures call for, through the workflow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._time import iso_utc
from ..errors import ConfigError
from ..policy import AuditContext, LoadedPolicy, PolicyOutcome, evaluate, load_policy
from ._baseline import Baseline, build_baseline, roles
from ._batch import NO_BATCH, WindowInput, batch_source, numpy_windows
from ._config import MonitorConfig, load_monitor_config, window_length
from ._counts import Profile
from ._drift import compare_profiles
from ._drift_types import Thresholds
from ._engine import engine_windows
from ._fairness import FairnessOptions, window_fairness, window_performance
from ._inputs import LabelCounts
from ._metrics import MONITOR_CATALOGUE, window_evidence
from ._quality import window_quality
from ._serial import profile_sha256

__all__ = [
    "LABELS_NEED_ID",
    "LABELS_NEED_TARGET",
    "NO_BATCH",
    "RESULTS_SCHEMA",
    "MonitorRun",
    "batch_source",
    "run_monitor",
]

RESULTS_SCHEMA = "signoff.monitor.results/v1"
LABELS_NEED_ID = "--labels needs `columns.prediction_id` in the monitor config to join on"
LABELS_NEED_TARGET = "--labels needs `columns.target`: the labels file's column holding the label"
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class MonitorRun:
    """Everything ``monitor run`` measured; ``document`` is monitor-results.json."""

    document: dict[str, Any]
    outcomes: tuple[PolicyOutcome | None, ...]
    #: Each window's profile, and the reference's (what the registry stores).
    profiles: tuple[Profile, ...] = ()
    reference_profile: Profile | None = None

    @property
    def exit_code(self) -> int:
        """1 when an error gate failed in any window, else 0."""
        return max((o.exit_code() for o in self.outcomes if o is not None), default=0)


def _thresholds(config: MonitorConfig) -> tuple[Thresholds, dict[str, Thresholds]]:
    d = config.drift
    base = Thresholds(d.psi, d.wasserstein, d.jensen_shannon, d.p_value)
    per = {}
    for column, t in d.columns.items():
        per[column] = Thresholds(
            t.psi if t.psi is not None else base.psi,
            t.wasserstein if t.wasserstein is not None else base.wasserstein,
            t.jensen_shannon if t.jensen_shannon is not None else base.jensen_shannon,
            t.p_value if t.p_value is not None else base.p_value,
        )
    return base, per


def _fairness_options(config: MonitorConfig) -> FairnessOptions:
    attrs: list[tuple[str, tuple[str, ...], str | None]] = [
        (name, (name,), str(spec.privileged) if spec.privileged is not None else None)
        for name, spec in config.protected_attributes.items()
    ]
    attrs += [("*".join(combo), tuple(combo), None) for combo in config.intersections]
    return FairnessOptions(
        attributes=tuple(attrs),
        min_group_size=config.min_group_size,
        replicates=config.bootstrap.replicates,
        confidence=config.bootstrap.confidence,
        seed=config.seed,
    )


def _outcome(loaded: LoadedPolicy, evidence: Mapping[str, Any], today: dt.date) -> PolicyOutcome:
    gates = evaluate(loaded.policy, evidence, AuditContext(today=today), metrics=MONITOR_CATALOGUE)
    return PolicyOutcome(
        policy_name=loaded.policy.policy_name,
        version=loaded.policy.version,
        sha256=loaded.sha256,
        files=tuple({"path": str(f.path), "sha256": f.sha256} for f in loaded.files),
        gates=gates,
    )


def _window_document(base: Baseline, window: WindowInput) -> dict[str, Any]:
    config = base.config
    profile = window.profile
    default, per = _thresholds(config)
    drift = compare_profiles(base.profile, profile, thresholds=per, default=default, raw=window.raw)
    ignore = tuple(c for c in roles(config) if c != config.columns.score)
    quality = window_quality(
        window.columns, profile, base.profile, reference_kinds=base.kinds, ignore=ignore
    )
    options = _fairness_options(config)
    assert profile.table is not None
    return {
        "start": iso_utc(window.start) if window.start is not None else None,
        "end": iso_utc(window.end) if window.end is not None else None,
        "rows": window.rows,
        "profile_sha256": profile_sha256(profile),
        "drift": drift.to_dict(),
        "prediction_drift": drift.prediction.to_dict() if drift.prediction else None,
        "quality": quality.to_dict(),
        "fairness": window_fairness(profile.table, options),
        "performance": window_performance(profile.table, options),
    }


def run_monitor(
    config_path: str | Path,
    batch_path: str | Path | None = None,
    *,
    labels_path: str | Path | None = None,
    today: dt.date,
    reference: Path | None = None,
) -> MonitorRun:
    """Profile each window of the batch, measure it against the reference, judge the policy.

    ``batch_path`` defaults to the config's ``data.path``; ``data.engine`` says who
    counts it.  ``reference`` is the reference data when the config says ``{audit:
    latest}`` (the registry resolves it); ``actions`` are left empty for the registry
    to fill in.
    """
    # The batch is found first: a wrong one is named before the reference is profiled.
    source, engine = batch_source(load_monitor_config(config_path), batch_path)
    base = build_baseline(config_path, reference=reference)
    config, loaded = base.config, base.loaded
    policy = (
        load_policy(loaded.resolve(config.policy), metrics=MONITOR_CATALOGUE)
        if config.policy
        else None
    )
    if labels_path is not None and config.columns.prediction_id is None:
        raise ConfigError(LABELS_NEED_ID, file=loaded.path, field="columns.prediction_id")
    if labels_path is not None and config.columns.target is None:
        raise ConfigError(LABELS_NEED_TARGET, file=loaded.path, field="columns.target")
    needed = {c: f for c, f in roles(config).items() if f != "columns.target"}
    needed.update({a.column: f"protected_attributes.{a.name}" for a in base.spec.attributes})
    if labels_path is None:
        needed.pop(config.columns.prediction_id or "", None)
    length = window_length(config.window) if config.window else None
    joined: LabelCounts | None
    batch_sha256 = None  # the digest of the bytes read, when read into memory
    if engine == "numpy":
        inputs, rows, joined, batch_sha256 = numpy_windows(
            base, source, needed=needed, length=length, labels_path=labels_path
        )
    else:
        inputs, rows, joined = engine_windows(
            base, source, engine, needed=needed, length=length, labels_path=labels_path
        )

    documents: list[dict[str, Any]] = []
    outcomes: list[PolicyOutcome | None] = []
    for window in inputs:
        doc = _window_document(base, window)
        outcome = _outcome(policy, window_evidence(doc), today) if policy is not None else None
        doc["gates"] = [g.to_dict() for g in outcome.gates] if outcome is not None else []
        doc["verdict"] = outcome.verdict if outcome is not None else None
        doc["actions"] = []
        documents.append(doc)
        outcomes.append(outcome)
    document = {
        "schema": RESULTS_SCHEMA,
        "model": config.model,
        "config": {"path": str(loaded.path), "sha256": loaded.document.text_sha256},
        "reference": {
            "path": str(base.path),
            "sha256": base.digest(),
            "rows": base.profile.rows,
            "profile_sha256": profile_sha256(base.profile),
        },
        "batch": {
            "path": str(source.where),
            "sha256": batch_sha256 or source.sha256(),
            "rows": rows,
            "engine": engine,
        },
        "labels": None if joined is None else {"path": str(labels_path), **joined.to_dict()},
        "policy": None
        if policy is None
        else {
            "policy_name": policy.policy.policy_name,
            "version": policy.policy.version,
            "sha256": policy.sha256,
        },
        "windows": documents,
    }
    profiles = tuple(w.profile for w in inputs)
    return MonitorRun(document, tuple(outcomes), profiles, base.profile)
