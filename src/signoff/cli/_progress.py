"""Rich progress bars fed by the core's ``progress(stage, done, total)`` callback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from ..audit import Progress as ProgressCallback

__all__ = ["progress_bars"]


@contextmanager
def progress_bars(console: Console, *, enabled: bool) -> Iterator[ProgressCallback]:
    """A callback that draws one bar per stage on ``console`` (stderr), if a terminal."""
    bars = Progress(
        TextColumn("{task.description:<26}"),
        BarColumn(),
        TextColumn("{task.completed:>5.0f}/{task.total:.0f}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not (enabled and console.is_terminal),
    )
    tasks: dict[str, TaskID] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=total)
        bars.update(tasks[stage], completed=done, total=total)

    with bars:
        yield update
