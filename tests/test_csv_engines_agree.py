"""CSV values that cannot silently disagree between the NumPy and DuckDB engines.

(Column names: ``test_csv_column_names.py``; monitoring: ``test_csv_engines_monitor.py``.)

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
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from signoff.audit import audit
from signoff.audit._read import read_source
from signoff.engines import (
    as_one_file,
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


# --- 1. files of one data set whose column types disagree ---------------------------

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


# --- 2. integers beyond 64 bits -----------------------------------------------------


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
