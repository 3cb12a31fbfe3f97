"""Apply a policy to an audit's evidence (the ``--policy`` step of an audit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..policy import AuditContext, PolicyOutcome, evaluate
from ..policy._load import LoadedPolicy, load_policy

__all__ = ["PolicyInput", "apply_policy", "as_loaded_policy", "policy_manifest_entry"]

PolicyInput = str | Path | LoadedPolicy


def as_loaded_policy(policy: PolicyInput) -> LoadedPolicy:
    """A path is read and composed; a LoadedPolicy is used as it is."""
    return policy if isinstance(policy, LoadedPolicy) else load_policy(policy)


def apply_policy(
    loaded: LoadedPolicy,
    results: Mapping[str, Any],
    *,
    today: dt.date,
    strict: bool,
    seed_set: bool,
    git: Mapping[str, Any] | None,
    manifest: Mapping[str, Any] | None,
) -> PolicyOutcome:
    """Every gate of the policy, Rego rules included, judged on ``results``."""
    context = AuditContext(today=today, strict=strict, seed_set=seed_set, git=git)
    gates = list(evaluate(loaded.policy, results, context))
    if loaded.rego_files:
        from ..policy._rego import evaluate_rego  # optional extra: imported only when used

        evidence = {"results": results, "manifest": manifest}
        for path in loaded.rego_files:
            gates.extend(evaluate_rego(path, evidence, policy_file=loaded.path))
    files = tuple({"path": str(f.path), "sha256": f.sha256} for f in loaded.files)
    return PolicyOutcome(
        policy_name=loaded.policy.policy_name,
        version=loaded.policy.version,
        sha256=loaded.sha256,
        files=files,
        gates=tuple(gates),
    )


def policy_manifest_entry(outcome: PolicyOutcome) -> dict[str, Any]:
    """What the manifest records about the policy: files, hashes, version, verdict."""
    return {
        "policy_name": outcome.policy_name,
        "version": outcome.version,
        "sha256": outcome.sha256,
        "files": [dict(f) for f in outcome.files],
        "verdict": outcome.verdict,
    }
