"""A policy outcome as JUnit XML, the test-report format every CI system reads.

One ``<testsuite>`` per outcome, one ``<testcase>`` per gate:

* FAIL  → ``<failure type="<severity>">`` (the CI job shows a failed test);
* ERROR → ``<error>`` (the gate could not be evaluated; it blocks like FAIL);
* WARN, INFO → a *passed* test case whose ``<system-out>`` says why it is not a
  clean pass.  A warning does not block a merge (exit code 0 without
  ``--fail-on-warning``), so it must not turn the CI test view red; it is not
  ``<skipped>`` either, because the gate did run and its evidence is there;
* PASS  → a passed test case whose ``<system-out>`` holds the value.

The XML is deterministic (no timestamps or host names, ``time="0"``), UTF-8
with an XML declaration; characters XML 1.0 cannot carry are written as
``\\xNN`` escapes.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET

from ._markdown import comparison_symbol, format_scope, format_value, gate_value
from ._result import GateResult, Measurement, PolicyOutcome

__all__ = ["junit_xml", "policy_slug"]

_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Code points XML 1.0 does not allow (controls other than tab/newline/CR,
# surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NOTES = {
    "WARN": "WARN: the condition does not hold for this warning gate. It does not block, "
    "but it needs a recorded acknowledgement or waiver.",
    "INFO": "INFO: the condition does not hold for this info gate. It is reported only "
    "and does not block.",
    "PASS": "PASS: the condition holds.",
}


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _one_line(text: str) -> str:
    return " ".join(_clean(text).split())


def policy_slug(name: str) -> str:
    """A policy name as an identifier for a JUnit ``classname``.

    Parameters
    ----------
    name : str
        The policy name, e.g. ``"Organization Credit Model Baseline"``.

    Returns
    -------
    str
        Lower-case ASCII letters, digits and underscores
        (``"organization_credit_model_baseline"``); ``"policy"`` if nothing is left.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]+", "_", ascii_name.lower()).strip("_") or "policy"


def _measurement_line(m: Measurement) -> str:
    scope = m.attribute or "overall"
    if m.group is not None:
        scope += f": {m.group}"
    judged = f", judged {format_value(m.judged, None)}" if m.judged != m.value else ""
    verdict = "passed" if m.passed else "failed"
    return f"  - {scope} = {format_value(m.value, m.ci)}{judged} ({verdict})"


def _details(gate: GateResult) -> str:
    """Everything a reader of the CI log needs to understand one gate."""
    lines = [
        f"gate: {gate.name}" + (f" [{gate.id}]" if gate.id else ""),
        f"status: {gate.status} (severity {gate.severity})",
        f"metric: {gate.metric or gate.kind}",
        f"attribute: {format_scope(gate)}",
        f"value: {gate_value(gate)}",
        f"threshold: {comparison_symbol(gate.comparison, gate.threshold)}",
        f"comparison: {gate.comparison or '—'}",
        f"clause: {gate.clause or '—'}",
        f"rationale: {gate.rationale or '—'}",
        f"message: {gate.message or '—'}",
        f"remediation: {gate.remediation or '—'}",
    ]
    if gate.measurements:
        lines.append("measurements:")
        lines += [_measurement_line(m) for m in gate.measurements]
    return _clean("\n".join(lines)) + "\n"


def _failure_message(gate: GateResult) -> str:
    if gate.threshold is not None and gate.comparison is not None:
        scope = format_scope(gate)
        text = (
            f"{gate.metric or gate.name}"
            + (f" ({scope})" if scope not in ("overall", "—") else "")
            + f" = {format_value(gate.value, gate.ci)}, "
            f"required {comparison_symbol(gate.comparison, gate.threshold)}"
        )
    else:
        text = gate.message or f"{gate.name} failed"
    if gate.clause:
        text += f"; clause: {gate.clause}"
    return _one_line(text)


def _testcase(parent: ET.Element, gate: GateResult, classname: str) -> None:
    name = gate.name + (f" [{gate.id}]" if gate.id else "")
    case = ET.SubElement(
        parent, "testcase", {"classname": classname, "name": _one_line(name), "time": "0"}
    )
    if gate.status == "FAIL":
        attrs = {"message": _failure_message(gate), "type": gate.severity}
        ET.SubElement(case, "failure", attrs).text = _details(gate)
    elif gate.status == "ERROR":
        message = _one_line(gate.message or "the gate could not be evaluated")
        if gate.clause:
            message += _one_line(f"; clause: {gate.clause}")
        attrs = {"message": message, "type": gate.severity}
        ET.SubElement(case, "error", attrs).text = _details(gate)
    else:
        out = ET.SubElement(case, "system-out")
        out.text = _clean(_NOTES[gate.status]) + "\n" + _details(gate)


def junit_xml(outcome: PolicyOutcome, *, suite_name: str = "signoff") -> bytes:
    """Render a policy outcome as JUnit XML.

    Parameters
    ----------
    outcome : PolicyOutcome
        The evaluated policy.
    suite_name : str, default "signoff"
        The name of the ``<testsuites>`` and ``<testsuite>`` elements.

    Returns
    -------
    bytes
        UTF-8 XML with a declaration: one ``<testsuites>`` holding one
        ``<testsuite>`` (with the policy name, version, SHA-256 and verdict as
        ``<properties>``) and one ``<testcase>`` per gate, in policy order,
        named ``"<gate name> [<id>]"`` with classname ``signoff.<policy slug>``.
        FAIL gates carry a ``<failure>``, ERROR gates an ``<error>``; WARN,
        INFO and PASS gates pass, with a ``<system-out>`` that explains them
        (see the module docstring).  The same outcome gives the same bytes.
    """
    counts = outcome.counts()
    totals = {
        "tests": str(len(outcome.gates)),
        "failures": str(counts["FAIL"]),
        "errors": str(counts["ERROR"]),
    }
    name = _one_line(suite_name)
    root = ET.Element("testsuites", {"name": name, **totals, "time": "0"})
    suite = ET.SubElement(root, "testsuite", {"name": name, **totals, "skipped": "0", "time": "0"})
    properties = ET.SubElement(suite, "properties")
    for key, value in (
        ("policy_name", outcome.policy_name),
        ("policy_version", outcome.version),
        ("policy_sha256", outcome.sha256),
        ("verdict", outcome.verdict),
    ):
        ET.SubElement(properties, "property", {"name": key, "value": _one_line(value)})
    classname = f"signoff.{policy_slug(outcome.policy_name)}"
    for gate in outcome.gates:
        _testcase(suite, gate, classname)
    ET.indent(root)
    return _DECLARATION + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n"
