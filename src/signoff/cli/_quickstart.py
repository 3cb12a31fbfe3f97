"""``signoff quickstart``: write the German Credit demo project and audit it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..audit import audit
from ._app import app, err_console, handle_errors, out_console
from ._audit import current_user
from ._progress import progress_bars
from ._render import render_summary

__all__ = ["quickstart_command"]


@app.command("quickstart")
@handle_errors
def quickstart_command(
    folder: Annotated[Path, typer.Argument(help="Folder to create the demo in.")] = Path(
        "signoff-demo"
    ),
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite demo files in a non-empty folder.")
    ] = False,
) -> None:
    """Create a demo project (German Credit, a trained model, a config) and audit it."""
    from ..demo import write_demo_project  # trains a model: sklearn is imported only here

    err_console.print(f"Writing the demo project to [cyan]{folder}[/] …")
    config = write_demo_project(folder, force=force)
    err_console.print(
        "Trained a logistic regression on data/train.csv (700 rows) without sex, age, "
        "foreign_worker or personal_status; auditing it on data/holdout.csv (300 rows)."
    )
    with progress_bars(err_console, enabled=True) as progress:
        result = audit(
            config,
            run_by=current_user(),
            progress=progress,
            command=f"signoff audit {config} --output {folder / 'signoff-audit'}",
        )
    written = result.write(folder / "signoff-audit")
    render_summary(result.results, result.manifest, out_console, written)
    out_console.print(
        f"\nNext: edit [cyan]{config}[/] and re-run [bold]signoff audit {config} "
        f"--output {folder / 'signoff-audit'}[/]."
    )
