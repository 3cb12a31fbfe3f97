"""The command line's tables.

Every table folds a long cell instead of cutting it: a hash or a model name that ends in
"…" is not shorter, it is wrong.  And tables are drawn without Rich's per-cell machinery
where a cell is text (``signoff.cli._table``): the output must be Rich's own, to the
character and to each character's style, at every width — whichever cells the fast path
takes and which it hands back to Rich.
"""

from __future__ import annotations

import hashlib
import io
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.style import Style
from rich.text import Span, Text

from signoff.cli._app import CliTable, PlainTable
from signoff.cli._portfolio import _models_table


def _render(table: CliTable, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(table)
    return console.file.getvalue()  # type: ignore[attr-defined,no-any-return]


def test_a_hash_in_a_narrow_table_folds_whole() -> None:
    digest = hashlib.sha256(b"model.skops").hexdigest()
    for table in (CliTable("field", "value"), PlainTable("field", "value")):
        table.add_row("model_sha256", digest)
        table.add_row("model_uri", "s3://models/credit-scorer/1.0/model.skops")
        shown = _render(table, 40)
        assert "…" not in shown
        assert max(len(line) for line in shown.splitlines()) <= 40
        cells = "".join(
            line.split("│")[2].strip() for line in shown.splitlines() if line.startswith("│")
        )
        assert digest in cells  # every character, in order, across the folded lines
        assert "s3://models/credit-scorer/1.0/model.skops" in cells


def test_a_column_may_still_ask_for_ellipsis() -> None:
    table = CliTable()
    table.add_column("note", overflow="ellipsis", no_wrap=True)
    table.add_row("x" * 100)
    assert "…" in _render(table, 40)


WIDTHS = (20, 40, 80, 100, 109, 110, 140, 160, 200, 260)


def _styled(table: Any, width: int, *, fast: bool, color: bool) -> list[tuple[str, Style]]:
    """Every character the table prints, with the style it is printed in."""
    table.fast = fast
    table._ranges_for = None
    console = Console(
        file=io.StringIO(),
        width=width,
        force_terminal=color,
        color_system="truecolor" if color else None,
        highlight=False,
        legacy_windows=False,
    )
    segments = console.render(table, console.options)
    return [
        (char, segment.style or Style.null())
        for segment in segments
        if not segment.control
        for char in segment.text
    ]


def _printed(table: Any, width: int, *, fast: bool) -> str:
    table.fast = fast
    table._ranges_for = None
    console = Console(file=io.StringIO(), width=width, highlight=False)
    console.print(table)
    out = console.file.getvalue()
    assert isinstance(out, str)
    return out


def assert_same(table: Any, widths: tuple[int, ...] = WIDTHS) -> None:
    for width in widths:
        assert _printed(table, width, fast=True) == _printed(table, width, fast=False), width
        for color in (False, True):
            drawn = _styled(table, width, fast=True, color=color)
            assert drawn == _styled(table, width, fast=False, color=color), (width, color)


#: Cell text that exercises what Rich's drawing does: wide characters, markup-like and
#: emoji-code text, tabs, blanks at the ends, empty cells, lines of their own, a hash that
#: has to fold, a long reason that has to wrap.
AWKWARD = [
    "model-0001",
    "模型 信用",
    "[/] not markup",
    ":warning: not an emoji",
    "tab\there",
    "  blanks either side  ",
    "",
    "two\nlines",
    "ends with a newline\n",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "review overdue since 2026-04-05 (high risk: every 90 days); "
    "waiver for ECE expires 2026-07-01; monitoring alert in the last window",
]


def _rows(seed: int, count: int = 25) -> list[dict[str, Any]]:
    pick = random.Random(seed)
    statuses = ["compliant", "attention", "blocked"]
    return [
        {
            "model": pick.choice(AWKWARD),
            "production": pick.choice(["20", None, "3"]),
            "staging": pick.choice(["21", None]),
            "team": pick.choice(["credit", "fraud & risk", "模型"]),
            "risk_tier": pick.choice(["high", "medium", "low"]),
            "status": pick.choice(statuses),
            "next_review_due": pick.choice(["2026-04-05", None]),
            "reason": pick.choice(AWKWARD),
        }
        for _ in range(count)
    ]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("layout", [80, 200])
def test_the_portfolio_table_is_drawn_as_rich_draws_it(seed: int, layout: int) -> None:
    """Both layouts of ``signoff portfolio`` (three columns with styled, multi-line cells
    that expand to the width; eight columns), at widths that fit and that do not."""
    assert_same(_models_table(_rows(seed), layout))


def test_markup_header_and_column_styles_and_justification() -> None:
    """A ``CliTable`` reads its string cells as markup; header and column styles apply;
    right-justified and centred columns, no-wrap and width-limited columns."""
    table = CliTable("name", "[bold]size[/]", "state", title="a title", caption="a caption")
    table.columns[0].style = "cyan"
    table.columns[0].header_style = "magenta"
    table.columns[1].justify = "right"
    table.columns[2].justify = "center"
    table.add_column("notes", no_wrap=True, max_width=12)
    table.add_column("fixed", width=6)
    table.add_column("least", min_width=9)
    for i, note in enumerate(map(escape, AWKWARD)):
        table.add_row(f"[green]row {i}[/]", str(10**i), note[:20], note, note[:7], "x")
    assert_same(table)


@pytest.mark.parametrize(
    "options",
    [
        {"show_header": False},
        {"show_edge": False},
        {"box": None},
        {"box": box.ASCII},
        {"expand": True},
        {"safe_box": True},
        {"min_width": 150},
        {"width": 70},
        # drawn by Rich whole:
        {"show_lines": True},
        {"show_footer": True},
        {"row_styles": ["dim", ""]},
        {"padding": (0, 2)},
    ],
)
def test_table_options(options: dict[str, Any]) -> None:
    table = PlainTable("model", "status", "reason", **options)
    for row in _rows(7, 12):
        table.add_row(row["model"], Text(row["status"], style="bold red"), row["reason"])
    assert_same(table)


def test_lines_styled_whole_or_in_part() -> None:
    """A line in one style — its own, spans over all of it, both, spans one over another,
    a style Rich does not know — is drawn as one segment; a span over part of a line, and
    a line of nothing, as Rich renders them."""
    whole = Text("whole", style="bold")
    spans = Text("spans", spans=[Span(0, 5, "red on white"), Span(0, 5, "blue underline")])
    both = Text("both", style="green", spans=[Span(0, 4, "red dim"), Span(0, 4, "not-a-style")])
    part = Text("partly red", style="italic", spans=[Span(0, 6, "red")])
    lines = Text("first\nsecond\n\nfourth", style="yellow")
    lines.stylize("reverse", 6)  # over every line after the first, and their line breaks
    for justify in ("left", "right", "center", None):
        table = PlainTable("a", "b", "c")
        table.columns[1].justify = justify or "left"
        for cell in (whole, spans, both, part, lines):
            table.add_row(cell, cell.copy(), Text("x"))
        table.columns[2].justify = "right"
        styled = Text("justified", style="blue", justify=justify)  # type: ignore[arg-type]
        table.add_row(styled, styled.copy(), styled.copy())
        assert_same(table)


def test_cells_that_are_not_text_are_rendered_by_rich() -> None:
    inner = PlainTable("a", "b")
    inner.add_row("1", "2")
    table = PlainTable("name", "detail")
    table.add_row("nested", inner)
    table.add_row("plain", "text")
    assert table._text_ranges(Console(), Console().options) is None
    assert_same(table)


def test_rows_styled_one_by_one_are_drawn_by_rich() -> None:
    table = PlainTable("a", "b")
    table.add_row("1", "2", style="on blue")
    table.add_row("3", "4", end_section=True)
    table.add_row("5", "6")
    assert_same(table)


def test_plain_text_rows_skip_richs_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of it: text cells never go through Rich's per-cell rendering, nor its
    measuring; only a cell that is not text does."""
    rows = _rows(3, 40)
    table = _models_table(rows, 200)
    console = Console(file=io.StringIO(), width=200)
    calls = {"render_lines": 0}
    original = Console.render_lines

    def counted(self: Console, *args: Any, **kwargs: Any) -> Any:
        calls["render_lines"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Console, "render_lines", counted)
    measure = Text.__rich_measure__
    monkeypatch.setattr(Text, "__rich_measure__", lambda *a: pytest.fail("measured by Rich"))
    console.print(table)
    assert calls["render_lines"] == 0
    table._ranges_for = None
    console.print(_models_table(rows, 200))  # a fresh table: measured again, still not by Rich
    long = PlainTable("reason")
    long.add_row("a reason much longer than the sixteen columns it has " * 2)
    Console(file=io.StringIO(), width=16).print(long)  # wrapped by Rich's Text.wrap alone
    assert calls["render_lines"] == 0
    monkeypatch.setattr(Text, "__rich_measure__", measure)
    inner = PlainTable("a")
    inner.add_row("b")
    nested = PlainTable("detail")
    nested.add_row(inner)
    Console(file=io.StringIO(), width=16).print(nested)
    assert calls["render_lines"] > 0  # a cell that is not text: rendered by Rich


def test_plain_cells_are_shown_as_written() -> None:
    """Markup and emoji codes in stored names are neither read nor replaced."""
    table = PlainTable("team")
    table.add_row("[/] :warning: [bold]x[/bold]")
    assert "[/] :warning: [bold]x[/bold]" in _printed(table, 80, fast=True)


_cell = st.text(alphabet=st.sampled_from(list("ab xy-\n\t模[]:/")), max_size=40)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(_cell, min_size=3, max_size=3), min_size=1, max_size=6),
    st.sampled_from([None, "bold", "red on white"]),
    st.integers(min_value=8, max_value=120),
)
def test_any_text_at_any_width(rows: list[list[str]], style: str | None, width: int) -> None:
    table = PlainTable("first", "second", "third", expand=width % 2 == 0)
    table.columns[1].no_wrap = True
    table.columns[2].ratio = 1 if width % 3 == 0 else None
    for cells in rows:
        table.add_row(cells[0], Text(cells[1], style=style or ""), cells[2])
    assert_same(table, (width,))
