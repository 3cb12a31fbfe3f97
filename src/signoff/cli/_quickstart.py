"""``signoff quickstart``: write the German Credit demo project and audit it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app, current_user, err_console, handle_errors, out_console
from ._progress import progress_bars

__all__ = ["quickstart_command"]


@app.command("quickstart", rich_help_panel="Start here")
@handle_errors
def quickstart_command(
    folder: Annotated[Path, typer.Argument(help="Folder to create the demo in.")] = Path(
        "signoff-demo"
    ),
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite demo files in a non-empty folder.")
    ] = False,
) -> None:
    """Create a demo project (German Credit, a trained model, a config, a policy) and audit it.

    The demo's verdict is printed, not returned: quickstart exits 0 whatever the
    gates say, and prints the `signoff audit` command that would exit 1 on a
    failed gate.
    """
    from ..audit import audit
    from ..demo import POLICY, write_demo_project  # trains a model: sklearn imported only here
    from ._render import render_audit

    err_console.print(f"Writing the demo project to [cyan]{folder}[/] …")
    config = write_demo_project(folder, force=force)
    policy = folder / POLICY
    output = folder / "signoff-audit"
    err_console.print(
        "Trained a logistic regression on data/train.csv (700 rows) without sex, age, "
        "foreign_worker or personal_status; auditing it on data/holdout.csv (300 rows) "
        f"against {policy} (the organisation credit baseline)."
    )
    rerun = f"signoff audit {config} --policy {policy} --strict --output {output}"
    with progress_bars(err_console, enabled=True) as progress:
        result = audit(
            config,
            policy=policy,
            strict=True,
            run_by=current_user(),
            progress=progress,
            command=rerun,
        )
    written = result.write(output)
    render_audit(result, out_console, written)
    assert result.outcome is not None  # the demo always audits against its policy
    code = result.outcome.exit_code()
    out_console.print(
        f"\nRe-run it with: [bold]{rerun}[/] (exit code {code}: "
        + ("a gate failed; CI would block this model)" if code else "every error gate passed)")
    )
    out_console.print(
        f"For a pull request: {output / 'summary.md'}; for CI: {output / 'gates.junit.xml'}"
    )
