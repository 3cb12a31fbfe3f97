"""Gate results and the policy outcome: what evaluation returns and reports read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["FAILED_STATUS", "GateResult", "Measurement", "PolicyOutcome", "Status", "Verdict"]

#: PASS: the condition holds.  FAIL / WARN / INFO: it does not, for a gate of
#: severity error / warning / info.  ERROR: the gate could not be evaluated
#: (for example an attribute the audit does not have); it blocks like FAIL.
Status = Literal["PASS", "WARN", "FAIL", "ERROR", "INFO"]
Verdict = Literal["PASS", "PASS WITH WARNINGS", "FAIL"]
#: The status of a gate that does not hold, by its severity.
FAILED_STATUS: dict[str, Status] = {"error": "FAIL", "warning": "WARN", "info": "INFO"}


@dataclass(frozen=True)
class Measurement:
    """One value a gate judged: overall, one attribute, or one group of an attribute."""

    attribute: str | None
    group: str | None
    value: float | None
    ci: tuple[float, float] | None
    judged: float | None  # the number compared: the value, or the pessimistic CI bound
    passed: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "attribute": self.attribute,
            "group": self.group,
            "value": self.value,
            "ci": list(self.ci) if self.ci is not None else None,
            "judged": self.judged,
            "passed": self.passed,
        }


@dataclass(frozen=True)
class GateResult:
    """The outcome of one gate.

    ``value``/``ci``/``attribute``/``group`` describe the deciding measurement:
    the first failing one, else the one closest to the threshold.  Every
    measurement is in ``measurements``.
    """

    name: str
    id: str | None
    kind: Literal["metric", "reproducibility", "policy", "rego"]
    metric: str | None
    attribute: str | None
    group: str | None
    value: float | None
    ci: tuple[float, float] | None
    threshold: float | tuple[float, float] | None
    comparison: str | None
    severity: Literal["error", "warning", "info"]
    status: Status
    clause: str
    rationale: str
    message: str
    remediation: str
    measurements: tuple[Measurement, ...] = ()

    @property
    def blocking(self) -> bool:
        """FAIL or ERROR: the audit does not pass."""
        return self.status in ("FAIL", "ERROR")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``gates`` entries of results.json)."""
        threshold = list(self.threshold) if isinstance(self.threshold, tuple) else self.threshold
        return {
            "name": self.name,
            "id": self.id,
            "kind": self.kind,
            "metric": self.metric,
            "attribute": self.attribute,
            "group": self.group,
            "value": self.value,
            "ci": list(self.ci) if self.ci is not None else None,
            "threshold": threshold,
            "comparison": self.comparison,
            "severity": self.severity,
            "status": self.status,
            "clause": self.clause,
            "rationale": self.rationale,
            "message": self.message,
            "remediation": self.remediation,
            "measurements": [m.to_dict() for m in self.measurements],
        }


@dataclass(frozen=True)
class PolicyOutcome:
    """Every gate result of one policy on one audit, and the verdict."""

    policy_name: str
    version: str
    sha256: str
    files: tuple[dict[str, str], ...]  # the policy file and its parents: path and sha256
    gates: tuple[GateResult, ...]

    @property
    def verdict(self) -> Verdict:
        """FAIL if any gate blocks; PASS WITH WARNINGS if any warns; else PASS."""
        if any(g.blocking for g in self.gates):
            return "FAIL"
        if any(g.status == "WARN" for g in self.gates):
            return "PASS WITH WARNINGS"
        return "PASS"

    def exit_code(self, *, fail_on_warning: bool = False) -> int:
        """0 pass (warnings alone pass), 1 a blocking gate (or a warning, if asked)."""
        if self.verdict == "FAIL":
            return 1
        if fail_on_warning and self.verdict == "PASS WITH WARNINGS":
            return 1
        return 0

    def ordered(self) -> list[GateResult]:
        """Failed gates first (ERROR, FAIL, WARN, INFO, PASS), policy order within."""
        rank = {"ERROR": 0, "FAIL": 1, "WARN": 2, "INFO": 3, "PASS": 4}
        return sorted(self.gates, key=lambda g: rank[g.status])

    def counts(self) -> dict[str, int]:
        """How many gates have each status."""
        out = dict.fromkeys(("PASS", "WARN", "FAIL", "ERROR", "INFO"), 0)
        for gate in self.gates:
            out[gate.status] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "policy_name": self.policy_name,
            "version": self.version,
            "sha256": self.sha256,
            "files": [dict(f) for f in self.files],
            "verdict": self.verdict,
            "counts": self.counts(),
            "gates": [g.to_dict() for g in self.gates],
        }
