"""HTML to PDF with Typst, in-process and byte for byte reproducible.

The report's HTML (from its one template) is read back by
:func:`signoff.report._typst.html_to_typst` and typeset by the ``typst``
package: a compiled typesetter in one wheel, no system libraries, about a
tenth of a second for the whole report.  Charts stay vectors (Typst draws the
same SVG the HTML holds).

What would otherwise change between two runs, and how it is pinned: the
document date is not written (``date: none``) and the compiler's clock is the
audit's time (``timestamp``); Typst writes no other varying bytes.  Fonts are
found among the system's fonts (DejaVu Sans, as for the HTML) with Typst's
own embedded fonts as the fallback.

Typst is the ``pdf`` extra (``pip install 'signoff[pdf]'``).
"""

from __future__ import annotations

import importlib.util

from ..errors import ConfigError, MissingExtraError
from ._typst import html_to_typst

__all__ = ["html_to_pdf", "pdf_available"]


def pdf_available() -> bool:
    """Whether the ``pdf`` extra (the ``typst`` package) is installed."""
    return importlib.util.find_spec("typst") is not None


def html_to_pdf(html: str, *, epoch: int, identifier: str = "") -> bytes:
    """Typeset an HTML document written by signoff's templates as PDF.

    The one public way to make signoff's PDFs: render HTML with the report's
    templates (or any document using the same tags and classes), then call
    this.

    Parameters
    ----------
    html : str
        A self-contained document (inline CSS and SVG; nothing is fetched).
    epoch : int
        Seconds since 1970: the compiler's clock, the audit's time, so that
        the same audit gives the same bytes.
    identifier : str, optional
        Kept for callers of the earlier WeasyPrint version; Typst derives the
        PDF identifier from the document itself.

    Returns
    -------
    bytes
        The PDF: vector charts, subset fonts.

    Raises
    ------
    MissingExtraError
        Typst is not installed (``pip install 'signoff[pdf]'``).
    ConfigError
        Typst rejected the document (a bug in signoff: the message says where).
    """
    del identifier
    if not pdf_available():
        raise MissingExtraError("The PDF report", "pdf", "typst")
    import typst

    document = html_to_typst(html)
    try:
        pdf: bytes = typst.compile(
            document.markup.encode("utf-8"),
            format="pdf",
            sys_inputs=document.inputs,
            timestamp=epoch,
        )
    except RuntimeError as exc:
        raise ConfigError(f"the PDF could not be typeset: {exc}") from None
    return pdf
