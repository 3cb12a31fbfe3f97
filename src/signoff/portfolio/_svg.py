"""Small vector charts for the executive report, written as SVG text.

Hand-made rather than drawn with matplotlib: a few rectangles, lines and labels, the same
bytes every run, and nothing to rasterise — a PDF keeps them as vectors.
(``signoff.report`` exports no chart helper; these live here.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

__all__ = ["COLORS", "bar_chart", "line_chart", "stacked_bars"]

COLORS = {"compliant": "#2e7d32", "attention": "#f9a825", "blocked": "#c62828"}
_PALETTE = ("#1565c0", "#6a1b9a", "#00838f", "#ef6c00", "#5d4037")
_FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'


def _svg(name: str, title: str, width: int, height: int, body: list[str]) -> str:
    return (
        f'<svg class="chart" id="chart-{escape(name)}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" {_FONT} font-size="11">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _legend(names: Sequence[str], colors: Mapping[str, str], x: float, y: float) -> list[str]:
    out = []
    for i, name in enumerate(names):
        left = x + i * 110
        out.append(
            f'<rect x="{_num(left)}" y="{_num(y)}" width="10" height="10" fill="{colors[name]}"/>'
        )
        out.append(f'<text x="{_num(left + 14)}" y="{_num(y + 9)}">{escape(name)}</text>')
    return out


def stacked_bars(
    name: str,
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[int]],
    *,
    colors: Mapping[str, str] = COLORS,
    width: int = 520,
) -> str:
    """Horizontal bars, one per label, each split by series (counts)."""
    row, left, top = 22, 110, 8
    height = top + row * len(labels) + 34
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    scale = (width - left - 50) / max([*totals, 1])
    body: list[str] = []
    for i, label in enumerate(labels):
        y = top + i * row
        body.append(
            f'<text x="{left - 6}" y="{_num(y + 14)}" text-anchor="end">{escape(label)}</text>'
        )
        x = float(left)
        for key, values in series.items():
            size = values[i] * scale
            if values[i]:
                body.append(
                    f'<rect x="{_num(x)}" y="{y + 3}" width="{_num(size)}" height="{row - 6}" '
                    f'fill="{colors[key]}"><title>{escape(key)}: {values[i]}</title></rect>'
                )
                if size >= 16:
                    body.append(
                        f'<text x="{_num(x + size / 2)}" y="{_num(y + 15)}" fill="#fff" '
                        f'text-anchor="middle">{values[i]}</text>'
                    )
            x += size
        body.append(f'<text x="{_num(x + 5)}" y="{_num(y + 15)}">{totals[i]}</text>')
    body += _legend(list(series), colors, left, top + row * len(labels) + 10)
    return _svg(name, title, width, height, body)


def bar_chart(
    name: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    unit: str = "",
    width: int = 520,
) -> str:
    """Horizontal bars with their values written at the end."""
    row, left = 22, 170
    height = 8 + row * max(len(labels), 1) + 8
    scale = (width - left - 70) / max([*values, 1e-9])
    body: list[str] = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 8 + i * row
        size = max(value * scale, 0.0)
        body.append(
            f'<text x="{left - 6}" y="{_num(y + 14)}" text-anchor="end">{escape(label)}</text>'
        )
        body.append(
            f'<rect x="{left}" y="{y + 3}" width="{_num(size)}" height="{row - 6}" '
            f'fill="{_PALETTE[0]}"/>'
        )
        body.append(
            f'<text x="{_num(left + size + 5)}" y="{_num(y + 15)}">'
            f"{_num(value)}{escape(unit)}</text>"
        )
    return _svg(name, title, width, height, body)


def line_chart(
    name: str,
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    percent: bool = True,
    width: int = 520,
    height: int = 180,
) -> str:
    """Lines over labelled points (0–1 as percentages when ``percent``); gaps where None."""
    left, right, top, bottom = 44, 36, 10, 40
    known = [v for values in series.values() for v in values if v is not None]
    high = 1.0 if percent else max([*known, 1e-9]) * 1.1
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(labels) - 1, 1)
    body: list[str] = []
    for k in range(5):
        value = high * k / 4
        y = top + plot_h - plot_h * k / 4
        text = f"{value * 100:.0f}%" if percent else _num(value)
        body.append(
            f'<line x1="{left}" y1="{_num(y)}" x2="{width - right}" y2="{_num(y)}" stroke="#ddd"/>'
        )
        body.append(f'<text x="{left - 4}" y="{_num(y + 4)}" text-anchor="end">{text}</text>')
    for i, label in enumerate(labels):
        x = left + i * step
        body.append(
            f'<text x="{_num(x)}" y="{height - bottom + 16}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    colors = dict(zip(series, _PALETTE, strict=False))
    for key, values in series.items():
        points = [
            (left + i * step, top + plot_h - plot_h * (v / high))
            for i, v in enumerate(values)
            if v is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{colors[key]}" stroke-width="2"/>'
            )
        body += [
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3" fill="{colors[key]}"/>' for x, y in points
        ]
    body += _legend(list(series), colors, left, height - 14)
    return _svg(name, title, width, height, body)
