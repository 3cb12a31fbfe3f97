"""``signoff audit``: run an audit from a config file."""

from __future__ import annotations

import shlex
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ._app import app, current_user, err_console, handle_errors, out_console, settle_imports
from ._progress import progress_bars
from ._remote import remote_mode

__all__ = ["OutputFormat", "audit_command"]


class OutputFormat(StrEnum):
    """What ``--format`` prints on stdout."""

    table = "table"
    json = "json"


def _report_formats(report: str | None) -> tuple[str, ...]:
    if report is None:
        return ()
    from ..errors import MissingExtraError
    from ..report import parse_formats, pdf_available

    formats = parse_formats(report)
    if "pdf" in formats and not pdf_available():
        raise MissingExtraError("The PDF report", "pdf", "typst")
    return formats


@app.command("audit", rich_help_panel="Audit")
@handle_errors
def audit_command(
    config: Annotated[Path, typer.Argument(help="Audit config (YAML); see docs/config.md.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for results.json and manifest.json.")
    ] = Path("signoff-audit"),
    seed: Annotated[int | None, typer.Option(min=0, help="Override the config's seed.")] = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format", "-f", help="table: readable summary; json: results.json on stdout."
        ),
    ] = OutputFormat.table,
    policy: Annotated[
        Path | None,
        typer.Option(help="Policy (YAML) whose gates decide the exit code; see docs/policy.md."),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            help="Check every reproducibility requirement; refuse a policy not yet in effect."
        ),
    ] = False,
    fail_on_warning: Annotated[
        bool, typer.Option(help="Exit 1 when a warning gate fails, not only an error gate.")
    ] = False,
    trust_model: Annotated[
        bool, typer.Option(help="Allow joblib/pickle models (they run code when loaded).")
    ] = False,
    register: Annotated[
        str | None,
        typer.Option(help="Attach the audit to MODEL@VERSION in the registry (ledgered)."),
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--as", help="Acting user for --register (default: SIGNOFF_USER).")
    ] = None,
    report: Annotated[
        str | None,
        typer.Option(help="Also render the audit report: html, pdf or html,pdf (docs/report.md)."),
    ] = None,
    model_card: Annotated[
        bool, typer.Option(help="Also write model_card.md and model_card.html.")
    ] = False,
) -> None:
    """Compute every metric for a model on an evaluation set and write the evidence.

    With --policy, every gate is judged and the exit code says whether the model
    may ship: 0 pass (warnings alone pass), 1 a gate failed, 2 config or policy
    error, 3 data or model unreadable.
    """
    from ..audit import audit  # NumPy, pandas and scikit-learn load only when asked for
    from ._render import render_audit

    settle_imports()
    as_json = output_format is OutputFormat.json
    formats = _report_formats(report)  # a bad --report fails before the work
    registry, ref, who = None, None, None
    if register is not None:  # fail before the work, not after it
        from ..registry import VersionRef  # the database layer loads only when asked for
        from ._registry import acting_user, open_registry

        ref, who, registry = VersionRef.parse(register), acting_user(actor), open_registry()
        registry.get_version(ref)
    with progress_bars(err_console, enabled=True) as progress:
        result = audit(
            config,
            seed=seed,
            policy=policy,
            strict=strict,
            trust_model=trust_model,
            run_by=current_user(),
            command=shlex.join(["signoff", *sys.argv[1:]]) if sys.argv[1:2] == ["audit"] else None,
            progress=progress,
        )
    written = result.write(output)
    if formats or model_card:
        from ._report import render_outputs

        written |= render_outputs(
            output, result.results, result.manifest, report=formats, model_card=model_card
        )
    if registry is not None and ref is not None and who is not None:
        reports = {
            path.name: path.read_bytes()
            for name, path in written.items()
            if name.startswith(("report.", "model_card"))
        }
        attached = output if remote_mode() else result  # remotely: the files, uploaded
        record = registry.attach_audit(ref, attached, actor=who, reports=reports)
        err_console.print(escape(f"attached audit #{record.id} to {ref} (ledgered)"))
    if as_json:
        sys.stdout.write(result.to_json())
        for warning in result.warnings:
            err_console.print(escape(f"warning: {warning}"), soft_wrap=True)
    else:
        render_audit(result, out_console, written)
    if result.outcome is not None:
        code = result.outcome.exit_code(fail_on_warning=fail_on_warning)
        if code:
            raise typer.Exit(code)
