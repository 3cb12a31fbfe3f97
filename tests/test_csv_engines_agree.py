"""CSV input that cannot silently disagree between the NumPy and DuckDB engines.

* A header (or a Parquet schema) naming one column twice — or two names that differ only
  in case, which DuckDB does not tell apart — is refused on every engine and reader with
  the file, line 1, the name and both positions; nothing is recorded.
* The CSV files of one data set whose columns disagree in type (integers in one, text
  in another) are typed as pandas types the rows read as one file, on both engines:
  results.json is the same on NumPy, DuckDB and NumPy on the one concatenated file.
* An integer column with a value beyond 64 bits is text on both engines.

The references are independent: groups and their counts from :mod:`csv` over the raw
text, and ``pandas.read_csv`` over the files' rows written as one file.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from signoff.audit import audit
from signoff.audit._read import read_source
from signoff.engines import (
    DUPLICATE_COLUMN,
    SAME_BUT_CASE,
    as_one_file,
    check_names,
    csv_to_parquet,
    find_source,
)
from signoff.errors import DataError

pytest.importorskip("duckdb")

from test_duckdb_engine import _compare

ENGINES = ("numpy", "duckdb")
WIDE = 18446744073709551616  # 2**64


def _rows(n: int = 60) -> list[list[Any]]:
    """label, score, region: both classes in every region, scores on a 0.01 grid."""
    return [[i % 2, round((i * 37 % 100) / 100, 2), "nse"[i % 3]] for i in range(n)]


def _write(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _audit(folder: Path, path: str, engine: str, attributes: tuple[str, ...] = ("region",)):
    config = {
        "data": {
            "path": path,
            "target": "label",
            "score_column": "score",
            "features": [],
            "engine": engine,
        },
        "protected_attributes": {a: {} for a in attributes},
        "bootstrap": {"replicates": 40},
        "seed": 3,
    }
    file = folder / f"audit-{engine}.yaml"
    file.write_text(yaml.safe_dump(config))
    return audit(file).results


# --- 1. a column named twice --------------------------------------------------------


def test_check_names_gives_both_positions() -> None:
    check_names(["a", "b", "a.1"], "f.csv", line=1)  # pandas' own renaming is a new name
    with pytest.raises(DataError) as found:
        check_names(["a", "b", "a"], "f.csv", line=1)
    error = found.value
    assert (error.file, error.line, error.field) == ("f.csv", 1, "a")
    expected = DUPLICATE_COLUMN.format(column="a", where="in the header", first=1, second=3)
    assert error.message == expected
    with pytest.raises(DataError) as found:
        check_names(["x", "Score", "score"], "f.parquet")
    assert found.value.line is None
    assert found.value.message == SAME_BUT_CASE.format(
        column="Score", other="score", where="in the schema", first=2, second=3
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("second", ["region", "Region"])
def test_a_header_naming_a_column_twice_is_refused(
    tmp_path: Path, engine: str, second: str
) -> None:
    _write(
        tmp_path / "eval.csv", ["label", "score", "region", second], [[*r, "x"] for r in _rows()]
    )
    with pytest.raises(DataError) as found:
        _audit(tmp_path, "eval.csv", engine)
    error = found.value
    assert (error.file, error.line, error.field) == (str(tmp_path / "eval.csv"), 1, second)
    if second == "region":
        message = DUPLICATE_COLUMN.format(column="region", where="in the header", first=3, second=4)
    else:
        message = SAME_BUT_CASE.format(
            column="region", other="Region", where="in the header", first=3, second=4
        )
    assert error.message == message


@pytest.mark.parametrize("engine", ENGINES)
def test_the_file_of_a_data_set_naming_a_column_twice_is_named(tmp_path: Path, engine: str) -> None:
    rows = _rows()
    _write(tmp_path / "parts" / "a.csv", ["label", "score", "region"], rows[:30])
    bad = tmp_path / "parts" / "b.csv"
    _write(bad, ["label", "score", "region", "score"], [[*r, 0.5] for r in rows[30:]])
    with pytest.raises(DataError) as found:
        _audit(tmp_path, "parts", engine)
    assert (found.value.file, found.value.line) == (str(bad), 1)
    assert "as columns 2 and 4" in found.value.message


@pytest.mark.parametrize("engine", [*ENGINES, "spark"])
def test_a_parquet_file_naming_a_column_twice_is_refused(tmp_path: Path, engine: str) -> None:
    """Spark too: the files are checked before a session starts (no JVM here)."""
    if engine == "spark":
        pytest.importorskip("pyspark", reason="the spark extra is not installed")
    rows = _rows()
    columns = [
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[2] for r in rows],
    ]
    table = pa.table(columns, names=["label", "score", "region", "region"])
    pq.write_table(table, tmp_path / "eval.parquet")  # pyarrow writes it; it cannot read it
    with pytest.raises(DataError) as found:
        _audit(tmp_path, "eval.parquet", engine)
    error = found.value
    assert (error.file, error.line, error.field) == (str(tmp_path / "eval.parquet"), None, "region")
    assert error.message == DUPLICATE_COLUMN.format(
        column="region", where="in the schema", first=3, second=4
    )


def test_the_cli_refuses_it_and_records_nothing(
    cli: Any, demo: Path, tmp_path: Path, database_url: str
) -> None:
    """On SQLite and PostgreSQL: exit 3, the file, line and positions, no traceback, and
    no audit attached, no event in the ledger."""
    env = {
        "SIGNOFF_HOME": str(tmp_path / "home"),
        "SIGNOFF_USER": "alice",
        "SIGNOFF_DATABASE_URL": database_url,
    }
    holdout = demo / "data" / "holdout.csv"
    lines = holdout.read_text().splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    position = header.index("age") + 1
    lines[0] = ",".join([*header, "age"]) + "\n"
    holdout.write_text(lines[0] + "".join(line.rstrip("\n") + ",0\n" for line in lines[1:]))
    cli("user", "add", "alice", "--email", "alice@example.org", "--role", "requester", env=env)
    cli(
        "model",
        "register",
        "credit",
        "--owner",
        "alice",
        "--team",
        "risk",
        "--use-case",
        "credit",
        "--risk-tier",
        "high",
        env=env,
    )
    added = cli(
        "version",
        "add",
        "credit@1.0",
        "--framework",
        "sklearn",
        "--file",
        str(demo / "model.skops"),
        env=env,
    )
    assert added.exit_code == 0, added.output
    before = cli("ledger", "export", env=env).stdout.strip().splitlines()
    assert before  # the user, the model and the version
    out = tmp_path / "out"
    result = cli(
        "audit", str(demo / "audit.yaml"), "-o", str(out), "--register", "credit@1.0", env=env
    )
    assert result.exit_code == 3, result.output
    message = DUPLICATE_COLUMN.format(
        column="age", where="in the header", first=position, second=len(header) + 1
    )
    assert f"{holdout}:1: age: {message}" in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
    assert not (out / "results.json").exists()
    shown = json.loads(cli("version", "show", "credit@1.0", "--json", env=env).stdout)
    assert shown["audits"] == []
    assert cli("log", "export", "--jsonl", env=env).stdout.strip() == ""  # no audit
    assert cli("ledger", "export", env=env).stdout.strip().splitlines() == before


# --- 2. files of one data set whose column types disagree ---------------------------

#: Each file's values of the column ``mixed`` (by row, cycling) in a two-file data set.
MIXES = {
    "integers_then_text": (["1", "2"], ["x", "3"]),
    "booleans_then_integers": (["True", "False"], ["1", "0"]),
    "decimals_then_text": (["1.50", "2"], ["y", "2.0"]),
    "integers_then_decimals": (["1", "2"], ["2.5", "2"]),
    "empty_then_integers": ([""], ["7", "8"]),
    "integers_then_wide": (["1", "2"], [str(WIDE), "2"]),
}


def _mixed_files(folder: Path, mix: str) -> list[Path]:
    rows = _rows()
    first, second = MIXES[mix]
    header = ["label", "score", "region", "mixed"]
    a = [[*r, first[i % len(first)]] for i, r in enumerate(rows[:30])]
    b = [[*r, second[i % len(second)]] for i, r in enumerate(rows[30:])]
    return [
        _write(folder / "parts" / "a.csv", header, a),
        _write(folder / "parts" / "b.csv", header, b),
    ]


def _one_file(files: list[Path], out: Path) -> Path:
    """The files' rows written as one CSV file (header once)."""
    texts = [f.read_text() for f in files]
    out.write_text(texts[0] + "".join(t.split("\n", 1)[1] for t in texts[1:]))
    return out


@pytest.mark.parametrize("mix", sorted(MIXES))
def test_frames_of_several_files_are_typed_as_one_file(tmp_path: Path, mix: str) -> None:
    files = _mixed_files(tmp_path, mix)
    frames = [pd.read_csv(f) for f in files]
    got = as_one_file(frames, lambda i, cols: pd.read_csv(files[i], usecols=cols, dtype=str))
    expected = pd.read_csv(_one_file(files, tmp_path / "one.csv"))
    if mix == "integers_then_wide":  # pandas alone: Python ints in an object column
        expected["mixed"] = pd.read_csv(tmp_path / "one.csv", dtype={"mixed": str})["mixed"]
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize("mix", sorted(MIXES))
def test_mixed_files_give_the_same_results_on_both_engines(tmp_path: Path, mix: str) -> None:
    files = _mixed_files(tmp_path, mix)
    _one_file(files, tmp_path / "one.csv")
    numpy = _audit(tmp_path, "parts", "numpy", ("region", "mixed"))
    _compare(numpy, _audit(tmp_path, "parts", "duckdb", ("region", "mixed")))
    _compare(numpy, _audit(tmp_path, "one.csv", "numpy", ("region", "mixed")))
    if mix in ("integers_then_decimals", "empty_then_integers"):
        return  # a numeric column: its groups are numbers as the audit writes them
    # A text column: its groups are the values as the files write them, counted by csv.
    counts: Counter[str] = Counter()
    for file in files:
        counts.update(row["mixed"] for row in csv.DictReader(io.StringIO(file.read_text())))
    groups = numpy["by_attribute"]["mixed"]["groups"]
    assert {g: groups[g]["count"]["value"] for g in groups} == dict(counts)


# --- 3. integers beyond 64 bits -----------------------------------------------------


@pytest.mark.parametrize("wide", [WIDE, 2**63, -(2**63) - 1])
def test_an_integer_beyond_64_bits_makes_the_column_text(tmp_path: Path, wide: int) -> None:
    """pandas alone gives Python ints or uint64 here, DuckDB decimals: both now text."""
    rows = [[*r, wide if i == 4 else i % 3] for i, r in enumerate(_rows())]
    file = _write(tmp_path / "eval.csv", ["label", "score", "region", "code"], rows)
    numpy = _audit(tmp_path, "eval.csv", "numpy", ("code",))
    _compare(numpy, _audit(tmp_path, "eval.csv", "duckdb", ("code",)))
    counts = Counter(row["code"] for row in csv.DictReader(io.StringIO(file.read_text())))
    groups = numpy["by_attribute"]["code"]["groups"]
    assert {g: groups[g]["count"]["value"] for g in groups} == dict(counts)
    assert str(wide) in groups  # every digit kept: not 1.8446744073709552e+19


@pytest.mark.parametrize("column", ["score", "label"])
def test_a_wide_score_or_label_is_the_same_error_on_both_engines(
    tmp_path: Path, column: str
) -> None:
    index = {"label": 0, "score": 1}[column]
    rows = _rows()
    rows[5][index] = WIDE
    _write(tmp_path / "eval.csv", ["label", "score", "region"], rows)
    messages = []
    for engine in ENGINES:
        with pytest.raises(DataError) as found:
            _audit(tmp_path, "eval.csv", engine)
        assert found.value.file == str(tmp_path / "eval.csv")
        messages.append(found.value.message)
    assert messages[0] == messages[1]
    if column == "label":  # the classes as the file writes them, every digit kept
        assert f"'{WIDE}'" in messages[0]
    else:
        assert "first bad value at row 6" in messages[0]


@pytest.mark.parametrize("mix", sorted(MIXES))
def test_duckdbs_parquet_copy_is_the_numpy_frame(tmp_path: Path, mix: str) -> None:
    """The copy DuckDB makes to score a model out of core holds the frame NumPy reads."""
    files = _mixed_files(tmp_path, mix)
    out = tmp_path / "copy.parquet"
    csv_to_parquet(files, out, temp_dir=tmp_path)
    numpy = read_source(find_source(tmp_path / "parts")).frame
    pd.testing.assert_frame_equal(pd.read_parquet(out), numpy, check_exact=True)


# --- names pandas and DuckDB would spell differently -------------------------------


def test_an_unnamed_column_is_named_as_pandas_names_it(tmp_path: Path) -> None:
    """``DataFrame.to_csv`` writes its index under an empty name: pandas reads it as
    ``Unnamed: 0``, DuckDB as ``column0`` — both engines now say ``Unnamed: 0``."""
    frame = pd.DataFrame(_rows(), columns=["label", "score", "region"])
    frame.to_csv(tmp_path / "eval.csv")  # the index, unnamed, first
    numpy = _audit(tmp_path, "eval.csv", "numpy")
    _compare(numpy, _audit(tmp_path, "eval.csv", "duckdb"))
    assert "Unnamed: 0" in numpy["data_quality"]["column_quality"]


def test_names_with_spaces_are_kept_on_both_engines(tmp_path: Path) -> None:
    """pandas keeps `` region`` as written; DuckDB would trim it to ``region``."""
    _write(tmp_path / "eval.csv", ["label", " score", " region "], _rows())
    config = {
        "data": {"path": "eval.csv", "target": "label", "score_column": " score"},
        "protected_attributes": {"region": {"column": " region "}},
        "bootstrap": {"replicates": 0},
    }
    results = []
    for engine in ENGINES:
        config["data"]["engine"] = engine  # type: ignore[index]
        (tmp_path / "audit.yaml").write_text(yaml.safe_dump(config))
        results.append(audit(tmp_path / "audit.yaml").results)
    _compare(results[0], results[1])
    assert " region " in results[0]["data_quality"]["column_quality"]


@pytest.mark.parametrize("engine", ENGINES)
def test_names_alike_but_for_spaces_are_refused(tmp_path: Path, engine: str) -> None:
    _write(
        tmp_path / "eval.csv", ["label", "score", "region", " region"], [[*r, "x"] for r in _rows()]
    )
    with pytest.raises(DataError) as found:
        _audit(tmp_path, "eval.csv", engine)
    assert found.value.message == SAME_BUT_CASE.format(
        column="region", other=" region", where="in the header", first=3, second=4
    )


@pytest.mark.parametrize("width", [4, 11, 101])
def test_duckdb_names_every_column_as_pandas_does(tmp_path: Path, width: int) -> None:
    """Empty and blank names at the start, the middle and the end (DuckDB pads the
    positions it names them by to the digits of the last), and names with spaces."""
    header = ["", " ", " x ", *[f"c{i}" for i in range(3, width - 2)], "", "y "][:width]
    file = _write(tmp_path / "wide.csv", header, [list(range(width))] * 3)
    out = tmp_path / "copy.parquet"
    csv_to_parquet([file], out, temp_dir=tmp_path)
    expected = pd.read_csv(file)
    assert list(pd.read_parquet(out).columns) == list(expected.columns)
    pd.testing.assert_frame_equal(pd.read_parquet(out), expected, check_exact=True)
