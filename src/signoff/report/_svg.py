"""Matplotlib figures as deterministic, self-contained inline SVG.

Determinism: a fixed hash salt for clip-path ids, no date or creator in the
metadata (the metadata block is dropped altogether), fixed figure sizes, text
kept as text (``svg.fonttype: none``) in DejaVu Sans.  Every id is prefixed
with the chart's name so that many charts can live in one HTML document, and
the namespace declarations (the only URLs matplotlib writes) are dropped: the
HTML parser puts inline ``<svg>`` in the SVG namespace by itself.

Matplotlib is imported here only, and only when a chart is drawn: importing it
costs more than half a second.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["OKABE_ITO", "STATUS_COLOURS", "chart_style", "new_figure", "to_svg"]

#: The Okabe–Ito palette: distinguishable with every common colour-vision deficiency.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
#: Gate statuses, from the same palette (and never shown by colour alone).
STATUS_COLOURS = {
    "PASS": "#009E73",
    "WARN": "#E69F00",
    "INFO": "#56B4E9",
    "FAIL": "#D55E00",
    "ERROR": "#D55E00",
}

_RC: dict[str, Any] = {
    "svg.hashsalt": "signoff",
    "svg.fonttype": "none",
    "svg.image_inline": True,
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 9.5,
    "axes.labelsize": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "xtick.bottom": False,  # grid lines mark the values; tick marks would only add elements
    "ytick.left": False,
    "path.simplify": False,
}

_DROP = (
    re.compile(r"<\?xml[^>]*\?>\s*"),
    re.compile(r"<!DOCTYPE[^>]*>\s*", re.DOTALL),
    re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL),
    re.compile(r'\s+xmlns(?::\w+)?="[^"]*"'),
)


@contextmanager
def chart_style() -> Iterator[None]:
    """Apply signoff's chart settings for the duration of a block (global state restored)."""
    import matplotlib as mpl
    from cycler import cycler

    settings: Any = {**_RC, "axes.prop_cycle": cycler(color=list(OKABE_ITO))}
    with mpl.rc_context(settings):
        yield


def new_figure(
    width: float,
    height: float,
    *,
    margins: tuple[float, float, float, float] = (0.55, 0.45, 0.15, 0.3),
    wspace: float = 0.2,
    hspace: float = 0.2,
) -> Figure:
    """A figure of a fixed size and fixed margins, not registered with pyplot.

    Margins are set by hand rather than by a layout engine: the same every
    run, and several times faster to draw.

    Parameters
    ----------
    width, height : float
        Size in inches (the SVG keeps it, in points).
    margins : tuple of float, keyword-only
        Left, bottom, right and top margins in inches (room for tick labels,
        axis labels and titles).
    wspace, hspace : float, keyword-only
        Space between subplots, as a fraction of the mean axes width / height.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    left, bottom, right, top = margins
    figure.subplots_adjust(
        left=left / width,
        bottom=bottom / height,
        right=1 - right / width,
        top=1 - top / height,
        wspace=wspace,
        hspace=hspace,
    )
    return figure


def to_svg(figure: Figure, name: str, *, title: str) -> Markup:
    """Render ``figure`` as an inline ``<svg>`` element.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The chart.
    name : str
        A name unique within the document (``[a-z0-9-]``); every id in the SVG
        is prefixed with it.
    title : str
        What the chart shows, for screen readers and tooltips.

    Returns
    -------
    Markup
        ``<svg class="chart" id="chart-NAME" …>…</svg>``, the same text for the
        same figure on every run; marked safe for the autoescaping templates because
        it is ours (matplotlib escapes the text it draws), never because of its prefix.
    """
    from matplotlib.ticker import MaxNLocator

    for axes in figure.axes:  # about five numbered ticks per numeric axis: less text to lay out
        for axis in (axes.xaxis, axes.yaxis):
            locator = axis.get_major_locator()
            if type(locator).__name__ == "AutoLocator" and isinstance(locator, MaxNLocator):
                locator.set_params(nbins=5)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    for pattern in _DROP:
        text = pattern.sub("", text)
    text = text.replace("xlink:href=", "href=")
    text = re.sub(r'\bid="([^"]+)"', rf'id="{name}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{name}-\1)", text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{name}-\1"', text)
    label = escape(title, quote=True)
    text = text.replace(
        "<svg ",
        f'<svg class="chart" id="chart-{name}" role="img" aria-label="{label}" ',
        1,
    )
    return Markup(text.replace(">", f"><title>{escape(title)}</title>", 1).strip())
