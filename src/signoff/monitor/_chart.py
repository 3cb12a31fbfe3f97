"""A small vector line chart of one metric over windows, written straight as SVG.

Deterministic (fixed number formatting, no random ids), self-contained, readable
without colour: points carry their value in a ``<title>``; a dashed line marks the
gate threshold when there is one; failing windows are drawn as filled red squares.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Point", "line_chart", "nice_ticks"]

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 40
INK, GRID, LINE, BAD = "#222222", "#d9d9d9", "#0072B2", "#D55E00"


@dataclass(frozen=True)
class Point:
    """One window's value (None: not measured in that window)."""

    label: str
    value: float | None
    failed: bool = False
    ci: tuple[float, float] | None = None


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten apart) covering [low, high]."""
    span = max(high - low, 1e-12)
    raw = span / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12) + 0.0)
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 12) + 0.0)
    return ticks


def line_chart(
    points: Sequence[Point], *, title: str, threshold: float | None = None, unit: str = ""
) -> str:
    """The chart as an inline ``<svg>`` element (an empty-data note when nothing was measured)."""
    values = [p.value for p in points if p.value is not None]
    lows = (
        [p.ci[0] for p in points if p.ci] + values + ([threshold] if threshold is not None else [])
    )
    highs = (
        [p.ci[1] for p in points if p.ci] + values + ([threshold] if threshold is not None else [])
    )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}" '
        'font-family="DejaVu Sans, sans-serif" font-size="11">'
        f"<title>{escape(title)}</title>"
        f'<text x="{LEFT}" y="16" font-size="13" fill="{INK}">{escape(title)}</text>'
    )
    if not values:
        return head + f'<text x="{LEFT}" y="{HEIGHT // 2}" fill="{INK}">not measured</text></svg>'
    low, high = min(lows), max(highs)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    ticks = nice_ticks(low, high)
    low, high = ticks[0], ticks[-1]
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (inner_w * (i + 0.5) / len(points))

    def y(v: float) -> float:
        return TOP + inner_h * (1 - (v - low) / (high - low))

    parts = [head]
    for tick in ticks:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{GRID}"/><text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
            f'fill="{INK}">{_fmt(tick)}{escape(unit)}</text>'
        )
    step = max(1, len(points) // 8)
    for i, p in enumerate(points):
        if i % step == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                f'fill="{INK}">{escape(p.label)}</text>'
            )
    if threshold is not None:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(threshold):.1f}" '
            f'y2="{y(threshold):.1f}" stroke="{BAD}" stroke-dasharray="6 4"/>'
            f'<text x="{WIDTH - RIGHT}" y="{y(threshold) - 4:.1f}" text-anchor="end" '
            f'fill="{BAD}">threshold {_fmt(threshold)}</text>'
        )
    for i, p in enumerate(points):
        if p.ci:
            parts.append(
                f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{y(p.ci[0]):.1f}" '
                f'y2="{y(p.ci[1]):.1f}" stroke="{LINE}" stroke-opacity="0.5" stroke-width="3"/>'
            )
    path = [f"{x(i):.1f},{y(p.value):.1f}" for i, p in enumerate(points) if p.value is not None]
    parts.append(
        f'<polyline points="{" ".join(path)}" fill="none" stroke="{LINE}" stroke-width="2"/>'
    )
    for i, p in enumerate(points):
        if p.value is None:
            continue
        note = f"{p.label}: {_fmt(p.value)}{' (failed)' if p.failed else ''}"
        shape = (
            f'<rect x="{x(i) - 5:.1f}" y="{y(p.value) - 5:.1f}" width="10" height="10" '
            f'fill="{BAD}">'
            if p.failed
            else f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="4" fill="{LINE}">'
        )
        closing = "</rect>" if p.failed else "</circle>"
        parts.append(f"{shape}<title>{escape(note)}</title>{closing}")
    parts.append("</svg>")
    return "".join(parts)
