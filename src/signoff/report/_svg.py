"""Charts drawn straight to SVG from the data: deterministic, self-contained, vector.

A few primitives (a :class:`Canvas` in points, :class:`Axes` mapping data to
it with grid lines and round-number ticks) are all the report's charts need;
drawing them costs microseconds where importing a plotting library cost a
second.  Text stays text in DejaVu Sans; every number written is rounded to
two decimals, so the same data gives the same bytes on every machine.  Every
id is prefixed with the chart's name so that many charts can live in one
HTML document, and no namespace URL is written: the HTML parser puts inline
``<svg>`` in the SVG namespace by itself (the PDF path adds it back).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

__all__ = ["OKABE_ITO", "STATUS_COLOURS", "Axes", "Canvas", "nice_ticks", "tick_text"]

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
GRID = "#dddddd"
INK = "#1a1a1a"
#: Font sizes (points) of tick labels, axis labels, titles and legends.
TICK, LABEL, TITLE, LEGEND = 7.5, 8.5, 9.5, 7.5
_DASH = {"-": "", "--": "3.7,1.6", ":": "1,1.65"}


def _f(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def text_width(text: str, size: float) -> float:
    """Approximate width (points) of ``text`` in DejaVu Sans at ``size``."""
    return 0.6 * size * len(text)


class Canvas:
    """An SVG drawing of a fixed size in inches, drawn in points (y downwards)."""

    def __init__(self, width: float, height: float) -> None:
        self.width, self.height = width * 72, height * 72
        self.parts: list[str] = []

    def line(self, points: Sequence[tuple[float, float]], colour: str, width: float = 1.0,
             dash: str = "-") -> None:  # fmt: skip
        """A polyline through ``points`` (canvas points)."""
        if len(points) < 2:
            return
        path = " ".join(f"{_f(x)},{_f(y)}" for x, y in points)
        pattern = f' stroke-dasharray="{_DASH[dash]}"' if _DASH[dash] else ""
        self.parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" '
            f'stroke-width="{_f(width)}"{pattern} stroke-linejoin="round"/>'
        )

    def rect(self, x: float, y: float, w: float, h: float, fill: str, stroke: str = "") -> None:
        """A filled rectangle (negative sizes are normalised)."""
        x, w = (x + w, -w) if w < 0 else (x, w)
        y, h = (y + h, -h) if h < 0 else (y, h)
        edge = f' stroke="{stroke}" stroke-width="0.6"' if stroke else ""
        self.parts.append(
            f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" fill="{fill}"{edge}/>'
        )

    def dot(self, x: float, y: float, radius: float, colour: str) -> None:
        """A filled circle."""
        self.parts.append(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(radius)}" fill="{colour}"/>')

    def text(self, x: float, y: float, text: str, size: float = TICK, *, anchor: str = "start",
             bold: bool = False, rotate: bool = False, colour: str = INK) -> None:  # fmt: skip
        """Text whose baseline starts (``anchor``) at ``(x, y)``; ``rotate`` turns it upwards."""
        weight = ' font-weight="bold"' if bold else ""
        turn = f' transform="rotate(-90 {_f(x)} {_f(y)})"' if rotate else ""
        self.parts.append(
            f'<text x="{_f(x)}" y="{_f(y)}" font-size="{_f(size)}" text-anchor="{anchor}" '
            f'fill="{colour}"{weight}{turn}>{escape(text)}</text>'
        )

    def legend(self, x: float, y: float, entries: Sequence[tuple[str, str, str]], *,
               frame: bool = False) -> None:  # fmt: skip
        """Entries ``(kind, colour, label)`` below ``(x, y)``: a swatch, then its label."""
        step = LEGEND * 1.45
        lines = [(kind, colour, part) for kind, colour, label in entries
                 for part in label.split("\n")]  # fmt: skip
        if frame:
            wide = max((text_width(label, LEGEND) for _, _, label in lines), default=0) + 30
            self.rect(x - 3, y - 3, wide, step * len(lines) + 4, "#ffffff", "#cccccc")
        row = 0
        for kind, colour, label in entries:
            mid = y + row * step + step / 2
            if kind == "patch":
                self.rect(x, mid - 3.5, 14, 7, colour)
            elif kind in ("line", "dotline", "dash", "dot_line", "dotted"):
                dash = {"dash": "--", "dotted": ":"}.get(kind, "-")
                self.line([(x, mid), (x + 16, mid)], colour, 1.4, dash)
            if kind in ("dot", "dotline"):
                self.dot(x + 8, mid, 3 if kind == "dot" else 2, colour)
            for k, part in enumerate(label.split("\n")):
                self.text(x + 21, mid + 2.6 + k * step, part, LEGEND)
            row += len(label.split("\n"))

    def svg(self, name: str, *, title: str) -> Markup:
        """``<svg class="chart" id="chart-NAME" …>``, the same text for the same drawing."""
        label = escape(title, quote=True)
        body = "".join(self.parts).replace('id="', f'id="{name}-')
        return Markup(
            f'<svg class="chart" id="chart-{name}" role="img" aria-label="{label}" '
            f'width="{_f(self.width)}pt" height="{_f(self.height)}pt" '
            f'viewBox="0 0 {_f(self.width)} {_f(self.height)}" '
            f'font-family="DejaVu Sans, sans-serif"><title>{escape(title)}</title>'
            f'<rect width="100%" height="100%" fill="#ffffff"/>{body}</svg>'
        )


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round-number ticks (1, 2, 2.5 or 5 × 10ᵏ apart) covering ``[low, high]``."""
    if not high > low:
        return [low]
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9)
    ticks = []
    k = first
    while k * step <= high + 1e-9 * step:
        ticks.append(round(k * step, 10))
        k += 1
    return ticks


def tick_text(ticks: Sequence[float]) -> list[str]:
    """Tick labels with as many decimals as the step needs (0.25 → two)."""
    decimals = 0
    for value in ticks:
        while decimals < 4 and abs(round(value, decimals) - value) > 1e-9:
            decimals += 1
    return [f"{v:.{decimals}f}" for v in ticks]


class Axes:
    """A plot area at ``(left, top)`` of ``width × height`` points with data limits."""

    def __init__(self, canvas: Canvas, box: tuple[float, float, float, float],
                 xlim: tuple[float, float], ylim: tuple[float, float]) -> None:  # fmt: skip
        self.canvas = canvas
        self.left, self.top, self.width, self.height = box
        self.xlim, self.ylim = xlim, ylim

    def x(self, value: float) -> float:
        low, high = self.xlim
        return self.left + (value - low) / (high - low) * self.width

    def y(self, value: float) -> float:
        low, high = self.ylim
        return self.top + self.height - (value - low) / (high - low) * self.height

    def grid(self, *, x: bool = True, y: bool = True, xlabels: bool = True,
             ylabels: bool = True) -> None:  # fmt: skip
        """Grid lines with numbered ticks, and the left and bottom axis lines."""
        c = self.canvas
        bottom, right = self.top + self.height, self.left + self.width
        if x:
            ticks = nice_ticks(*self.xlim)
            for value, text in zip(ticks, tick_text(ticks), strict=True):
                c.line([(self.x(value), self.top), (self.x(value), bottom)], GRID, 0.6)
                if xlabels:
                    c.text(self.x(value), bottom + TICK + 3, text, anchor="middle")
        if y:
            ticks = nice_ticks(*self.ylim)
            for value, text in zip(ticks, tick_text(ticks), strict=True):
                c.line([(self.left, self.y(value)), (right, self.y(value))], GRID, 0.6)
                if ylabels:
                    c.text(self.left - 4, self.y(value) + TICK * 0.35, text, anchor="end")
        c.line([(self.left, self.top), (self.left, bottom), (right, bottom)], INK, 0.8)

    def labels(self, *, title: str = "", xlabel: str = "", ylabel: str = "",
               ylabel_offset: float = 28) -> None:  # fmt: skip
        """Title above, x label below the tick labels, y label turned upwards on the left."""
        c = self.canvas
        middle = self.left + self.width / 2
        for k, line in enumerate(reversed(title.split("\n")) if title else ()):
            c.text(middle, self.top - 6 - k * TITLE * 1.2, line, TITLE, anchor="middle")
        if xlabel:
            c.text(middle, self.top + self.height + 2 * TICK + 9, xlabel, LABEL, anchor="middle")
        if ylabel:
            c.text(self.left - ylabel_offset, self.top + self.height / 2, ylabel, LABEL,
                   anchor="middle", rotate=True)  # fmt: skip

    def whiskers(self, points: Sequence[tuple[float, float, float]], *, horizontal: bool) -> None:
        """Interval whiskers with caps: ``(position, low, high)`` in data units."""
        for at, low, high in points:
            if high <= low:
                continue
            if horizontal:
                y = self.y(at)
                self.canvas.line([(self.x(low), y), (self.x(high), y)], "#333333", 0.8)
                for end in (low, high):
                    self.canvas.line([(self.x(end), y - 2), (self.x(end), y + 2)], "#333333", 0.8)
            else:
                x = self.x(at)
                self.canvas.line([(x, self.y(low)), (x, self.y(high))], "#333333", 0.8)
                for end in (low, high):
                    self.canvas.line([(x - 2, self.y(end)), (x + 2, self.y(end))], "#333333", 0.8)
