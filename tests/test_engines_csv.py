"""CSV copied to Parquet out of core by DuckDB: the frame pandas reads back from the
Parquet file is the frame ``pandas.read_csv`` reads from the CSV itself.

The reference is pandas on the same bytes (the in-memory path), column by column:
dtypes, values and missing values, for integers, decimals, text, booleans, nulls in
every kind of column, pandas' missing-value spellings, quoted commas and line ends, and
columns whose first rows look like integers while later rows are decimals or text (the
type comes from every row, not a sample).  Bad input is a ``DataError`` naming the file
(and the line of a row of the wrong length), with nothing left in the folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signoff.engines import CSV_ROW_FIELDS, csv_to_parquet, find_source
from signoff.errors import DataError

pytest.importorskip("duckdb")

LATE = 30_000  # past DuckDB's default sample of 20,480 rows


def _convert(tmp_path: Path, *files: Path) -> pd.DataFrame:
    out = tmp_path / "work" / "data.parquet"
    out.parent.mkdir(exist_ok=True)
    rows = csv_to_parquet(list(files), out, temp_dir=out.parent)
    frame = pd.read_parquet(out)
    assert rows == len(frame)
    return frame


def _pandas(*files: Path) -> pd.DataFrame:
    frames = [pd.read_csv(f) for f in files]
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _same(tmp_path: Path, *files: Path) -> pd.DataFrame:
    expected = _pandas(*files)
    got = _convert(tmp_path, *files)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    return got


def test_every_kind_of_column_is_typed_as_pandas_types_it(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    n = LATE + 100
    ints = rng.integers(-(10**12), 10**12, n)
    floats = rng.normal(size=n) * 10.0 ** rng.integers(-5, 6, n)
    frame = pd.DataFrame(
        {
            "int": ints,
            "float": floats,
            "text": rng.choice(["a", "b b", "c,d", 'say "hi"', "line\nend"], n),
            "flag": rng.choice([True, False], n),
            "int_nulls": pd.array(np.where(rng.random(n) < 0.1, None, ints), dtype="Int64"),
            "float_nulls": np.where(rng.random(n) < 0.1, np.nan, floats),
            "text_nulls": rng.choice(["x", "y", None], n),
            "flag_nulls": pd.array(rng.choice([True, False, None], n), dtype="boolean"),
            "all_null": [None] * n,
            "zero_one": rng.integers(0, 2, n),
        }
    )
    file = tmp_path / "kinds.csv"
    frame.to_csv(file, index=False)
    got = _same(tmp_path, file)
    kinds = {c: str(t) for c, t in got.dtypes.items()}
    assert kinds["int"] == kinds["zero_one"] == "int64"
    assert kinds["int_nulls"] == kinds["float"] == kinds["all_null"] == "float64"
    assert kinds["flag"] == "bool"
    assert got["text"].tolist() == frame["text"].tolist()


def test_the_type_comes_from_every_row_not_the_first(tmp_path: Path) -> None:
    """Integers for 30,000 rows, then one decimal, one text value, one ``yes``."""
    n = LATE
    lines = ["ints_then_decimal,ints_then_text,flags_then_yes,ints_then_missing"]
    lines += [f"{i},{i},{'true' if i % 2 else 'False'},{i}" for i in range(n)]
    lines += ["2.5,x,yes,NA", "3,4,TRUE,"]
    file = tmp_path / "late.csv"
    file.write_text("\n".join(lines) + "\n")
    got = _same(tmp_path, file)
    assert got["ints_then_decimal"].dtype == np.float64
    assert got["ints_then_decimal"].iloc[-2] == 2.5
    assert got["ints_then_text"].iloc[-2] == "x"
    assert got["ints_then_text"].iloc[0] == "0"
    assert got["flags_then_yes"].tolist()[-2:] == ["yes", "TRUE"]
    assert got["ints_then_missing"].dtype == np.float64


def test_pandas_spellings_of_missing_and_booleans(tmp_path: Path) -> None:
    file = tmp_path / "spelled.csv"
    file.write_text(
        "a,b,c,d,e,f\n"
        "NA,True,t,2024-01-01,1,\n"
        "nan,TRUE,f,2024-01-02,N/A,x\n"
        "NULL,false,t,2024-01-03,3,null\n"
        "1.5,FALSE,f,2024-01-04,None,#N/A\n"
    )
    got = _same(tmp_path, file)
    assert got["b"].dtype == bool
    assert got["c"].tolist() == ["t", "f", "t", "f"]  # DuckDB's booleans; pandas' text
    assert got["d"].tolist()[0] == "2024-01-01"  # pandas does not read dates
    assert got["f"].isna().tolist() == [True, False, True, True]


def test_several_files_are_one_data_set(tmp_path: Path) -> None:
    """Types from all the files together; columns matched by name, in any order."""
    (tmp_path / "parts").mkdir()
    first = tmp_path / "parts" / "a.csv"
    second = tmp_path / "parts" / "b.csv"
    first.write_text("x,y,z\n1,u,1.0\n2,v,2.0\n")
    second.write_text("z,y,x\n3.5,w,3\n4.5,,4\n")
    source = find_source(tmp_path / "parts" / "*.csv")
    assert source.files == (first, second)
    _same(tmp_path, *source.files)


def test_headers_that_differ_are_named(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x,y\n1,2\n")
    (tmp_path / "b.csv").write_text("x,w\n1,2\n")
    with pytest.raises(DataError) as missing:
        find_source(tmp_path / "*.csv")
    assert missing.value.file == str(tmp_path / "b.csv")
    assert missing.value.field == "y"
    assert missing.value.message == (
        "column 'y' of a.csv is missing here; every file needs the same columns"
    )
    (tmp_path / "b.csv").write_text("x,y,w\n1,2,3\n")
    with pytest.raises(DataError) as extra:
        find_source(tmp_path / "*.csv")
    assert extra.value.message == "column 'w' is not in a.csv; every file needs the same columns"
    assert extra.value.exit_code == 3


def test_a_glob_matching_nothing_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError) as nothing:
        find_source(tmp_path / "none-*.csv")
    assert nothing.value.file == str(tmp_path / "none-*.csv")
    assert nothing.value.message == "no .csv or .parquet file matches this path"
    assert nothing.value.exit_code == 3


@pytest.mark.parametrize(
    ("text", "line", "found"),
    [
        ("a,b\n1,2\n3,4\n5,6,7\n8,9\n", 4, 3),  # one field too many
        ("a,b\n1,2\n3\n8,9\n", 3, 1),  # one too few
        ('a,b\n1,"x\ny"\n2,3,4\n', 4, 3),  # a quoted line end counts as a line
    ],
)
def test_a_malformed_row_is_named_by_file_and_line(
    tmp_path: Path, text: str, line: int, found: int
) -> None:
    file = tmp_path / "bad.csv"
    file.write_text(text)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(DataError) as bad:
        csv_to_parquet([file], work / "data.parquet", temp_dir=work)
    assert bad.value.file == str(file)
    assert bad.value.line == line
    assert bad.value.message == CSV_ROW_FIELDS.format(found=found, expected=2)
    assert bad.value.exit_code == 3
    assert list(work.iterdir()) == []  # nothing left behind
    # The in-memory reader names the same line.
    from signoff.audit._read import read_data

    with pytest.raises(DataError) as same:
        read_data(file)
    assert (same.value.line, same.value.message) == (line, bad.value.message)


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    file = tmp_path / "latin.csv"
    file.write_bytes(b"a,b\n1,caf\xe9\n")
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(DataError) as bad:
        csv_to_parquet([file], work / "data.parquet", temp_dir=work)
    assert bad.value.file == str(file)
    assert bad.value.message == "could not be read as CSV: the file is not UTF-8 text"
    assert list(work.iterdir()) == []


def test_numbers_as_pandas_parses_them(tmp_path: Path) -> None:
    """DuckDB's own casts read ``2.5`` and ``0x10`` as integers and ``1_000`` as a
    number; pandas does not, and neither does the copy."""
    file = tmp_path / "numbers.csv"
    file.write_text(
        "a,b,c,d,e,f,g,h\n"
        "inf,.5, 7,1_000,0x10,+5,1e5,2\n"
        "-Infinity,5., 8 ,2,3,-6,2,2.5\n"
        "1,-.5e-3,9,3,4,7,3,4\n"
    )
    got = _same(tmp_path, file)
    assert [str(t) for t in got.dtypes] == [
        "float64", "float64", "int64", "str", "str", "int64", "float64", "float64",
    ]  # fmt: skip
