"""HTML to PDF with WeasyPrint, byte for byte reproducible.

What would otherwise change between two runs, and how it is pinned:

* the document's creation and modification dates: WeasyPrint takes them from
  the ``dcterms.created`` / ``dcterms.modified`` meta elements, which the
  template fills with the manifest's ``created_at``;
* the file identifier (``/ID``): passed explicitly (derived from the results
  hash); its second half is a hash of the content;
* the embedded font subsets: when HarfBuzz's subsetter is missing, fontTools
  stamps each subset's ``head.modified`` with the current time unless
  ``SOURCE_DATE_EPOCH`` is set, so it is set to the audit's time while the
  PDF is written (under a lock, then restored).

WeasyPrint is the ``pdf`` extra; it needs the Pango and HarfBuzz system
libraries (``make system-deps`` installs them on Debian/Ubuntu).

Speed: WeasyPrint would run every element of an inline ``<svg>`` through the
HTML style cascade and box layout.  :func:`charts_as_images` hands it each
chart as an SVG image instead (the same markup, base64 in a ``data:`` URI),
which its SVG renderer draws directly: the same vectors, a quarter faster.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import ConfigError, MissingExtraError

__all__ = ["NO_PANGO", "charts_as_images", "html_to_pdf", "pdf_available"]

NO_PANGO = (
    "PDF reports need the Pango and HarfBuzz system libraries, which could not be loaded "
    "({detail}); on Debian or Ubuntu run `make system-deps` (or `apt-get install "
    "libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core`), or ask for --format html only"
)
_CLOCK = threading.Lock()
_CHART = re.compile(
    r'<svg class="chart" id="(chart-[^"]+)" role="img" aria-label="([^"]*)" (.*?)</svg>', re.DOTALL
)
_SVG_NS = 'xmlns="http://www.w3.org/2000/svg" '


def charts_as_images(html: str) -> str:
    """Replace each inline chart ``<svg>`` by an ``<img>`` of the same SVG (a ``data:`` URI)."""

    def image(match: re.Match[str]) -> str:
        svg = f"<svg {_SVG_NS}{match.group(3)}</svg>"
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return (
            f'<img class="chart" id="{match.group(1)}" alt="{match.group(2)}" '
            f'src="data:image/svg+xml;base64,{data}">'
        )

    return _CHART.sub(image, html)


def pdf_available() -> bool:
    """Whether the ``pdf`` extra (WeasyPrint) is installed."""
    return importlib.util.find_spec("weasyprint") is not None


@contextmanager
def _source_date_epoch(epoch: int) -> Iterator[None]:
    with _CLOCK:
        before = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
        try:
            yield
        finally:
            if before is None:
                del os.environ["SOURCE_DATE_EPOCH"]
            else:
                os.environ["SOURCE_DATE_EPOCH"] = before


def html_to_pdf(html: str, *, epoch: int, identifier: str) -> bytes:
    """Lay out an HTML document as PDF.

    Parameters
    ----------
    html : str
        A self-contained document (inline CSS and SVG; nothing is fetched).
    epoch : int
        Seconds since 1970 stamped into the embedded font subsets; use the
        audit's time so that the same audit gives the same bytes.
    identifier : str
        The PDF file identifier's first half (ASCII).

    Returns
    -------
    bytes
        The PDF: vector charts, subset fonts.

    Raises
    ------
    MissingExtraError
        WeasyPrint is not installed (``pip install 'signoff[pdf]'``).
    ConfigError
        Its system libraries (Pango) cannot be loaded.
    """
    if not pdf_available():
        raise MissingExtraError("The PDF report", "pdf", "weasyprint")
    try:
        import weasyprint
    except OSError as exc:  # cffi cannot dlopen libpango / libharfbuzz
        raise ConfigError(NO_PANGO.format(detail=exc)) from None
    document = weasyprint.HTML(string=charts_as_images(html))
    with _source_date_epoch(epoch):
        pdf: bytes = document.write_pdf(pdf_identifier=identifier.encode("ascii"))
    return pdf
