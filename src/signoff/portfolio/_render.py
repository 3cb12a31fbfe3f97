"""The executive report as bytes: HTML from a template, PDF by WeasyPrint.

``signoff.report`` exports no HTML-to-PDF helper, so the few lines it takes live here,
pinned the same way: the document dates come from ``dcterms`` meta elements, the file
identifier is given, and ``SOURCE_DATE_EPOCH`` is set while fonts are subset.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from typing import Any

from ..errors import ConfigError, MissingExtraError

__all__ = ["render_html", "render_pdf"]

NO_PANGO = (
    "PDF reports need the Pango and HarfBuzz system libraries, which could not be loaded "
    "({detail}); on Debian or Ubuntu run `make system-deps`, or write -o report.html"
)
_EPOCH = threading.Lock()


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
    """Lay the HTML out as PDF, the same bytes for the same HTML and ``epoch``."""
    if importlib.util.find_spec("weasyprint") is None:
        raise MissingExtraError("The PDF report", "pdf", "weasyprint")
    try:
        import weasyprint
    except OSError as exc:  # cffi cannot dlopen libpango / libharfbuzz
        raise ConfigError(NO_PANGO.format(detail=exc)) from None
    with _EPOCH:
        before = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
        try:
            pdf: bytes = weasyprint.HTML(string=html).write_pdf(
                pdf_identifier=identifier.encode("ascii")
            )
        finally:
            if before is None:
                del os.environ["SOURCE_DATE_EPOCH"]
            else:
                os.environ["SOURCE_DATE_EPOCH"] = before
    return pdf
