"""The policy gates as a Rich table in the terminal, with what to do about each failure."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.text import Text

from ..policy import (
    PolicyOutcome,
    Status,
    Verdict,
    comparison_symbol,
    count_parts,
    format_scope,
    gate_value,
)
from ._app import CliTable

__all__ = ["STATUS_STYLES", "render_gates"]

#: How each status is coloured (a console with ``no_color`` drops the colour).
STATUS_STYLES: dict[Status, str] = {
    "PASS": "green",
    "WARN": "yellow",
    "FAIL": "bold red",
    "ERROR": "bold red",
    "INFO": "blue",
}
_VERDICT_STYLES: dict[Verdict, str] = {
    "PASS": "bold green",
    "PASS WITH WARNINGS": "bold yellow",
    "FAIL": "bold red",
}


#: Below this width the table narrows: the attribute goes under the gate's name and the
#: clause is left out (folded into slivers they stacked blank lines and cut names; the
#: clause is in summary.md and the report).
WIDE = 110


def _gate_table(outcome: PolicyOutcome, width: int) -> CliTable:
    wide = width >= WIDE
    table = CliTable(
        title=Text(f"Policy gates: {outcome.policy_name} v{outcome.version}"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("status", no_wrap=True)
    table.add_column("gate" if wide else "gate (attribute)", overflow="fold")
    table.add_column("value [CI]", justify="right", no_wrap=True)
    table.add_column("threshold", no_wrap=True)
    if wide:
        table.add_column("attribute", min_width=9, overflow="fold")
        table.add_column("clause", min_width=12, overflow="fold")
    for gate in outcome.ordered():
        name, scope = Text(gate.name), format_scope(gate)
        if not wide and scope not in ("—", "overall"):
            name.append(f"\n({scope})", style="dim")
        cells = [
            Text(gate.status, style=STATUS_STYLES[gate.status]),
            name,
            Text(gate_value(gate)),
            Text(comparison_symbol(gate.comparison, gate.threshold)),
        ]
        if wide:
            cells += [Text(scope), Text(gate.clause or "—")]
        table.add_row(*cells)
    return table


def render_gates(outcome: PolicyOutcome, console: Console) -> None:
    """Print the gate table, the remediation of each failed gate, and the verdict.

    Parameters
    ----------
    outcome : PolicyOutcome
        The evaluated policy.
    console : rich.console.Console
        Where to print.  Colour follows the console, so ``NO_COLOR`` (or a
        console that is not a terminal) gives plain text.

    Notes
    -----
    Gates are listed blocking first (ERROR, FAIL, WARN, INFO, PASS).  The clause
    column needs a console at least ``WIDE`` columns; a narrower one (a CI log at
    80) puts the attribute under the gate's name and leaves the clause out.  Under the
    table, each ERROR, FAIL and WARN gate gets one line
    ``→ <name>: <remediation>``; the last line is the verdict.  User text
    (gate names, clauses) is printed literally, never read as Rich markup.
    """
    if outcome.gates:
        console.print(_gate_table(outcome, console.width))
    else:
        console.print(Text(f"Policy {outcome.policy_name} v{outcome.version} has no gates."))
    todo = [g for g in outcome.ordered() if g.status in ("ERROR", "FAIL", "WARN")]
    for gate in todo:
        line = Text("→ ", style=STATUS_STYLES[gate.status])
        line.append(gate.name, style="bold")
        line.append(f": {gate.remediation or gate.message or 'no remediation given'}")
        console.print(line)
    summary = ", ".join(count_parts(outcome))
    verdict = Text("Verdict: ")
    verdict.append(outcome.verdict, style=_VERDICT_STYLES[outcome.verdict])
    if summary:
        verdict.append(f" ({summary})")
    console.print(verdict)
