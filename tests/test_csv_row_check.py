"""The in-memory readers' row check (``signoff.engines.check_rows``) across its blocks.

The check reads unquoted CSV bytes 8 MiB at a time with NumPy; here a file of some
10 MiB with one short row on either side of a block boundary (and Windows line ends,
and blank lines) gets exactly the :mod:`csv` reader's answer: the line and the count.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff.engines import CSV_ROW_FIELDS, check_parsed_rows, check_rows
from signoff.errors import DataError

BLOCK = 1 << 23
LINE = "1234567,abc,0.25,x\n"  # 19 bytes, 4 fields


def _answer(check: object, data: str | bytes) -> tuple[int | None, str] | None:
    try:
        check(data, Path("data.csv"))  # type: ignore[operator]
    except DataError as exc:
        return exc.line, exc.message
    return None


@pytest.mark.parametrize("offset", [-1, 0, 1])
@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_short_row_near_a_block_boundary(offset: int, end: str) -> None:
    line = LINE.replace("\n", end)
    first_block = BLOCK // len(line)  # whole lines in the first block (the header is one)
    lines = ["a,b,c,d" + end] + [line] * (first_block + 20_000)
    lines[first_block + offset] = "1,2,3" + end
    lines.insert(7, end)  # a blank line before: line numbers still count it
    text = "".join(lines)
    assert len(text.encode()) > BLOCK
    found = _answer(check_rows, text.encode())
    assert found == _answer(check_parsed_rows, text)
    assert found is not None
    assert found[0] == first_block + offset + 2


def test_every_row_right_across_blocks_passes() -> None:
    text = "a,b,c,d\n" + LINE * (2 * BLOCK // len(LINE))
    assert _answer(check_rows, text.encode()) is None
    assert _answer(check_rows, ("\ufeff" + text).encode()) is None  # a byte-order mark


def test_a_line_longer_than_a_block() -> None:
    """(Past the csv module's field limit: the expected answer is written out.)"""
    text = "a,b\n" + "x" * (BLOCK + 10) + ",1\n" + "1,2,3\n"
    expected = CSV_ROW_FIELDS.format(found=3, expected=2)
    assert _answer(check_rows, text.encode()) == (3, expected)
