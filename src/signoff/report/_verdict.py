"""Sections 1 and 2 of the report: the verdict with its gates, and provenance.

Pure functions from ``results.json`` and ``manifest.json`` to the values the
templates print.  Nothing here computes a metric.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..policy import STATUS_ORDER, guidance
from ._format import ci_text, condition, metric_label, num, pct, short

__all__ = ["VERDICT_SENTENCES", "gate_rows", "provenance", "verdict"]

#: One plain sentence per verdict, for the reader who reads nothing else.
VERDICT_SENTENCES = {
    "FAIL": "At least one blocking gate failed. Under this policy the model is not fit to "
    "ship until each failure is fixed, or formally waived by someone entitled to.",
    "PASS WITH WARNINGS": "No blocking gate failed, but some warning gates did: each needs "
    "a recorded acknowledgement or waiver before the model ships.",
    "PASS": "Every gate of the policy passed.",
    None: "No policy was applied: this report presents the evidence without a verdict. "
    "Re-run the audit with --policy to have each gate judged.",
}
_CSS = {"FAIL": "fail", "PASS WITH WARNINGS": "warn", "PASS": "pass"}
_WORDS = {"ERROR": "error", "FAIL": "failed", "WARN": "warned", "INFO": "info", "PASS": "passed"}


def _scope(gate: Mapping[str, Any]) -> str:
    attribute, group = gate.get("attribute"), gate.get("group")
    if attribute is None:
        return "overall" if gate.get("kind") == "metric" else "—"
    return f"{attribute}: {group}" if group is not None else str(attribute)


def _value(gate: Mapping[str, Any]) -> str:
    if gate.get("value") is None:
        return "—" if gate.get("kind") != "metric" else "missing"
    return num(gate["value"])


def gate_rows(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The gates, blocking first (ERROR, FAIL, WARN, INFO, PASS), policy order within."""
    rank = {status: k for k, status in enumerate(STATUS_ORDER)}
    gates = sorted(results.get("gates") or [], key=lambda g: rank.get(g["status"], len(rank)))
    rows = []
    for gate in gates:
        metric = gate.get("metric")
        meaning = None
        if metric and gate["status"] != "PASS":
            try:
                meaning = guidance(metric).interpretation
            except KeyError:
                meaning = None
        rows.append(
            {
                "status": gate["status"],
                "name": gate["name"],
                "metric": metric,
                "metric_label": metric_label(metric) if metric else gate.get("kind", ""),
                "scope": _scope(gate),
                "value": _value(gate),
                "ci": ci_text(gate),
                "condition": condition(gate),
                "severity": gate["severity"],
                "clause": gate.get("clause") or "—",
                "rationale": gate.get("rationale") or "",
                "message": gate.get("message") or "",
                "remediation": gate.get("remediation") or "",
                "meaning": meaning,
            }
        )
    return rows


def verdict(results: Mapping[str, Any], gates: list[dict[str, Any]]) -> dict[str, Any]:
    """The verdict block: label, sentence, counts and the policy it comes from."""
    policy = results.get("policy")
    label = policy.get("verdict") if policy else None
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for gate in gates:
        counts[gate["status"]] = counts.get(gate["status"], 0) + 1
    parts = [f"{counts[s]} {_WORDS[s]}" for s in STATUS_ORDER if counts.get(s)]
    return {
        "label": label,
        "css": _CSS.get(label, "none") if label else "none",
        "sentence": VERDICT_SENTENCES[label],
        "counts": " · ".join(parts),
        "total": len(gates),
        "policy": policy,
        "attention": [g for g in gates if g["status"] != "PASS"],
    }


def provenance(results: Mapping[str, Any], manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Files with their hashes, and who ran what, where and when."""
    inputs = manifest.get("inputs", {})
    files = []
    if "model" in inputs:
        model = inputs["model"]
        files.append(("Model", model["path"], model["sha256"], f"format {model.get('format')}"))
    if "data" in inputs:
        data = inputs["data"]
        files.append(("Evaluation data", data["path"], data["sha256"], f"{num(data['rows'])} rows"))
    if "config" in inputs:
        config = inputs["config"]
        files.append(("Audit config", config["path"], config["sha256"], ""))
    policy = inputs.get("policy")
    if policy:
        for k, entry in enumerate(policy.get("files", [])):
            role = "Policy" if k == 0 else "Parent policy"
            detail = f"{policy['policy_name']} v{policy['version']}" if k == 0 else ""
            files.append((role, entry["path"], entry["sha256"], detail))
    git = manifest.get("git")
    if git:
        commit = git["commit"] + (" (uncommitted changes present)" if git.get("dirty") else "")
    else:
        commit = "not recorded (the config is not in a git checkout)"
    environment = manifest.get("environment", {})
    facts = [
        ("Audited at", manifest.get("created_at") or "—"),
        ("Run by", manifest.get("run_by") or "not recorded"),
        ("Command", manifest.get("command") or "not recorded (Python API)"),
        ("Seed", num(manifest.get("seed"))),
        ("Git commit", commit),
        ("signoff version", manifest.get("signoff_version") or "—"),
        (
            "Python",
            f"{environment.get('python', '—')} ({environment.get('implementation', '—')})",
        ),
        ("Platform", environment.get("platform") or "—"),
        ("Results hash (SHA-256)", manifest.get("results_sha256") or "—"),
    ]
    packages = [
        (name, version or "not installed")
        for name, version in (environment.get("packages") or {}).items()
    ]
    boot = results.get("bootstrap", {})
    method = [
        ("Rows evaluated", num(results.get("rows"))),
        (
            "Decision threshold",
            f"predicted positive when score ≥ {short(results.get('threshold'))}",
        ),
        ("Positive (favourable) label", str(results.get("positive_label"))),
        (
            "Confidence intervals",
            f"{num(boot.get('replicates'))} bootstrap replicates, "
            f"{pct(boot.get('confidence'), None)} percentile intervals "
            f"({boot.get('method', '')})",
        ),
    ]
    return {"files": files, "facts": facts, "packages": packages, "method": method}
