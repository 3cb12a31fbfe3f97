"""The command line's tables: Rich tables that fold instead of cutting, laid out by Rich
and drawn without its per-cell machinery where a cell is plain text.

Rich measures a table by rendering every cell's width range through its generic
renderable protocol, then renders every cell through it again (padding, wrapping,
cropping, shaping): about 2.5 ms of CPU per row of eight cells, so that a 500-model
``signoff portfolio`` spent 1.3–2.8 G instructions drawing its table against 3.6 G for
everything else.  Here a text cell's width range is read from its characters once (what
``Text.__rich_measure__`` computes), Rich's own algorithm turns the ranges into column
widths, and a text cell's lines are drawn as segments (as written when they fit, else as
Rich's ``Text.wrap`` wraps and justifies them; a line in one style is one segment).  A
cell Rich would crop, or a renderable that is not text, is rendered by Rich exactly as
before, and a table using what this does not reproduce (footers, row styles, lines
between rows, other padding) is drawn by Rich whole.  The output is the same, to the
character and to each character's style (``tests/test_cli_tables.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.console import (
    Console,
    ConsoleOptions,
    JustifyMethod,
    OverflowMethod,
    RenderableType,
    RenderResult,
)
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.table import Column, Table
from rich.text import Text

__all__ = ["CliTable", "PlainTable"]

#: The cell padding Rich's tables have by default (top, right, bottom, left): the only
#: one drawn here.
PADDING = (0, 1, 0, 1)
#: A text cell's line that may be written as it is: it needs no justification.
AS_WRITTEN = ("default", "left")


class CliTable(Table):
    """A Rich table that never hides what it holds: a cell too long for its column folds
    onto the next line instead of ending in "…" (a cut hash or model name is not shorter,
    it is wrong). Every table the command line prints is one of these."""

    #: False: Rich measures and draws every cell (the tests compare the two).
    fast: ClassVar[bool] = True
    _ranges_for: tuple[Any, list[tuple[int, int]] | None] | None = None

    def add_column(self, *args: Any, overflow: OverflowMethod = "fold", **kwargs: Any) -> None:
        super().add_column(*args, overflow=overflow, **kwargs)

    def _measure_column(
        self, console: Console, options: ConsoleOptions, column: Column
    ) -> Measurement:
        ranges = self._text_ranges(console, options)
        if ranges is None or column.width is not None or options.max_width < 1:
            return super()._measure_column(console, options, column)
        # what Rich finds cell by cell (Measurement.get of Padding of Text), for the
        # widest cell at once: each step keeps the order of cells' ranges
        max_width = options.max_width
        widest_word, widest_line = ranges[column._index]
        pad = self._get_padding_width(column._index)
        if max_width - pad < 1:
            low = high = max_width
        elif min(widest_line, max_width) < 1:
            low = high = min(pad, max_width)
        else:
            low = min(min(widest_word, max_width) + pad, max_width)
            high = min(min(widest_line, max_width) + pad, max_width)
        return Measurement(low, high).clamp(
            None if column.min_width is None else column.min_width + pad,
            None if column.max_width is None else column.max_width + pad,
        )

    def _text_ranges(
        self, console: Console, options: ConsoleOptions
    ) -> list[tuple[int, int]] | None:
        """Each column's widest word and widest line over its header and cells, when every
        one of them is text and the table is one this draws; else None (read once for each
        console and number of rows)."""
        key = (id(console), options.markup, self.row_count, len(self.columns))
        if self._ranges_for is not None and self._ranges_for[0] == key:
            return self._ranges_for[1]
        ranges = self._read_ranges(console, options) if self._drawn_here() else None
        self._ranges_for = (key, ranges)
        return ranges

    def _read_ranges(
        self, console: Console, options: ConsoleOptions
    ) -> list[tuple[int, int]] | None:
        ranges = []
        for column in self.columns:
            cells = [column.header, *column.cells] if self.show_header else list(column.cells)
            if not cells:
                return None
            widest_word = widest_line = 0
            for cell in cells:
                text = _text(console, options, cell)
                if text is None:
                    return None
                plain = text.plain
                lines = plain.splitlines()
                line = max(map(cell_len, lines)) if lines else 0
                words = plain.split()
                word = max(map(cell_len, words)) if words else line
                widest_word, widest_line = max(widest_word, word), max(widest_line, line)
            ranges.append((widest_word, widest_line))
        return ranges

    def _drawn_here(self) -> bool:
        """Whether this table uses only what :meth:`_render` draws itself."""
        return (
            self.fast
            and not self.show_footer
            and not self.show_lines
            and not self.leading
            and not self.row_styles
            and not self.highlight
            and tuple(self.padding) == PADDING
            and self.pad_edge
            and not self.collapse_padding
            and all(row.style is None and not row.end_section for row in self.rows)
            and all(c.vertical == "top" and not c.highlight for c in self.columns)
        )

    def _render(self, console: Console, options: ConsoleOptions, widths: list[int]) -> RenderResult:
        if not self._drawn_here():
            yield from super()._render(console, options, widths)
            return
        get_style = console.get_style
        border_style = get_style(self.style or "") + get_style(self.border_style or "")
        box = self.box.substitute(options, safe=self._safe(console)) if self.box else None
        if box is not None and not self.show_header:
            box = box.get_plain_headed_box()
        new_line = Segment.line()
        if box is not None and self.show_edge:
            yield Segment(box.get_top(widths), border_style)
            yield new_line
        header_style = get_style(self.header_style or "")
        rows: list[tuple[bool, list[tuple[Style, RenderableType]]]] = []
        if self.show_header:
            rows.append(
                (True, [(header_style + get_style(c.header_style), c.header) for c in self.columns])
            )
        styles = [get_style(c.style or "") for c in self.columns]
        for row in zip(*(c.cells for c in self.columns), strict=True):
            rows.append((False, list(zip(styles, row, strict=True))))
        for number, (header, cells) in enumerate(rows):
            drawn = [
                _cell_lines(console, options, column, width, style, cell)
                for column, width, (style, cell) in zip(self.columns, widths, cells, strict=True)
            ]
            height = max(len(lines) for lines in drawn)
            for lines, width, (style, _) in zip(drawn, widths, cells, strict=True):
                blank = [[Segment(" " * width, style)]] * (height - len(lines))
                lines[:] = blank + lines if header else lines + blank  # header: bottom
                if not height:  # no cell has a line (no width): a row of blanks, unstyled
                    lines.append([Segment(" " * width)])
            height = max(height, 1)
            if box is not None:
                last = number == len(rows) - 1
                place = 0 if number == 0 else (2 if last else 1)
                left, right, divider = _box_segments(box, place, border_style)
            for line_no in range(height):
                segments: list[Segment] = []
                if box is not None and self.show_edge:
                    segments.append(left)
                for index, lines in enumerate(drawn):
                    segments += lines[line_no]
                    if box is not None and index < len(drawn) - 1:
                        segments.append(divider)
                if box is not None and self.show_edge:
                    segments.append(right)
                # one segment for each run of one style: the console's work is per segment
                yield from Segment.simplify(segments)
                yield new_line
            if box is not None and header:
                yield Segment(box.get_row(widths, "head", edge=self.show_edge), border_style)
                yield new_line
        if box is not None and self.show_edge:
            yield Segment(box.get_bottom(widths), border_style)
            yield new_line

    def _safe(self, console: Console) -> bool:
        return console.safe_box if self.safe_box is None else self.safe_box


class PlainTable(CliTable):
    """A table whose string cells are shown as written, never read as markup or emoji
    codes.

    Cells hold stored names (users, teams, models): a team called ``[/]`` must not
    crash, or restyle, everyone's ``model list``.
    """

    def add_row(self, *renderables: Any, **kwargs: Any) -> None:
        cells = (Text(c) if isinstance(c, str) else c for c in renderables)
        super().add_row(*cells, **kwargs)


def _text(console: Console, options: ConsoleOptions, cell: Any) -> Text | None:
    """The text a cell shows (a string read as markup, as Rich reads it), or None."""
    if isinstance(cell, Text):
        return cell
    if isinstance(cell, str):
        return console.render_str(cell, markup=options.markup, highlight=False)
    return None


def _box_segments(box: Any, place: int, style: Style) -> tuple[Segment, Segment, Segment]:
    """The left edge, right edge and divider of a head (0), middle (1) or foot (2) row."""
    edges = (
        (box.head_left, box.head_right, box.head_vertical),
        (box.mid_left, box.mid_right, box.mid_vertical),
        (box.foot_left, box.foot_right, box.foot_vertical),
    )[place]
    left, right, divider = (Segment(edge, style) for edge in edges)
    return left, right, divider


def _cell_lines(
    console: Console,
    options: ConsoleOptions,
    column: Column,
    width: int,
    style: Style,
    cell: RenderableType,
) -> list[list[Segment]]:
    """A cell's lines, each ``width`` wide with its padding: drawn here when it is text
    whose lines all fit, else rendered by Rich as its table would."""
    text = _text(console, options, cell)
    inner = width - PADDING[1] - PADDING[3]
    if text is not None and inner >= 1:
        justify: JustifyMethod = text.justify or column.justify or "default"
        lines = _lines(console, text, column, justify, inner)
        if lines is not None:
            return [list(_padded(console, line, inner, style, justify)) for line in lines]
    render_options = options.update(
        width=width,
        justify=column.justify,
        no_wrap=column.no_wrap,
        overflow=column.overflow,
        height=None,
        highlight=column.highlight,
    )
    return console.render_lines(Padding(cell, PADDING), render_options, style=style)


def _lines(
    console: Console, text: Text, column: Column, justify: JustifyMethod, inner: int
) -> list[Text] | None:
    """The lines of ``text`` in a column ``inner`` wide: as written when each fits (the
    common case: nothing to wrap, crop, expand or justify but blanks on the right), else
    as Rich wraps and justifies them; None when Rich would crop what it wrapped."""
    plain = text.plain
    overflow = text.overflow or column.overflow or "fold"
    if overflow == "ignore":
        return None
    as_written = justify in AS_WRITTEN and "\t" not in plain
    if as_written and "\n" not in plain and cell_len(plain) <= inner:
        return [text]  # one line (split would copy it: a third of the table's Text objects)
    if as_written and all(cell_len(line) <= inner for line in plain.split("\n")):
        return list(text.split("\n", allow_blank=True))
    tab_size = console.tab_size if text.tab_size is None else text.tab_size
    no_wrap = column.no_wrap if text.no_wrap is None else text.no_wrap
    lines = text.wrap(
        console,
        inner,
        justify=justify,
        overflow=overflow,
        tab_size=tab_size or 8,
        no_wrap=bool(no_wrap),
    )
    if any(cell_len(line.plain) > inner for line in lines):
        return None
    return list(lines)


def _padded(
    console: Console, line: Text, inner: int, style: Style, justify: str | None
) -> Iterator[Segment]:
    """One line of a cell as Rich draws it: the line's segments (its own style and spans
    under the cell's style), blank to ``inner`` columns — in the line's own style when
    justified left, as Rich pads the text itself — and one space either side."""
    if not line.spans and not line.style:  # the common case: a run of one style
        plain = line.plain
        yield Segment(f" {plain}{' ' * (inner - cell_len(plain))} ", style)
        return
    own = _whole_line_style(console, line)
    if own is not None:  # one style over the whole line (a dim line, a coloured status)
        drawn = [Segment(line.plain, style + own)]
    else:  # a line's own style under its spans, as Rich's join of the lines makes it
        rendered = (Text("\n").join([line]) if line.style else line).render(console)
        drawn = [Segment(s.text, style + s.style if s.style else style) for s in rendered]
    yield Segment(" ", style)
    yield from drawn
    length = sum(cell_len(segment.text) for segment in drawn)
    if length < inner:
        blank = style
        if justify == "left" and line.style:
            blank = style + console.get_style(line.style)
        yield Segment(" " * (inner - length), blank)
    yield Segment(" ", style)


def _whole_line_style(console: Console, line: Text) -> Style | None:
    """The style Rich draws a line in when its own style and each of its spans cover all
    of it (then it is one segment), else None.  As Rich's join of the cell's lines makes
    it: the line's style first, then its spans in order, each over the one before."""
    end = len(line.plain)
    if any(span.start > 0 or span.end < end for span in line.spans):
        return None
    null = Style.null()
    styles = [console.get_style(line.style, default=null)] if line.style else []
    styles += [console.get_style(span.style, default=null) for span in line.spans]
    return Style.combine(styles)
