"""``render_report``: the audit report as HTML and PDF from one set of templates.

A face over ``results.json`` and ``manifest.json``: pure (no file access, no
clock), deterministic (the same documents give the same bytes), and every
number it prints is read from the two documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any, Literal, cast

from markupsafe import Markup

from .. import __version__
from ..errors import ConfigError, MissingExtraError
from ._appendix import data_quality, explainability, reproducibility
from ._fairness import fairness, robustness
from ._format import num, pct
from ._pdf import html_to_pdf, pdf_available
from ._performance import calibration, performance
from ._verdict import gate_rows, provenance, verdict

__all__ = [
    "REPORT_FORMATS",
    "SECTION_TITLES",
    "ReportFormat",
    "jinja_environment",
    "markdown_cell",
    "parse_formats",
    "render_report",
    "report_context",
    "stylesheet",
    "subject_name",
]

ReportFormat = Literal["html", "pdf"]
#: The formats :func:`render_report` writes, and the file each becomes.
REPORT_FORMATS: dict[str, str] = {"html": "report.html", "pdf": "report.pdf"}
#: The report's sections, in order (numbered in the document).
SECTION_TITLES = (
    "Verdict",
    "Model and data provenance",
    "Performance",
    "Calibration",
    "Fairness",
    "Robustness",
    "Explainability",
    "Data quality",
    "Reproducibility appendix",
)
BAD_FORMAT = "unknown report format '{value}'; choose from {known}"


def parse_formats(text: str | Iterable[str]) -> tuple[ReportFormat, ...]:
    """``"html,pdf"`` (or a list) as validated formats, in the order given, without repeats.

    Raises
    ------
    ConfigError
        A format that is not ``html`` or ``pdf``.
    """
    items = text.split(",") if isinstance(text, str) else list(text)
    out: list[ReportFormat] = []
    for raw in items:
        item = raw.strip().lower()
        if item in REPORT_FORMATS:
            if item not in out:
                out.append(cast(ReportFormat, item))
        elif item:
            known = ", ".join(REPORT_FORMATS)
            raise ConfigError(BAD_FORMAT.format(value=raw.strip(), known=known), field="format")
    if not out:
        raise ConfigError(BAD_FORMAT.format(value=text, known=", ".join(REPORT_FORMATS)))
    return tuple(out)


@cache
def jinja_environment() -> Any:
    """The Jinja2 environment over ``signoff/report/templates`` (autoescaped HTML)."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("signoff.report", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["md"] = markdown_cell
    environment.filters["md_code"] = markdown_code
    environment.filters["md_text"] = markdown_text
    return environment


_MD_ESCAPES = str.maketrans({c: "\\" + c for c in "\\|*_`[]<>"} | {"\r": " ", "\n": " "})
_MD_TEXT_ESCAPES = str.maketrans({"<": "\\<", ">": "\\>", "&": "&amp;"})


def markdown_code(value: object) -> str:
    """``value`` as a Markdown code span, fenced with more backticks than it holds."""
    text = " ".join(str(value).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_text(value: object) -> str:
    """Free text a person wrote (Markdown emphasis kept), with raw HTML made inert."""
    return str(value).translate(_MD_TEXT_ESCAPES)


def markdown_cell(value: object) -> str:
    """Text for a Markdown table cell or line: markup characters escaped, one line."""
    return str(value).translate(_MD_ESCAPES)


@cache
def stylesheet() -> str:
    """The CSS shared by the report and the model card (inlined in each document)."""
    return resources.files("signoff.report").joinpath("templates/report.css").read_text("utf-8")


def subject_name(manifest: Mapping[str, Any]) -> str:
    """What the audit was of: the model card's name, the model file, or the data file."""
    card = (manifest.get("config") or {}).get("model_card") or {}
    if card.get("name"):
        return str(card["name"])
    inputs = manifest.get("inputs") or {}
    for key in ("model", "data"):
        if key in inputs:
            return str(inputs[key]["path"])
    return "model"


def report_context(results: Mapping[str, Any], manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the report template prints, read from the two documents.

    Parameters
    ----------
    results : Mapping
        ``results.json``.
    manifest : Mapping
        ``manifest.json``.

    Returns
    -------
    dict
        Section name → values (strings formatted for people; charts as SVG markup).
    """
    config = manifest.get("config") or {}
    gates = gate_rows(results)
    context = {
        "title": subject_name(manifest),
        "signoff_version": manifest.get("signoff_version") or __version__,
        "created_at": manifest.get("created_at") or "",
        "results_sha256": manifest.get("results_sha256") or "",
        "rows": num(results.get("rows")),
        "ci_label": f"{pct((results.get('bootstrap') or {}).get('confidence'), None)} CI",
        "sections": SECTION_TITLES,
        "verdict": verdict(results, gates),
        "gates": gates,
        "warnings": list(results.get("warnings", [])),
        "provenance": provenance(results, manifest),
        "performance": performance(results),
        "calibration": calibration(results),
        "fairness": fairness(results, config),
        "robustness": robustness(results),
        "explainability": explainability(results, config),
        "data_quality": data_quality(results),
        "reproducibility": reproducibility(manifest),
    }
    return context  # charts are Markup from Canvas.svg; every other string is escaped


def render_report(
    results: Mapping[str, Any],
    manifest: Mapping[str, Any],
    *,
    formats: Iterable[ReportFormat] = ("html", "pdf"),
) -> dict[str, bytes]:
    """Render the audit report.

    Parameters
    ----------
    results : Mapping
        ``results.json`` of an audit.
    manifest : Mapping
        Its ``manifest.json``.
    formats : iterable of {"html", "pdf"}, keyword-only
        What to render; both come from the same HTML.

    Returns
    -------
    dict of str to bytes
        ``{"report.html": …, "report.pdf": …}`` for the formats asked; the same
        documents always give the same bytes (the PDF's dates are the audit's).

    Raises
    ------
    MissingExtraError
        PDF asked for without the ``pdf`` extra.
    """
    wanted = parse_formats(formats)
    if "pdf" in wanted and not pdf_available():  # fail before the work, not after
        raise MissingExtraError("The PDF report", "pdf", "typst")
    context = report_context(results, manifest)
    context["stylesheet"] = Markup(stylesheet())
    html = jinja_environment().get_template("report.html.j2").render(context)
    out: dict[str, bytes] = {}
    if "html" in wanted:
        out["report.html"] = html.encode("utf-8")
    if "pdf" in wanted:
        epoch = _epoch(context["created_at"])
        identifier = (context["results_sha256"] or "signoff")[:32]
        out["report.pdf"] = html_to_pdf(html, epoch=epoch, identifier=identifier)
    return out


def _epoch(created_at: str) -> int:
    from ._format import epoch_of

    return epoch_of(created_at) if created_at else 0
