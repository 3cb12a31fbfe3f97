"""Every table the command line prints folds a long cell instead of cutting it: a hash or
a model name that ends in "…" is not shorter, it is wrong."""

from __future__ import annotations

import hashlib
import io

from rich.console import Console

from signoff.cli._app import CliTable, PlainTable


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
