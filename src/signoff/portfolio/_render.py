"""The executive report as bytes: HTML from a template; PDF typeset from that HTML by
``signoff.report.html_to_pdf``, the one public way to make signoff's PDFs."""

from __future__ import annotations

from typing import Any

__all__ = ["render_html", "render_pdf"]


def render_html(context: dict[str, Any]) -> str:
    """The report as one self-contained HTML document (inline CSS and SVG)."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("signoff.portfolio", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return environment.get_template("report.html.j2").render(**context)


def render_pdf(html: str, *, epoch: int, identifier: str) -> bytes:
    """Typeset the HTML as PDF with ``signoff.report``'s public ``html_to_pdf`` (the same
    bytes for the same HTML and ``epoch``)."""
    from ..report import html_to_pdf

    return html_to_pdf(html, epoch=epoch, identifier=identifier)
