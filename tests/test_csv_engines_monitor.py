"""Monitoring reads CSV alike on NumPy and DuckDB: batches, references and labels files.

A column named twice (or twice but for case) is refused wherever a CSV or Parquet file
comes in — the batch, the reference, the late labels — naming the file, line 1 and both
positions; a batch whose CSV files disagree on a column's type, or with an integer
beyond 64 bits, gives the same monitor-results.json on both engines, and the same as
NumPy on the batch written as one file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from signoff.engines import CSV_ROW_FIELDS, DUPLICATE_COLUMN, SAME_BUT_CASE
from signoff.errors import DataError
from signoff.monitor import profile_to_dict, run_monitor
from signoff.monitor._inputs import DUPLICATE_LABEL_IDS

pytest.importorskip("duckdb")

from test_monitor_engines import TODAY, _compare, _frame, _measured, _project

ENGINES = ("numpy", "duckdb")


def _with_duplicate(frame: pd.DataFrame, path: Path, name: str, again: str) -> int:
    """Write ``frame`` to the CSV ``path`` with a last column headed ``again`` (a copy of
    ``name``); returns the first position of ``name``, counting from 1."""
    frame.to_csv(path, index=False)
    lines = path.read_text().splitlines()
    position = lines[0].split(",").index(name)
    values = [line.split(",")[position] if "," in line else "" for line in lines[1:]]
    text = [f"{lines[0]},{again}"] + [f"{a},{b}" for a, b in zip(lines[1:], values, strict=True)]
    path.write_text("\n".join(text) + "\n")
    return position + 1


def _expect(error: DataError, file: Path, name: str, again: str, first: int, second: int) -> None:
    assert (error.file, error.line, error.field) == (str(file), 1, again)
    if name == again:
        message = DUPLICATE_COLUMN.format(
            column=name, where="in the header", first=first, second=second
        )
    else:
        message = SAME_BUT_CASE.format(
            column=name, other=again, where="in the header", first=first, second=second
        )
    assert error.message == message


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """The batch without its free-text columns (commas-free CSV for the header edit)."""
    return frame.drop(columns=["contact"])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("again", ["region", "REGION"])
def test_a_batch_naming_a_column_twice_is_refused(tmp_path: Path, engine: str, again: str) -> None:
    batch = _plain(_frame(2, 500))
    file = tmp_path / "batch.csv"
    first = _with_duplicate(batch, file, "region", again)
    config = _project(tmp_path, engine=engine, path="batch.csv")
    with pytest.raises(DataError) as found:
        run_monitor(config, today=TODAY)
    _expect(found.value, file, "region", again, first, batch.shape[1] + 1)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_reference_naming_a_column_twice_is_refused(tmp_path: Path, engine: str) -> None:
    _frame(2, 500).to_parquet(tmp_path / "batch.parquet", index=False)
    reference = _plain(_frame(1, 800).drop(columns=["id", "scored_at", "epoch"]))
    file = tmp_path / "reference.csv"
    first = _with_duplicate(reference, file, "score", "score")
    config = _project(tmp_path, engine=engine)
    config.write_text(config.read_text().replace("reference.parquet", "reference.csv"))
    with pytest.raises(DataError) as found:
        run_monitor(config, today=TODAY)
    _expect(found.value, file, "score", "score", first, reference.shape[1] + 1)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_labels_file_naming_a_column_twice_is_refused(tmp_path: Path, engine: str) -> None:
    batch = _frame(2, 500)
    batch.to_parquet(tmp_path / "batch.parquet", index=False)
    labels = pd.DataFrame({"id": batch["id"], "label": (batch["score"] > 0.5).astype(int)})
    file = tmp_path / "labels.csv"
    _with_duplicate(labels, file, "id", "Id")
    config = _project(tmp_path, engine=engine)
    with pytest.raises(DataError) as found:
        run_monitor(config, labels_path=file, today=TODAY)
    _expect(found.value, file, "id", "Id", 1, 3)


def _runs(folder: Path, path: str) -> dict[str, Any]:
    return {
        engine: run_monitor(_project(folder, engine=engine, path=path), today=TODAY)
        for engine in ENGINES
    }


def test_batch_files_of_mixed_types_give_one_result(tmp_path: Path) -> None:
    """``count``: integers in one file, text in the other; ``code``: an integer beyond
    64 bits in one file; ``flag``: booleans, then integers."""
    batch = pd.concat([_frame(2, 1500), _frame(3, 1500, shift=0.3)], ignore_index=True)
    batch["code"] = batch["id"] % 7
    first, second = batch.iloc[:1500].copy(), batch.iloc[1500:].copy()
    second["count"] = second["count"].map(lambda v: f"n{v}" if v % 4 == 0 else str(v))
    second["code"] = second["code"].astype(object)
    second.loc[second.index[3], "code"] = 2**64 + 5
    second["flag"] = second["flag"].astype(int)
    (tmp_path / "parts").mkdir()
    first.to_csv(tmp_path / "parts" / "a.csv", index=False)
    second.to_csv(tmp_path / "parts" / "b.csv", index=False)
    texts = [(tmp_path / "parts" / n).read_text() for n in ("a.csv", "b.csv")]
    (tmp_path / "one.csv").write_text(texts[0] + texts[1].split("\n", 1)[1])
    runs = _runs(tmp_path, "parts")
    one = run_monitor(_project(tmp_path, engine="numpy", path="one.csv"), today=TODAY)
    numpy = _measured(runs["numpy"].document)
    _compare(_measured(runs["duckdb"].document), numpy)
    whole = _measured(one.document)
    for key in ("path", "sha256"):  # the one file is another file
        del whole["batch"][key], numpy["batch"][key]
    _compare(whole, numpy)
    for other in (runs["duckdb"], one):
        for a, b in zip(other.profiles, runs["numpy"].profiles, strict=True):
            _compare(profile_to_dict(a), profile_to_dict(b))
    assert numpy["batch"]["rows"] == len(batch)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_short_batch_row_is_named_on_both_engines(tmp_path: Path, engine: str) -> None:
    """pandas alone pads the row with missing values; DuckDB refuses it: both refuse."""
    file = tmp_path / "batch.csv"
    _plain(_frame(2, 300)).to_csv(file, index=False)
    lines = file.read_text().splitlines()
    fields = len(lines[0].split(","))
    lines[5] = ",".join(lines[5].split(",")[:-2])
    file.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as found:
        run_monitor(_project(tmp_path, engine=engine, path="batch.csv"), today=TODAY)
    assert (found.value.file, found.value.line) == (str(file), 6)
    assert found.value.message == CSV_ROW_FIELDS.format(found=fields - 2, expected=fields)


def test_a_batch_with_an_unnamed_index_column_gives_one_result(tmp_path: Path) -> None:
    """``to_csv`` with the index: ``Unnamed: 0`` on both engines (DuckDB: ``column0``)."""
    _frame(2, 2000).to_csv(tmp_path / "batch.csv")
    runs = _runs(tmp_path, "batch.csv")
    _compare(_measured(runs["duckdb"].document), _measured(runs["numpy"].document))
    for a, b in zip(runs["duckdb"].profiles, runs["numpy"].profiles, strict=True):
        _compare(profile_to_dict(a), profile_to_dict(b))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_repeated_wide_id_is_named_alike_on_both_engines(tmp_path: Path, engine: str) -> None:
    """Ids beyond 64 bits are text on both engines: the repeated one is named as text."""
    batch = _frame(2, 500)
    batch.to_parquet(tmp_path / "batch.parquet", index=False)
    wide = 2**64 + 7
    ids = [wide, wide, *range(10, 108)]
    labels = pd.DataFrame({"id": ids, "label": [i % 2 for i in range(len(ids))]})
    labels.to_csv(tmp_path / "labels.csv", index=False)
    config = _project(tmp_path, engine=engine)
    with pytest.raises(DataError) as found:
        run_monitor(config, labels_path=tmp_path / "labels.csv", today=TODAY)
    assert found.value.message == DUPLICATE_LABEL_IDS.format(value=str(wide), count=2)
