"""``signoff report`` and ``signoff model-card``: render from an audit's output folder."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from ._app import app, err_console, handle_errors, out_console

__all__ = ["model_card_command", "render_outputs", "report_command"]

FORMATS_HELP = "Comma-separated: html, pdf (PDF needs the 'pdf' extra)."


def render_outputs(
    folder: Path,
    results: Any,
    manifest: Any,
    *,
    report: Iterable[str] = (),
    model_card: bool = False,
) -> dict[str, Path]:
    """Render the report (in the formats asked) and the model card into ``folder``.

    Everything is rendered before anything is written, so a failure (a
    missing PDF extra, say) leaves no half-set of files behind.
    """
    from ..report import parse_formats, render_model_card, render_report, write_files

    files: dict[str, bytes] = {}
    formats = tuple(report)
    wanted = parse_formats(formats) if formats else ()
    try:
        if wanted:
            files.update(render_report(results, manifest, formats=wanted))
        if model_card:
            files.update(render_model_card(results, manifest))
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # the documents parsed and match each other, but are not what signoff writes
        raise _not_ours(folder, exc) from None
    return write_files(folder, files)


def _not_ours(folder: Path, exc: Exception) -> InputError:
    from ..report import NOT_AUDIT_SHAPE

    problem = f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
    return InputError(NOT_AUDIT_SHAPE.format(problem=problem), file=folder / "results.json")


def _print_written(written: dict[str, Path]) -> None:
    for path in written.values():
        out_console.print(str(path), soft_wrap=True, markup=False)


@app.command("report", rich_help_panel="Audit")
@handle_errors
def report_command(
    folder: Annotated[
        Path, typer.Argument(help="Output folder of `signoff audit` (results.json, manifest.json).")
    ],
    formats: Annotated[str, typer.Option("--format", "-f", help=FORMATS_HELP)] = "html,pdf",
) -> None:
    """Render the audit report (report.html, report.pdf) from an audit's output folder.

    Reads FOLDER/results.json and FOLDER/manifest.json (exit 3 if missing or not
    JSON; exit 5 if results.json does not match the manifest) and writes the
    report next to them. The same folder always gives the same bytes.
    """
    from ..report import load_audit, parse_formats

    wanted = parse_formats(formats)  # a bad --format fails before any work
    documents = load_audit(folder)
    err_console.print(f"Rendering the audit report ({', '.join(wanted)}) …")
    written = render_outputs(folder, documents.results, documents.manifest, report=wanted)
    _print_written(written)


@app.command("model-card", rich_help_panel="Audit")
@handle_errors
def model_card_command(
    folder: Annotated[
        Path, typer.Argument(help="Output folder of `signoff audit` (results.json, manifest.json).")
    ],
) -> None:
    """Write model_card.md and model_card.html (Mitchell et al., 2019) from an audit.

    Facts an audit cannot know (owner, intended use, out-of-scope uses, training
    data) come from the config's `model_card:` section; missing ones are listed
    as "to be completed".
    """
    from ..report import load_audit

    documents = load_audit(folder)
    written = render_outputs(folder, documents.results, documents.manifest, model_card=True)
    config = documents.manifest.get("config")
    card = config.get("model_card") if isinstance(config, dict) else None
    if not isinstance(card, dict) or not any(card.values()):
        err_console.print(
            "note: the config has no `model_card:` section; the card lists those fields as "
            "'to be completed' (see docs/config.md)"
        )
    _print_written(written)
