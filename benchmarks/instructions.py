"""Instructions a command executes, counted by valgrind's callgrind: a measure of work that
is the same on a loaded machine as on an idle one.

Wall and CPU times on the 2-core VM these benchmarks run on move by 2× within a day (other
work, caches shared with neighbours); the targets are in seconds and stay so, but a change
is judged by what it does to the work. ``count`` runs ``argv`` once under callgrind, its
child processes too (the ledger's leaf check beside ``portfolio --at``), and adds their
instruction counts; a server it talks to (PostgreSQL, ``signoff serve``) is not counted.
Under callgrind a command runs some 50× slower: 4 G instructions take about 80 s.

    from instructions import count
    count(["signoff", "--version"], env)   # 399_400_000 on 2026-11-30's main
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["available", "count"]


def available() -> bool:
    """Whether valgrind is installed (it is not a dependency: ``apt-get install valgrind``)."""
    return shutil.which("valgrind") is not None


def count(argv: list[str], env: dict[str, str]) -> int:
    """Instructions executed by ``argv`` and the processes it starts (exit 0 required)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        sys.exit("counting instructions needs valgrind (apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="callgrind-") as folder:
        done = subprocess.run(
            [
                valgrind,
                "--tool=callgrind",
                "--trace-children=yes",
                f"--callgrind-out-file={folder}/out.%p",
                *argv,
            ],
            env=env,
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            sys.exit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-400:]}")
        return sum(_total(path) for path in Path(folder).glob("out.*"))


def _total(path: Path) -> int:
    """The ``summary:`` (or ``totals:``) line of one callgrind output file."""
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    return 0  # a process that exec'd another program writes no events of its own
