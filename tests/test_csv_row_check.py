"""The in-memory readers' row check (``signoff.engines.check_rows``) across its blocks.

The check reads unquoted CSV bytes 8 MiB at a time with NumPy; here a file of some
10 MiB with one short row on either side of a block boundary (and Windows line ends,
and blank lines) gets exactly the :mod:`csv` reader's answer: the line and the count.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# Quoted text is checked by NumPy too when its quotes are regular (each field unquoted or
# quoted whole); the answers must be the csv module's for any text, regular or not, and
# across blocks (a block of 64 bytes here, so records and quoted fields straddle them).
_ROWS = importlib.import_module("signoff.engines._rows")

_plain = st.text(alphabet="ab1 ", max_size=4)
_quoted = st.text(alphabet='ab,\n\r" ', max_size=6).map(lambda t: '"' + t.replace('"', '""') + '"')
_odd = st.sampled_from(['a"b', '"a"b', ' "a"', '"a', 'a"', '""""', '"a""'])  # irregular
_field = st.one_of(_plain, _plain, _quoted, _quoted, _odd)
_record = st.lists(_field, min_size=0, max_size=5).map(",".join)


@st.composite
def _csv_texts(draw: st.DrawFn) -> str:
    header = draw(st.lists(st.sampled_from("abcd"), min_size=1, max_size=4))
    width = len(header)
    rows = draw(
        st.lists(
            st.one_of(
                st.lists(st.one_of(_plain, _quoted), min_size=width, max_size=width).map(",".join),
                _record,
                st.just(""),
            ),
            max_size=12,
        )
    )
    end = draw(st.sampled_from(["\n", "\r\n"]))
    text = end.join([",".join(header), *rows])
    return text + (end if draw(st.booleans()) else "")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_csv_texts(), block=st.sampled_from([16, 64, 1 << 23]))
def test_quoted_text_gets_the_csv_modules_answer(text: str, block: int) -> None:
    if "\r" in text.replace("\r\n", ""):  # a lone carriage return goes to csv anyway
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_ROWS, "_BLOCK", block)
        assert _answer(check_rows, text.encode()) == _answer(check_parsed_rows, text)


def test_a_quoted_file_is_checked_by_numpy_without_the_csv_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Regular quotes (commas and line ends inside, doubled quotes) never reach csv."""
    text = 'id,note\n1,"a, b"\n2,"two\nlines"\n3,"say ""hi"""\n4,"x",5\n'

    def refused(*_: object) -> None:
        raise AssertionError("the csv module was asked")

    monkeypatch.setattr(_ROWS, "check_parsed_rows", refused)
    found = _answer(check_rows, text.encode())
    assert found == (6, CSV_ROW_FIELDS.format(found=3, expected=2))
    assert _answer(check_rows, text.replace(",5\n", "\n").encode()) is None
