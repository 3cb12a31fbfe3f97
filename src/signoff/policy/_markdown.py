"""A policy outcome as Markdown, for a pull-request comment or ``$GITHUB_STEP_SUMMARY``.

Also the small formatters every rendering of gates shares (JUnit XML, the
terminal table): numbers, values with intervals, thresholds with their
comparison, and the scope a value was measured on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ._result import GateResult, PolicyOutcome, Status, Verdict
from ._schema import COMPARISONS

__all__ = [
    "STATUS_ORDER",
    "comparison_symbol",
    "count_parts",
    "format_number",
    "format_scope",
    "format_value",
    "gate_value",
    "summary_markdown",
]

#: The order reports list gates in (the same as ``PolicyOutcome.ordered``).
STATUS_ORDER: tuple[Status, ...] = ("ERROR", "FAIL", "WARN", "INFO", "PASS")

_SYMBOLS: dict[str, str] = dict(zip(COMPARISONS, ("<", "≤", ">", "≥", "∈", "="), strict=True))
_VERDICT_BADGES: dict[Verdict, str] = {
    "PASS": "✅ PASS",
    "PASS WITH WARNINGS": "⚠️ PASS WITH WARNINGS",
    "FAIL": "❌ FAIL",
}
_BADGES = ("❌ ERROR", "❌ FAIL", "⚠️ WARN", "ℹ️ INFO", "✅ PASS")
_STATUS_BADGES: dict[Status, str] = dict(zip(STATUS_ORDER, _BADGES, strict=True))
_WORDS = ("error", "failed", "warned", "info", "passed")
_COUNT_WORDS: dict[Status, str] = dict(zip(STATUS_ORDER, _WORDS, strict=True))
# Markdown (and inline HTML) that would change what a table cell shows.
_MD_ESCAPES = str.maketrans(
    {c: "\\" + c for c in "\\|*_`[]"}
    | {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": " ", "\n": " "}
)


def count_parts(outcome: PolicyOutcome) -> list[str]:
    """The non-zero status counts, blocking first: ``["1 failed", "3 passed"]``.

    Parameters
    ----------
    outcome : PolicyOutcome
        The evaluated policy.

    Returns
    -------
    list of str
        One ``"<count> <word>"`` per status that occurs, in :data:`STATUS_ORDER`.
    """
    counts = outcome.counts()
    return [f"{counts[s]} {_COUNT_WORDS[s]}" for s in STATUS_ORDER if counts[s]]


def format_number(value: float) -> str:
    """Format a measured number the way every report shows it.

    Parameters
    ----------
    value : float
        The number.

    Returns
    -------
    str
        Whole numbers without decimals (``"1000"``), very small ones in
        scientific notation (``"3.20e-05"``), everything else with three
        decimals (``"0.066"``); ``"nan"``, ``"inf"`` as such.
    """
    if not math.isfinite(value):
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    if abs(value) < 1e-3:
        return f"{value:.2e}"
    return f"{value:.3f}"


def format_value(value: float | None, ci: tuple[float, float] | None) -> str:
    """Format a value and its confidence interval: ``"0.066 [0.004, 0.171]"``.

    Parameters
    ----------
    value : float or None
        The point estimate; ``None`` when the evidence is missing.
    ci : tuple of float or None
        The interval ``(low, high)``, when there is one.

    Returns
    -------
    str
        ``"missing"`` for a missing value, else the number and, when given, its interval.
    """
    if value is None:
        return "missing"
    text = format_number(value)
    if ci is None:
        return text
    return f"{text} [{format_number(ci[0])}, {format_number(ci[1])}]"


def gate_value(gate: GateResult) -> str:
    """The deciding value of a gate with its interval (see :func:`format_value`).

    Parameters
    ----------
    gate : GateResult
        The gate.

    Returns
    -------
    str
        As :func:`format_value`, except ``"—"`` for a gate that is not about a
        metric (reproducibility, policy, rego) and carries no value.
    """
    if gate.value is None and gate.kind != "metric":
        return "—"
    return format_value(gate.value, gate.ci)


def comparison_symbol(comparison: str | None, threshold: float | tuple[float, float] | None) -> str:
    """Format a gate's condition: ``"< 0.1"``, ``"≥ 0.8"``, ``"∈ [0.8, 1.25]"``, ``"= 0"``.

    Parameters
    ----------
    comparison : str or None
        One of the policy comparisons (``less_than`` … ``equal``).
    threshold : float, tuple of float or None
        The threshold; ``(low, high)`` for ``between``.

    Returns
    -------
    str
        The condition a value must meet; ``"—"`` for a gate without a threshold
        (reproducibility and policy gates).
    """
    if comparison is None or threshold is None:
        return "—"
    if isinstance(threshold, tuple):
        low, high = threshold
        bounds = f"[{low:g}, {high:g}]"
        return f"∈ {bounds}" if comparison == "between" else f"{comparison} {bounds}"
    return f"{_SYMBOLS.get(comparison, comparison)} {threshold:g}"


def format_scope(gate: GateResult) -> str:
    """Where the deciding value was measured: ``"sex: female"``, ``"sex"``, ``"overall"``.

    Parameters
    ----------
    gate : GateResult
        The gate.

    Returns
    -------
    str
        The attribute (and group) that decided; ``"overall"`` for a metric
        gate judged on the whole evaluation set, ``"—"`` for other gates.
    """
    if gate.attribute is None:
        return "overall" if gate.kind == "metric" else "—"
    return f"{gate.attribute}: {gate.group}" if gate.group is not None else gate.attribute


def _cell(text: str) -> str:
    return text.translate(_MD_ESCAPES) or " "


def _counts_line(outcome: PolicyOutcome) -> str:
    parts = count_parts(outcome)
    total = len(outcome.gates)
    return f"**{total} gate{'s' if total != 1 else ''}**" + (
        ": " + " · ".join(parts) if parts else ""
    )


def _context_line(results: Mapping[str, Any]) -> str | None:
    parts: list[str] = []
    rows = results.get("rows")
    if isinstance(rows, int):
        parts.append(f"{rows:,} rows")
    boot = results.get("bootstrap")
    if isinstance(boot, Mapping) and isinstance(boot.get("replicates"), int):
        text = f"{boot['replicates']:,} bootstrap replicates"
        confidence = boot.get("confidence")
        if isinstance(confidence, int | float):
            text += f" ({confidence * 100:g}% intervals)"
        parts.append(text)
    return "Evaluated on " + ", ".join(parts) + "." if parts else None


def summary_markdown(outcome: PolicyOutcome, *, results: Mapping[str, Any] | None = None) -> str:
    """Render a policy outcome as Markdown for a pull request or a CI step summary.

    Parameters
    ----------
    outcome : PolicyOutcome
        The evaluated policy.
    results : Mapping, optional
        The audit results (``results.json``); when given, one line of context
        (rows, bootstrap replicates) follows the header.

    Returns
    -------
    str
        A header with the verdict, the policy and the counts; a table of the
        gates, blocking ones first; and, when a gate did not pass, a
        "What to do" list with each one's remediation.  Deterministic: the same
        outcome gives the same text.
    """
    lines = [
        f"## {_VERDICT_BADGES[outcome.verdict]} — "
        f"{_cell(outcome.policy_name)} v{_cell(outcome.version)}",
        "",
        _counts_line(outcome),
    ]
    context = _context_line(results) if results is not None else None
    if context:
        lines += ["", context]
    if not outcome.gates:
        return "\n".join([*lines, "", "The policy has no gates."]) + "\n"
    lines += [
        "",
        "| status | gate | metric | attribute | value [CI] | threshold | severity | clause |",
        "|---|---|---|---|---:|---|---|---|",
    ]
    for gate in outcome.ordered():
        metric = "`" + gate.metric.replace("|", "\\|") + "`" if gate.metric else gate.kind
        cells = (
            _STATUS_BADGES[gate.status],
            _cell(gate.name),
            metric,
            _cell(format_scope(gate)),
            # generated from numbers: nothing in them Markdown would read as markup
            gate_value(gate),
            comparison_symbol(gate.comparison, gate.threshold),
            gate.severity,
            _cell(gate.clause or "—"),
        )
        lines.append("| " + " | ".join(cells) + " |")
    todo = [g for g in outcome.ordered() if g.status != "PASS"]
    if todo:
        lines += ["", "### What to do", ""]
        for gate in todo:
            advice = gate.remediation or gate.message or "No remediation given."
            lines.append(f"- **{_cell(gate.name)}** ({gate.status}): {_cell(advice)}")
    return "\n".join(lines) + "\n"
