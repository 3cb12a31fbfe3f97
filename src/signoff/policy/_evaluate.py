"""Policy evaluation: a pure function ``(policy, evidence, context) → gate results``.

Missing evidence is never a pass: a gate whose metric is absent or ``null``
(or, with ``use_confidence_bound``, has no interval) fails at its severity
with a message saying what is missing.  The metric gates are judged here; what the
policy asks of the run itself (reproducibility, its dates) is :mod:`._run_checks`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .._results import Malformed, estimate, mapping
from ..metrics import METRICS, MetricSpec
from ._guidance import GUIDANCE
from ._result import FAILED_STATUS, GateResult, Measurement, Status
from ._run_checks import AuditContext, run_checks
from ._schema import Gate, Policy

__all__ = ["evaluate", "passes"]

UNKNOWN_METRIC = "unknown metric {name!r}; `signoff metrics` lists the known names"
UNKNOWN_METRIC_REMEDY = "use a canonical metric name (`signoff metrics`)"
MALFORMED_REMEDY = "re-run `signoff audit`: results.json was not written by it or was edited"

_SYMBOL = {
    "less_than": "<",
    "less_equal": "≤",
    "greater_than": ">",
    "greater_equal": "≥",
    "equal": "=",
}


def passes(value: float, gate: Gate) -> bool:
    """Whether ``value`` meets the gate's comparison."""
    t = gate.threshold
    if isinstance(t, tuple):
        return t[0] <= value <= t[1]
    return {
        "less_than": value < t,
        "less_equal": value <= t,
        "greater_than": value > t,
        "greater_equal": value >= t,
        "equal": math.isclose(value, t, rel_tol=0.0, abs_tol=1e-12),
    }[gate.comparison]


def _judge(gate: Gate, value: float | None, ci: list[float] | None) -> tuple[float | None, bool]:
    """The number compared (point or pessimistic bound) and whether it passes."""
    if value is None:
        return None, False
    if not gate.use_confidence_bound:
        return value, passes(value, gate)
    if ci is None:
        return None, False
    low, high = ci
    if gate.comparison in ("less_than", "less_equal"):
        return high, passes(high, gate)
    if gate.comparison in ("greater_than", "greater_equal"):
        return low, passes(low, gate)
    if gate.comparison == "between":
        inside = passes(low, gate) and passes(high, gate)
        return (high if passes(low, gate) else low), inside
    return value, passes(value, gate)


def _shortfall(gate: Gate, judged: float | None) -> float:
    """How far ``judged`` is on the wrong side of the threshold (negative: inside)."""
    if judged is None:
        return math.inf
    t = gate.threshold
    if isinstance(t, tuple):
        return max(t[0] - judged, judged - t[1])
    if gate.comparison in ("less_than", "less_equal"):
        return judged - t
    if gate.comparison in ("greater_than", "greater_equal"):
        return t - judged
    return abs(judged - t)


def _measurements(
    gate: Gate, results: Mapping[str, Any], metrics: Mapping[str, MetricSpec]
) -> list[tuple[str | None, str | None, Any, str]]:
    """(attribute, group, entry, path) for everything the gate judges.

    KeyError names a bad scope; :class:`Malformed` a results document of the wrong shape."""
    levels = metrics[gate.metric].levels
    results = mapping(results, "the top level")
    if gate.attributes is None and "overall" in levels:
        overall = mapping(results.get("overall"), "overall")
        return [(None, None, overall.get(gate.metric), f"overall.{gate.metric}")]
    blocks = mapping(results.get("by_attribute"), "by_attribute")
    names = list(gate.attributes) if gate.attributes is not None else list(blocks)
    unknown = [n for n in names if n not in blocks]
    if unknown:
        raise KeyError(f"attribute(s) {unknown} are not in the audit; audited: {', '.join(blocks)}")
    if "attribute" in levels:
        return [
            (
                n,
                None,
                mapping(blocks[n], f"by_attribute.{n}").get(gate.metric),
                f"by_attribute.{n}.{gate.metric}",
            )
            for n in names
        ]
    found: list[tuple[str | None, str | None, Any, str]] = []
    for n in names:
        groups = mapping(
            mapping(blocks[n], f"by_attribute.{n}").get("groups"), f"by_attribute.{n}.groups"
        )
        for g, e in groups.items():
            where = f"by_attribute.{n}.groups.{g}"
            found.append((n, g, mapping(e, where).get(gate.metric), f"{where}.{gate.metric}"))
    return found


def _where(attribute: str | None, group: str | None) -> str:
    if attribute is None:
        return "overall"
    return f"{attribute}={group}" if group is not None else attribute


def _message(gate: Gate, decisive: Measurement, measurements: list[Measurement]) -> str:
    where = _where(decisive.attribute, decisive.group)
    if decisive.judged is None:
        lacking = (
            "no confidence interval"
            if gate.use_confidence_bound and decisive.value is not None
            else "no value"
        )
        return (
            f"missing evidence: {gate.metric} has {lacking} for {where} "
            "(not computed, or undefined for lack of data)"
        )
    judged = "confidence bound" if gate.use_confidence_bound else "value"
    verdict = "meets" if decisive.passed else "fails"
    t = gate.threshold
    rule = (
        f"in [{t[0]:g}, {t[1]:g}]" if isinstance(t, tuple) else f"{_SYMBOL[gate.comparison]} {t:g}"
    )
    message = f"{gate.metric} {judged} {decisive.judged:.4g} for {where} {verdict} {rule}"
    if len(measurements) > 1:
        failing = sum(not m.passed for m in measurements)
        message += f" ({failing} of {len(measurements)} failing)"
    return message


def _metric_gate(
    gate: Gate, results: Mapping[str, Any], metrics: Mapping[str, MetricSpec]
) -> GateResult:
    if gate.metric not in metrics:  # load_policy refuses these; a Policy built in code may not
        message = UNKNOWN_METRIC.format(name=gate.metric)
        return _gate_result(gate, None, (), "ERROR", message, UNKNOWN_METRIC_REMEDY)
    try:
        found = _measurements(gate, results, metrics)
        estimates = [estimate(entry, path) for *_, entry, path in found]
    except KeyError as exc:
        return _gate_result(
            gate, None, (), "ERROR", str(exc.args[0]), "fix the gate's `attributes`"
        )
    except Malformed as exc:
        return _gate_result(gate, None, (), "ERROR", str(exc), MALFORMED_REMEDY)
    measurements = []
    for (attribute, group, _, _), (value, ci) in zip(found, estimates, strict=True):
        judged, ok = _judge(gate, value, ci)
        bounds = (ci[0], ci[1]) if ci else None
        measurements.append(Measurement(attribute, group, value, bounds, judged, ok))
    failing = [m for m in measurements if not m.passed]
    # The deciding measurement: the worst failure (missing evidence first), else the
    # passing value closest to the threshold.
    decisive = max(failing or measurements, key=lambda m: _shortfall(gate, m.judged))
    status: Status = FAILED_STATUS[gate.severity] if failing else "PASS"
    advice = GUIDANCE.get(gate.metric)  # monitoring metrics carry no audit guidance
    remedy = advice.remediation if failing and advice is not None else ""
    message = _message(gate, decisive, measurements)
    return _gate_result(gate, decisive, tuple(measurements), status, message, remedy)


def _gate_result(
    gate: Gate,
    decisive: Measurement | None,
    measurements: tuple[Measurement, ...],
    status: Status,
    message: str,
    remediation: str,
) -> GateResult:
    return GateResult(
        name=gate.name,
        id=gate.id,
        kind="metric",
        metric=gate.metric,
        attribute=decisive.attribute if decisive else None,
        group=decisive.group if decisive else None,
        value=decisive.value if decisive else None,
        ci=decisive.ci if decisive else None,
        threshold=gate.threshold,
        comparison=gate.comparison,
        severity=gate.severity,
        status=status,
        clause=gate.clause,
        rationale=gate.rationale,
        message=message,
        remediation=remediation,
        measurements=measurements,
    )


def evaluate(
    policy: Policy,
    results: Mapping[str, Any],
    context: AuditContext,
    *,
    metrics: Mapping[str, MetricSpec] | None = None,
) -> tuple[GateResult, ...]:
    """Every gate of ``policy`` judged on ``results`` (a results.json document).

    ``metrics`` is the catalogue the policy was loaded with (default: the audit's).
    """
    catalogue = METRICS if metrics is None else metrics
    gates = [_metric_gate(gate, results, catalogue) for gate in policy.gates]
    return (*gates, *run_checks(policy, context))
