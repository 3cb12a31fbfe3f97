"""``signoff audit`` with ``data.engine: duckdb``, a model file and a CSV evaluation set.

The CSV files are copied to Parquet by DuckDB out of core (typed as pandas types them),
scored by the model in batches of ``BATCH_ROWS`` rows (64 here) and counted by DuckDB:
results.json equals the NumPy engine's on the same CSV files — every float to 1e-12,
every count, label and bootstrap draw identical — explainability aside (permutation
importance needs the rows in memory).  A malformed CSV file is exit code 3 naming the
file and line, with no temporary file left.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from signoff.audit import audit
from signoff.cli import app
from signoff.models import _batches

pytest.importorskip("duckdb")

from test_duckdb_engine import _compare

BATCH = 64


def _audit_both(demo: Path, edit_config: Any, path: str) -> tuple[dict[str, Any], list[Any]]:
    results, seen = {}, []
    for engine in ("numpy", "duckdb"):

        def change(data: dict[str, Any], engine: str = engine) -> None:
            data["data"]["path"] = path
            data["data"]["engine"] = engine

        config = edit_config(demo, change)
        results[engine] = audit(config, progress=lambda *a: seen.append(a)).results
    numpy_side, duck_side = results["numpy"], results["duckdb"]
    assert numpy_side["explainability"]["features"] is not None
    assert duck_side["explainability"]["features"] is None
    assert duck_side["overall"].pop("protected_attribute_importance_rank")["value"] is None
    numpy_side["overall"].pop("protected_attribute_importance_rank")
    for key in numpy_side:
        if key not in ("explainability", "warnings"):
            _compare(numpy_side[key], duck_side[key], key)
    assert numpy_side["data_quality"] == duck_side["data_quality"]
    assert len(duck_side["proxies"]) > 10
    return duck_side, seen


@pytest.mark.parametrize("parts", [1, 3])
def test_model_over_csv_scored_in_batches_equals_numpy(
    demo: Path, edit_config: Any, monkeypatch: pytest.MonkeyPatch, parts: int
) -> None:
    """One CSV file, and a glob of three: scored 64 rows at a time after the copy."""
    monkeypatch.setattr(_batches, "BATCH_ROWS", BATCH)
    config = yaml.safe_load((demo / "audit.yaml").read_text())
    frame = pd.read_csv(demo / config["data"]["path"])
    path = config["data"]["path"]
    if parts > 1:
        (demo / "csv").mkdir()
        for i, rows in enumerate((range(0, 100), range(100, 130), range(130, len(frame)))):
            frame.iloc[rows].to_csv(demo / "csv" / f"part-{i}.csv", index=False)
        path = "csv/part-*.csv"
    duck_side, seen = _audit_both(demo, edit_config, path)
    scoring = [(done, total) for stage, done, total in seen if stage == "scoring"]
    # One Parquet copy of all the files, read 64 rows at a time: the bar moves by 64.
    expected = [(min(done, len(frame)), len(frame)) for done in range(BATCH, len(frame) + 63, 64)]
    assert scoring == expected
    assert [s for s in seen if s[0] == "reading CSV"] == [
        ("reading CSV", 0, 1),
        ("reading CSV", 1, 1),
    ]
    columns = duck_side["data_quality"]["column_quality"]
    assert "__signoff_score__" not in columns


def test_a_malformed_csv_row_is_named_and_nothing_is_left(
    demo: Path, edit_config: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    config = yaml.safe_load((demo / "audit.yaml").read_text())
    data = demo / config["data"]["path"]
    lines = data.read_text().splitlines(keepends=True)
    lines[200] = lines[200].rstrip("\n") + ",extra\n"
    data.write_text("".join(lines))
    path = edit_config(demo, lambda d: d["data"].update({"engine": "duckdb"}))
    result = CliRunner().invoke(app, ["audit", str(path), "-o", str(demo / "out")])
    assert result.exit_code == 3, result.output
    assert f"{data}:201" in " ".join(result.output.split())
    assert "this row has" in result.output
    assert "Traceback" not in result.output
    assert list(temp.iterdir()) == []


def test_csv_typed_from_every_row_equals_numpy(tmp_path: Path) -> None:
    """Predictions only: columns whose first 20,480 rows look like integers and later
    rows are decimals or text are read as pandas reads them (DuckDB's default sample
    would fail on the text), and a bad score names its CSV row."""
    from test_duckdb_engine import _config, _frame

    frame = _frame(11, 30_000)
    n = len(frame)
    frame["late_text"] = [str(i % 7) for i in range(n - 1)] + ["seven"]
    frame["late_decimal"] = [str(i % 5) for i in range(n - 1)] + ["2.5"]
    frame["flag"] = ["True" if i % 3 else "false" for i in range(n)]
    frame.to_csv(tmp_path / "eval.csv", index=False)
    results = {}
    for engine in ("numpy", "duckdb"):
        config = _config("eval.csv", engine, replicates=20)
        config["data"]["features"] = ["late_text", "late_decimal", "flag", "note", "level"]
        file = tmp_path / f"audit-{engine}.yaml"
        file.write_text(yaml.safe_dump(config))
        results[engine] = audit(file).results
    assert results["numpy"]["data_quality"] == results["duckdb"]["data_quality"]
    _compare(results["numpy"], results["duckdb"])

    frame.loc[25_000, "score"] = 1.5
    frame.to_csv(tmp_path / "eval.csv", index=False)
    result = CliRunner().invoke(app, ["audit", str(tmp_path / "audit-duckdb.yaml"), "-o", "out"])
    assert result.exit_code == 3, result.output
    assert "row 25001" in " ".join(result.output.split())


def test_a_problem_in_scored_data_names_the_users_file(demo: Path, edit_config: Any) -> None:
    """A missing label found after scoring names the CSV file, as NumPy does — not the
    temporary Parquet file the engine scored into."""
    config = yaml.safe_load((demo / "audit.yaml").read_text())
    data = demo / config["data"]["path"]
    frame = pd.read_csv(data)
    frame.loc[10, config["data"]["target"]] = None
    frame.to_csv(data, index=False)
    outputs = {}
    for engine in ("numpy", "duckdb"):
        path = edit_config(demo, lambda d, e=engine: d["data"].update({"engine": e}))
        result = CliRunner().invoke(app, ["audit", str(path), "-o", str(demo / "out")])
        assert result.exit_code == 3, result.output
        outputs[engine] = " ".join(result.output.split())
    assert f"{data}: data.target: the target has 1 missing value(s)" in outputs["duckdb"]
    assert outputs["duckdb"] == outputs["numpy"]
