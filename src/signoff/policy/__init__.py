"""Policy-as-code: versioned YAML policies turn audit evidence into gate results."""

from ._evaluate import AuditContext, evaluate
from ._guidance import GUIDANCE, REPRODUCIBILITY_GUIDANCE, MetricGuidance, guidance
from ._result import GateResult, Measurement, PolicyOutcome, Status, Verdict
from ._schema import (
    COMPARISONS,
    SEVERITIES,
    Comparison,
    Gate,
    Policy,
    Reproducibility,
    ReviewCycle,
    Severity,
)

__all__ = [
    "COMPARISONS",
    "GUIDANCE",
    "REPRODUCIBILITY_GUIDANCE",
    "SEVERITIES",
    "AuditContext",
    "Comparison",
    "Gate",
    "GateResult",
    "Measurement",
    "MetricGuidance",
    "Policy",
    "PolicyOutcome",
    "Reproducibility",
    "ReviewCycle",
    "Severity",
    "Status",
    "Verdict",
    "evaluate",
    "guidance",
]
