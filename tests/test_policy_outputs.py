"""The CI-facing renderings of a policy outcome: JUnit XML, Markdown, the terminal table."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
import xmlschema
from rich.console import Console

from signoff.cli._gates import render_gates
from signoff.policy import GateResult, Measurement, PolicyOutcome
from signoff.policy._junit import junit_xml, policy_slug
from signoff.policy._markdown import (
    comparison_symbol,
    format_number,
    format_value,
    summary_markdown,
)

SCHEMA = xmlschema.XMLSchema(Path(__file__).parent / "data" / "junit.xsd")
TRICKY = 'Parity <&"|> check'


def _gate(name: str, status: str, **changes: object) -> GateResult:
    severity = {"WARN": "warning", "INFO": "info"}.get(status, "error")
    base = GateResult(
        name=name,
        id=None,
        kind="metric",
        metric="demographic_parity_difference",
        attribute="sex",
        group=None,
        value=0.066,
        ci=(0.004, 0.171),
        threshold=0.1,
        comparison="less_than",
        severity=severity,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        clause="ECOA fair lending",
        rationale="Maximum approval-rate gap across protected groups",
        message=f"{name}: {status}",
        remediation=f"Fix {name} now",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


MEASUREMENTS = (
    Measurement("sex", "female", 0.18, (0.12, 0.24), 0.18, False),
    Measurement("sex", "male", 0.05, None, 0.05, True),
)
GATES = (
    _gate("Accuracy floor", "PASS", id="acc", metric="accuracy", attribute=None, value=0.81,
          ci=None, threshold=0.7, comparison="greater_equal"),
    _gate(TRICKY, "FAIL", id="dp", value=0.18, ci=(0.12, 0.24), group="female",
          measurements=MEASUREMENTS),
    _gate("Calibration", "WARN", metric="expected_calibration_error", threshold=0.05,
          comparison="less_equal", value=0.07),
    _gate("Disparate impact", "INFO", metric="disparate_impact", threshold=(0.8, 1.25),
          comparison="between", value=0.7, ci=None),
    _gate("Age gap", "ERROR", attribute="age_group", value=None, ci=None,
          message="the audit has no attribute 'age_group'"),
    _gate("Seed set", "PASS", kind="reproducibility", metric=None, attribute=None, value=None,
          ci=None, threshold=None, comparison=None, clause="", remediation=""),
)  # fmt: skip
OUTCOME = PolicyOutcome("Crédit Baseline | EU", "1.0", "ab" * 32, (), GATES)
PASSING = PolicyOutcome("Green", "2", "cd" * 32, (), (GATES[0], GATES[5]))
WARNING = PolicyOutcome("Amber", "3", "ef" * 32, (), (GATES[0], GATES[2]))


def _cases(xml: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    return {case.attrib["name"]: case for case in root.iter("testcase")}


# --- shared formatters -------------------------------------------------------------


@pytest.mark.parametrize(
    ("comparison", "threshold", "expected"),
    [
        ("less_than", 0.1, "< 0.1"),
        ("less_equal", 0.05, "≤ 0.05"),
        ("greater_than", 0.5, "> 0.5"),
        ("greater_equal", 0.8, "≥ 0.8"),
        ("between", (0.8, 1.25), "∈ [0.8, 1.25]"),
        ("equal", 0.0, "= 0"),
        (None, None, "—"),
    ],
)
def test_comparison_symbol(comparison: str | None, threshold: object, expected: str) -> None:
    assert comparison_symbol(comparison, threshold) == expected  # type: ignore[arg-type]


def test_format_value() -> None:
    assert format_value(0.066, (0.004, 0.171)) == "0.066 [0.004, 0.171]"
    assert format_value(None, (0.1, 0.2)) == "missing"
    assert format_value(1000.0, None) == "1000"
    assert format_number(3.2e-5) == "3.20e-05"
    assert format_number(float("nan")) == "nan"


def test_policy_slug() -> None:
    assert policy_slug("Crédit Baseline | EU") == "credit_baseline_eu"
    assert policy_slug("|||") == "policy"


# --- JUnit XML -------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [OUTCOME, PASSING, WARNING], ids=["fail", "pass", "warn"])
def test_junit_validates_against_the_schema(outcome: PolicyOutcome) -> None:
    xml = junit_xml(outcome)
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    SCHEMA.validate(io.BytesIO(xml))


@pytest.mark.parametrize(
    "bad",
    [
        b'<testsuites><testsuite name="s" tests="1" failures="0"/></testsuites>',  # no errors=
        b'<testsuites><testsuite name="s" tests="x" failures="0" errors="0"/></testsuites>',
        b'<testsuites><testsuite name="s" tests="1" failures="0" errors="0">'
        b"<testcase classname='c'/></testsuite></testsuites>",  # testcase without name
        b'<testsuites><testsuite name="s" tests="1" failures="1" errors="0"><testcase name="t">'
        b"<system-out>x</system-out><failure/></testcase></testsuite></testsuites>",  # order
    ],
)
def test_the_schema_is_not_vacuous(bad: bytes) -> None:
    assert not SCHEMA.is_valid(io.BytesIO(bad))


def test_junit_counts_and_names() -> None:
    root = ET.fromstring(junit_xml(OUTCOME, suite_name="credit-ci"))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    for element in (root, suite):
        assert element.attrib["name"] == "credit-ci"
        assert element.attrib["tests"] == "6"
        assert element.attrib["failures"] == "1"
        assert element.attrib["errors"] == "1"
        assert element.attrib["time"] == "0"
    assert suite.attrib["skipped"] == "0"
    cases = suite.findall("testcase")
    assert [c.attrib["name"] for c in cases] == [
        "Accuracy floor [acc]",
        f"{TRICKY} [dp]",
        "Calibration",
        "Disparate impact",
        "Age gap",
        "Seed set",
    ]
    assert {c.attrib["classname"] for c in cases} == {"signoff.credit_baseline_eu"}
    props = {p.attrib["name"]: p.attrib["value"] for p in suite.iter("property")}
    assert props["verdict"] == "FAIL"
    assert props["policy_name"] == "Crédit Baseline | EU"


def test_junit_failure_carries_the_evidence() -> None:
    case = _cases(junit_xml(OUTCOME))[f"{TRICKY} [dp]"]
    failure = case.find("failure")
    assert failure is not None
    assert failure.attrib["type"] == "error"
    message = failure.attrib["message"]
    assert "ECOA fair lending" in message
    assert "< 0.1" in message
    assert "0.180 [0.120, 0.240]" in message
    body = failure.text or ""
    for text in (
        "value: 0.180 [0.120, 0.240]",
        "threshold: < 0.1",
        "comparison: less_than",
        "clause: ECOA fair lending",
        "rationale: Maximum approval-rate gap",
        f"remediation: Fix {TRICKY} now",
        "sex: female = 0.180 [0.120, 0.240] (failed)",
        "sex: male = 0.050 (passed)",
    ):
        assert text in body


def test_junit_error_warn_info_pass() -> None:
    cases = _cases(junit_xml(OUTCOME))
    error = cases["Age gap"].find("error")
    assert error is not None
    assert "no attribute 'age_group'" in error.attrib["message"]
    assert cases["Age gap"].find("failure") is None
    for name, word in (("Calibration", "WARN"), ("Disparate impact", "INFO")):
        case = cases[name]
        assert case.find("failure") is None
        assert case.find("error") is None
        assert case.find("skipped") is None
        out = case.findtext("system-out") or ""
        assert out.startswith(word)
        assert "remediation: Fix" in out
    assert "∈ [0.8, 1.25]" in (cases["Disparate impact"].findtext("system-out") or "")
    assert "value: 0.810" in (cases["Accuracy floor [acc]"].findtext("system-out") or "")
    assert "value: missing" in (error.text or "")
    assert "value: —" in (cases["Seed set"].findtext("system-out") or "")


def test_junit_escapes_and_is_deterministic() -> None:
    nasty = _gate('bell\x07 "<tag>" & ]]>', "FAIL", clause="line\nbreak", remediation="\x1b[31m")
    outcome = PolicyOutcome("p", "1", "0" * 64, (), (nasty,))
    xml = junit_xml(outcome)
    assert xml == junit_xml(outcome)
    assert junit_xml(OUTCOME) == junit_xml(OUTCOME)
    SCHEMA.validate(io.BytesIO(xml))
    (name,) = _cases(xml)
    assert name == 'bell\\x07 "<tag>" & ]]>'
    failure = ET.fromstring(xml).find(".//failure")
    assert failure is not None
    assert "clause: line break" in failure.attrib["message"]
    assert "\\x1b[31m" in (failure.text or "")
    for word in (b"timestamp", b"hostname"):
        assert word not in xml


def test_junit_read_by_junitparser() -> None:
    junitparser = pytest.importorskip("junitparser")
    report = junitparser.JUnitXml.fromstring(junit_xml(OUTCOME).decode("utf-8"))
    (suite,) = list(report)
    assert (suite.tests, suite.failures, suite.errors) == (6, 1, 1)
    results = {case.name: [type(r).__name__ for r in case.result] for case in suite}
    assert results[f"{TRICKY} [dp]"] == ["Failure"]
    assert results["Age gap"] == ["Error"]
    assert results["Calibration"] == results["Seed set"] == []


# --- Markdown --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "header"),
    [
        (OUTCOME, "## ❌ FAIL — Crédit Baseline \\| EU v1.0"),
        (PASSING, "## ✅ PASS — Green v2"),
        (WARNING, "## ⚠️ PASS WITH WARNINGS — Amber v3"),
    ],
)
def test_markdown_verdict(outcome: PolicyOutcome, header: str) -> None:
    assert summary_markdown(outcome).splitlines()[0] == header


def test_markdown_table() -> None:
    text = summary_markdown(OUTCOME)
    assert "**6 gates**: 1 error · 1 failed · 1 warned · 1 info · 2 passed" in text
    table = [line for line in text.splitlines() if line.startswith("| ")][1:]
    assert len(table) == 6
    statuses = [row.split(" | ")[0].removeprefix("| ") for row in table]
    assert statuses == ["❌ ERROR", "❌ FAIL", "⚠️ WARN", "ℹ️ INFO", "✅ PASS", "✅ PASS"]
    fail_row = table[1]
    assert 'Parity &lt;&amp;"\\|&gt; check' in fail_row
    assert "`demographic_parity_difference`" in fail_row
    assert "sex: female" in fail_row
    assert "| 0.180 [0.120, 0.240] | < 0.1 |" in fail_row
    assert fail_row.endswith("| error | ECOA fair lending |")
    # every row has exactly the table's 8 cells: no stray, unescaped pipe
    for row in table:
        assert row.replace("\\|", "").count("|") == 9
    assert table[5] == "| ✅ PASS | Seed set | reproducibility | — | — | — | error | — |"


def test_markdown_user_text_is_not_markup() -> None:
    gate = _gate("**bold** [link](https://x) `code` _em_", "FAIL", clause="a\nb", attribute="x_y")
    text = summary_markdown(PolicyOutcome("p", "1", "0" * 64, (), (gate,)))
    row = text.splitlines()[6]
    assert r"\*\*bold\*\* \[link\](https://x) \`code\` \_em\_" in row
    assert "| x\\_y |" in row
    assert row.endswith("| error | a b |")


def test_markdown_what_to_do_and_context() -> None:
    text = summary_markdown(
        OUTCOME, results={"rows": 1000, "bootstrap": {"replicates": 200, "confidence": 0.95}}
    )
    assert "Evaluated on 1,000 rows, 200 bootstrap replicates (95% intervals)." in text
    todo = text.split("### What to do")[1].strip().splitlines()
    assert todo == [
        "- **Age gap** (ERROR): Fix Age gap now",
        '- **Parity &lt;&amp;"\\|&gt; check** (FAIL): Fix Parity &lt;&amp;"\\|&gt; check now',
        "- **Calibration** (WARN): Fix Calibration now",
        "- **Disparate impact** (INFO): Fix Disparate impact now",
    ]
    assert "What to do" not in summary_markdown(PASSING)
    assert summary_markdown(OUTCOME) == summary_markdown(OUTCOME)
    assert "Evaluated on" not in summary_markdown(OUTCOME)


def test_markdown_without_gates() -> None:
    empty = PolicyOutcome("Empty", "0", "0" * 64, (), ())
    assert summary_markdown(empty).endswith("The policy has no gates.\n")


# --- terminal --------------------------------------------------------------------


def _render(outcome: PolicyOutcome) -> str:
    console = Console(record=True, width=100, no_color=True, file=io.StringIO())
    render_gates(outcome, console)
    return console.export_text()


def test_terminal_table() -> None:
    text = _render(OUTCOME)
    for gate in GATES:
        assert gate.name in text
    assert text.index("FAIL") < text.index("PASS")
    assert text.index("ERROR") < text.index("WARN") < text.index("INFO")
    arrows = [line for line in text.splitlines() if line.startswith("→ ")]
    assert arrows == [
        "→ Age gap: Fix Age gap now",
        f"→ {TRICKY}: Fix {TRICKY} now",
        "→ Calibration: Fix Calibration now",
    ]
    assert "0.180 [0.120, 0.240]" in text
    assert "∈ [0.8, 1.25]" in text
    assert "sex: female" in text
    assert text.rstrip().splitlines()[-1] == (
        "Verdict: FAIL (1 error, 1 failed, 1 warned, 1 info, 2 passed)"
    )
    assert max(len(line) for line in text.splitlines()) <= 100


def test_terminal_passing_and_colour() -> None:
    text = _render(PASSING)
    assert "→" not in text
    assert text.rstrip().endswith("Verdict: PASS (2 passed)")
    console = Console(record=True, width=100, force_terminal=True, file=io.StringIO())
    render_gates(OUTCOME, console)
    assert "\x1b[" in console.export_text(styles=True)
    out = io.StringIO()
    render_gates(OUTCOME, Console(width=100, no_color=True, force_terminal=True, file=out))
    assert "\x1b[3" not in out.getvalue()  # bold and dim stay; no colour (30–39)


def test_terminal_table_in_a_narrow_log() -> None:
    """At 80 columns (a CI log) the attribute goes under the gate and the clause is left out.

    Folded into slivers, the attribute was cut ("sex*age_grou") and the clause stacked blank
    lines under every gate.
    """
    console = Console(record=True, width=80, no_color=True, file=io.StringIO())
    render_gates(OUTCOME, console)
    text = console.export_text()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "clause" not in lines[2] + lines[3]
    assert "(sex: female)" in text  # whole, in brackets under the gate's name
    body = lines[: lines.index(next(line for line in lines if line.startswith("→ ")))]
    blank_runs = [
        i for i in range(1, len(body) - 1) if not body[i].strip() and not body[i + 1].strip()
    ]
    assert not blank_runs
    wide = Console(record=True, width=132, no_color=True, file=io.StringIO())
    render_gates(OUTCOME, wide)
    assert "clause" in wide.export_text()
