"""Column names the NumPy and DuckDB engines read alike.

* A header (or a Parquet schema) naming one column twice — or two names that differ only
  in case or in spaces around them, which DuckDB does not tell apart — is refused on every
  engine with the file, line 1, the name and both positions; nothing is recorded.
* DuckDB names CSV columns as pandas does: spaces kept, an empty name ``Unnamed: i``.

The references: ``pandas.read_csv`` on the same file, and results.json of the other
engine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from signoff.audit import audit
from signoff.engines import DUPLICATE_COLUMN, SAME_BUT_CASE, check_names, csv_to_parquet
from signoff.errors import DataError

pytest.importorskip("duckdb")

from test_csv_engines_agree import ENGINES, _audit, _rows, _write
from test_duckdb_engine import _compare


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
