"""Result rows, the Rich table, machine information and ``docs/performance.md``."""

from __future__ import annotations

import os
import platform
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

__all__ = [
    "Row",
    "check",
    "machine_info",
    "markdown_table",
    "mib",
    "print_report",
    "rows_label",
    "seconds",
    "write_docs",
]

RESULT_STYLE = {"PASS": "bold green", "FAIL": "bold red", "ERROR": "bold red", "info": "dim"}
HEADERS = ("scenario", "rows", "signoff", "peer / reference", "ratio", "target", "result")


@dataclass(frozen=True)
class Row:
    """One line of the results table; ``result`` is PASS, FAIL, ERROR or info."""

    scenario: str
    rows: str
    signoff: str
    peer: str = ""
    ratio: str = ""
    target: str = ""
    result: str = "info"

    def cells(self) -> tuple[str, ...]:
        """The cells in table order."""
        return (
            self.scenario,
            self.rows,
            self.signoff,
            self.peer,
            self.ratio,
            self.target,
            self.result,
        )


def check(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def rows_label(n: int) -> str:
    """1,000,000 → 1M; 100,000 → 100k; 300 → 300."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return f"{n:,}"


def seconds(value: float) -> str:
    """Seconds, three significant figures."""
    return f"{value:.3g} s" if value < 100 else f"{value:.0f} s"


def mib(value: float) -> str:
    """Bytes as MiB."""
    return f"{value / 2**20:.1f} MiB"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "unknown"
    return f"{total / 2**30:.0f} GiB"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> dict[str, str]:
    """CPU, cores, memory, OS and the versions that matter for the figures."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return {
        "CPU": f"{_cpu_model()} ({platform.machine()})",
        "CPU count": f"{os.cpu_count()} (usable: {usable})",
        "memory": _memory(),
        "OS": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "numpy": _version("numpy"),
        "pandas": _version("pandas"),
        "fairlearn": _version("fairlearn"),
        "scikit-learn": _version("scikit-learn"),
        "signoff": _version("signoff"),
        "load average at start (1, 5, 15 min)": load,
    }


def print_report(
    console: Console, rows: list[Row], machine: dict[str, str], notes: list[str]
) -> None:
    """The results table, then the notes and the machine."""
    table = Table(title="signoff benchmarks", box=box.SIMPLE_HEAVY, title_justify="left")
    for header in HEADERS:
        justify = "left" if header in {"scenario", "target", "result"} else "right"
        table.add_column(header, justify=justify)
    for row in rows:
        *cells, result = row.cells()
        table.add_row(*cells, f"[{RESULT_STYLE.get(result, '')}]{result}[/]")
    console.print(table)
    for note in notes:
        console.print(f"• {note}", soft_wrap=True)
    console.print()
    for key, value in machine.items():
        console.print(f"[dim]{key}:[/] {value}", highlight=False)


def markdown_table(rows: list[Row]) -> str:
    """The results as a Markdown table."""

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    out = [line(HEADERS), "|" + "|".join(["---", "---:", "---:", "---:", "---:", "---", "---"])]
    out[-1] += "|"
    out += [
        line((*r.cells()[:-1], f"**{r.result}**" if r.result != "info" else "info")) for r in rows
    ]
    return "\n".join(out)


#: The blocks of docs/performance.md a run rewrites; everything around them is written by
#: hand and kept as it is.
BLOCK = "<!-- bench:{name}{rest}-->\n(.*?)<!-- /bench:{name} -->"


def _replace_block(text: str, name: str, body: str, path: Path) -> str:
    pattern = re.compile(BLOCK.format(name=re.escape(name), rest=r"[^>]*?"), re.S)
    found = pattern.search(text)
    if found is None:
        raise SystemExit(f"{path}: no <!-- bench:{name} --> … <!-- /bench:{name} --> block")
    start, end = found.span(1)
    return text[:start] + body + "\n" + text[end:]


def write_docs(
    path: Path, rows: list[Row], machine: dict[str, str], notes: list[str], *, date: str
) -> None:
    """Rewrite the generated blocks of ``docs/performance.md`` with this run's figures
    (between ``<!-- bench:results -->`` and ``<!-- /bench:results -->``, and the same for
    ``machine``); the hand-written sections around them stay as they are."""
    short = f"{machine['CPU']}, {machine['CPU count']} CPUs, {machine['memory']}"
    failed = [r for r in rows if r.result in {"FAIL", "ERROR"}]
    failures = (
        "Every target is met."
        if not failed
        else "Targets not met in this run: "
        + "; ".join(
            f"{r.scenario} at {r.rows} ({r.ratio or r.signoff}, target {r.target})" for r in failed
        )
        + ".  `python benchmarks/bench_profile.py` shows where the time and memory go."
    )
    results = "\n\n".join(
        [
            f"Run on {date} on {short}.",
            markdown_table(rows),
            failures,
            "\n".join(f"* {n}" for n in notes),
        ]
    )
    text = path.read_text(encoding="utf-8")
    for name, body in (
        ("results", results),
        ("machine", "\n".join(f"* {k}: {v}" for k, v in machine.items())),
    ):
        text = _replace_block(text, name, body, path)
    path.write_text(text, encoding="utf-8")
