"""Policy-as-code: versioned YAML policies turn audit evidence into gate results."""

from ._diff import diff_policies
from ._evaluate import evaluate
from ._guidance import GUIDANCE, MetricGuidance, guidance
from ._junit import junit_xml
from ._load import LoadedPolicy, load_policy
from ._markdown import (
    STATUS_ORDER,
    comparison_symbol,
    count_parts,
    format_number,
    format_scope,
    gate_value,
    summary_markdown,
)
from ._rego import evaluate_rego
from ._result import GateResult, Measurement, PolicyOutcome, Status, Verdict
from ._run_checks import REPRODUCIBILITY_GUIDANCE, AuditContext
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
    "STATUS_ORDER",
    "AuditContext",
    "Comparison",
    "Gate",
    "GateResult",
    "LoadedPolicy",
    "Measurement",
    "MetricGuidance",
    "Policy",
    "PolicyOutcome",
    "Reproducibility",
    "ReviewCycle",
    "Severity",
    "Status",
    "Verdict",
    "comparison_symbol",
    "count_parts",
    "diff_policies",
    "evaluate",
    "evaluate_rego",
    "format_number",
    "format_scope",
    "gate_value",
    "guidance",
    "junit_xml",
    "load_policy",
    "summary_markdown",
]
