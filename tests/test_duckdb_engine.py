"""The DuckDB engine gives the NumPy engine's results.json, and refuses bad input clearly.

Every float of results.json equal to 1e-12 (the count table's score sums are added in a
different order), every count, label, flag and bootstrap draw identical; exact ranking
metrics are cross-checked against scikit-learn.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score, roc_auc_score
from typer.testing import CliRunner

from signoff.audit import audit
from signoff.cli import app
from signoff.config import config_from_mapping
from signoff.errors import DataError

pytest.importorskip("duckdb")

TOLERANCE = 1e-12


def _frame(seed: int, rows: int) -> pd.DataFrame:
    """Odd groups (one tiny, some one-class), nulls, tied scores, duplicate rows."""
    rng = np.random.default_rng(seed)
    region = rng.choice(
        np.array(["north", "south", "east", "tiny"]), rows, p=[0.5, 0.3, 0.19, 0.01]
    )
    y = (rng.random(rows) < 0.35).astype(np.int64)
    y[region == "east"] = 1  # a one-class group
    score = np.round(np.clip(rng.normal(0.3 + 0.35 * y, 0.22), 0, 1), int(rng.integers(1, 4)))
    sex = pd.array(rng.choice(np.array(["f", "m"]), rows), dtype=object)
    sex[rng.random(rows) < 0.05] = None
    grade = rng.integers(1, 4, rows).astype(float)
    grade[rng.random(rows) < 0.03] = np.nan
    age = rng.integers(18, 90, rows).astype(float)
    age[rng.random(rows) < 0.02] = np.nan
    note = rng.choice(np.array(["a", "b"]), rows)
    level = rng.normal(size=rows)
    level[rng.random(rows) < 0.1] = np.nan
    frame = pd.DataFrame(
        {
            "label": y,
            "score": score,
            "region": region,
            "sex": sex,
            "grade": grade,
            "age": age,
            "note": note,
            "level": level,
        }
    )
    return pd.concat([frame, frame.iloc[: rows // 20]], ignore_index=True)  # duplicates


def _config(path: str, engine: str, replicates: int = 60) -> dict[str, Any]:
    return {
        "data": {
            "path": path,
            "target": "label",
            "score_column": "score",
            "features": [],
            "engine": engine,
        },
        "protected_attributes": {
            "region": {"privileged": "north"},
            "sex": {},
            "grade": {},
            "age": {"bins": [0, 30, 60, 120], "labels": ["young", "mid", "old"]},
        },
        "intersections": [["region", "sex"], ["sex", "grade", "age"]],
        "bootstrap": {"replicates": replicates},
        "seed": 7,
    }


def _run(folder: Path, path: str, engine: str, **extra: Any) -> dict[str, Any]:
    config = _config(path, engine, **extra)
    file = folder / f"audit-{engine}.yaml"
    file.write_text(yaml.safe_dump(config))
    return audit(file).results


def _compare(a: Any, b: Any, path: str = "") -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict), path
        assert list(a) == list(b), path
        for key in a:
            _compare(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list), path
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _compare(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE), (path, a, b)
    else:
        assert a == b, (path, a, b)
        assert type(a) is type(b), (path, a, b)


def _write(frame: pd.DataFrame, path: Path) -> None:
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(60, 3000))
def test_duckdb_equals_numpy(tmp_path: Path, seed: int, rows: int) -> None:
    folder = tmp_path / f"{seed}-{rows}"
    folder.mkdir()
    _write(_frame(seed, rows), folder / "eval.parquet")
    numpy = _run(folder, "eval.parquet", "numpy")
    duck = _run(folder, "eval.parquet", "duckdb")
    _compare(numpy, duck)


def test_counts_and_intervals_identical(tmp_path: Path) -> None:
    """Counts, the confusion matrix and count-only intervals are equal bit for bit."""
    _write(_frame(3, 5000), tmp_path / "eval.parquet")
    numpy = _run(tmp_path, "eval.parquet", "numpy", replicates=200)
    duck = _run(tmp_path, "eval.parquet", "duckdb", replicates=200)
    assert numpy["confusion_matrix"] == duck["confusion_matrix"]
    assert numpy["data_quality"] == duck["data_quality"]
    for name, block in numpy["by_attribute"].items():
        for group, entry in block["groups"].items():
            other = duck["by_attribute"][name]["groups"][group]
            for metric in ("count", "selection_rate", "recall", "false_positive_rate", "roc_auc"):
                assert entry[metric] == other[metric], (name, group, metric)
        assert (
            block["demographic_parity_difference"]
            == (duck["by_attribute"][name]["demographic_parity_difference"])
        )
    assert numpy["data_quality"]["duplicate_rows"] > 0


def test_exact_ranking_metrics_match_scikit_learn(tmp_path: Path) -> None:
    frame = _frame(11, 4000)
    _write(frame, tmp_path / "eval.parquet")
    duck = _run(tmp_path, "eval.parquet", "duckdb", replicates=0)
    y, s = frame["label"].to_numpy(), frame["score"].to_numpy()
    assert duck["overall"]["roc_auc"]["value"] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert duck["overall"]["pr_auc"]["value"] == pytest.approx(
        average_precision_score(y, s), abs=1e-12
    )
    for region, rows in frame.groupby("region"):
        got = duck["by_attribute"]["region"]["groups"][region]["roc_auc"]["value"]
        labels = rows["label"].to_numpy()
        if labels.min() == labels.max():
            assert got is None
        else:
            assert got == pytest.approx(roc_auc_score(labels, rows["score"]), abs=1e-12)


def test_folder_and_glob_equal_one_file(tmp_path: Path) -> None:
    frame = _frame(5, 3000)
    _write(frame, tmp_path / "all.parquet")
    (tmp_path / "parts").mkdir()
    for i, start in enumerate(range(0, len(frame), 1000)):
        _write(frame.iloc[start : start + 1000], tmp_path / "parts" / f"part-{i}.parquet")
    whole = _run(tmp_path, "all.parquet", "numpy")
    for path in ("parts/part-*.parquet", "parts"):
        for engine in ("numpy", "duckdb"):
            _compare(whole, _run(tmp_path, path, engine))


def test_glob_matching_nothing(tmp_path: Path) -> None:
    (tmp_path / "audit.yaml").write_text(yaml.safe_dump(_config("none/*.parquet", "duckdb")))
    with pytest.raises(DataError, match=r"no \.csv or \.parquet file matches this path"):
        audit(tmp_path / "audit.yaml")
    result = CliRunner().invoke(app, ["audit", str(tmp_path / "audit.yaml"), "-o", "out"])
    assert result.exit_code == 3
    assert "none/*.parquet" in result.output
    assert "Traceback" not in result.output


def test_files_with_different_schemas_name_file_and_column(tmp_path: Path) -> None:
    frame = _frame(1, 400)
    (tmp_path / "parts").mkdir()
    _write(frame.iloc[:200], tmp_path / "parts" / "a.parquet")
    changed = frame.iloc[200:].assign(grade=frame["grade"].iloc[200:].astype(str))
    _write(changed, tmp_path / "parts" / "b.parquet")
    (tmp_path / "audit.yaml").write_text(yaml.safe_dump(_config("parts", "duckdb")))
    with pytest.raises(DataError) as caught:
        audit(tmp_path / "audit.yaml")
    text = str(caught.value)
    assert "b.parquet" in text
    assert "'grade'" in text
    assert "a.parquet" in text
    _write(frame.iloc[200:].drop(columns=["note"]), tmp_path / "parts" / "b.parquet")
    result = CliRunner().invoke(app, ["audit", str(tmp_path / "audit.yaml"), "-o", "out"])
    assert result.exit_code == 3, result.output
    assert "'note'" in result.output
    assert "b.parquet" in result.output


def test_bad_scores_name_file_and_row(tmp_path: Path) -> None:
    frame = _frame(2, 300)
    (tmp_path / "parts").mkdir()
    _write(frame.iloc[:150], tmp_path / "parts" / "a.parquet")
    bad = frame.iloc[150:].copy()
    bad.iloc[4, bad.columns.get_loc("score")] = 1.5
    _write(bad, tmp_path / "parts" / "b.parquet")
    (tmp_path / "audit.yaml").write_text(yaml.safe_dump(_config("parts", "duckdb")))
    with pytest.raises(DataError, match=r"first bad value at row 5\)") as caught:
        audit(tmp_path / "audit.yaml")
    assert str(caught.value.file).endswith("b.parquet")


def _proxy_frame(seed: int, rows: int) -> pd.DataFrame:
    """Every kind of feature column the proxy statistics meet."""
    frame = _frame(seed, rows)
    rng = np.random.default_rng(seed)
    n = len(frame)
    frame["count"] = rng.integers(0, 7, n)  # integers: η
    frame["same_as_region"] = frame["region"].map({"north": "n", "south": "s"})  # nulls: V
    frame["flag"] = rng.random(n) < 0.3  # booleans: V
    frame["id"] = [f"row{i}" for i in range(n)]  # one category per row
    frame["constant"] = 5.0  # η undefined
    frame["when"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**6, n), "s")
    frame["waited"] = pd.to_timedelta(rng.integers(0, 10**5, n), "s")  # durations: η
    frame["skewed"] = np.where(frame["region"] == "tiny", 1e9, rng.normal(size=n))
    return frame


@pytest.mark.parametrize("seed", [4, 5])
def test_proxy_statistics_equal_numpy(tmp_path: Path, seed: int) -> None:
    """Every feature column (no ``data.features``) against every attribute and
    intersection: the same measure and the same value as the NumPy path, to 1e-12."""
    _write(_proxy_frame(seed, 400), tmp_path / "eval.parquet")
    results = {}
    for engine in ("numpy", "duckdb"):
        config = _config("eval.parquet", engine, replicates=20)
        del config["data"]["features"]
        file = tmp_path / f"{engine}.yaml"
        file.write_text(yaml.safe_dump(config))
        results[engine] = audit(file).results
    proxies = results["duckdb"]["proxies"]
    features = {p["feature"] for p in proxies}
    assert features == {
        "note",
        "level",
        "count",
        "same_as_region",
        "flag",
        "id",
        "constant",
        "when",
        "waited",
        "skewed",
    }
    assert {p["feature"]: p["measure"] for p in proxies}["when"] == "correlation_ratio"
    assert {p["feature"]: p["measure"] for p in proxies}["flag"] == "cramers_v"
    pair = {(p["feature"], p["attribute"]): p["value"] for p in proxies}
    assert pair[("same_as_region", "region")] == pytest.approx(1.0, abs=1e-12)
    assert pair[("constant", "region")] is None
    _compare(results["numpy"], results["duckdb"])


def test_proxy_statistics_equal_numpy_on_csv(tmp_path: Path) -> None:
    frame = _proxy_frame(6, 300).drop(columns=["when", "flag", "waited"])
    frame.to_csv(tmp_path / "eval.csv", index=False)
    results = {}
    for engine in ("numpy", "duckdb"):
        config = _config("eval.csv", engine, replicates=20)
        del config["data"]["features"]
        file = tmp_path / f"{engine}.yaml"
        file.write_text(yaml.safe_dump(config))
        results[engine] = audit(file).results
    assert len(results["duckdb"]["proxies"]) == 7 * 6
    _compare(results["numpy"], results["duckdb"])


def test_model_scored_in_bounded_batches_equals_numpy(
    demo: Path, edit_config: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model file over Parquet parts: scored 64 rows at a time into Parquet, then
    counted by DuckDB; results.json equals the NumPy engine's (explainability aside:
    permutation importance needs the rows in memory), and the scoring bar counts rows."""
    from signoff.models import _batches

    monkeypatch.setattr(_batches, "BATCH_ROWS", 64)
    config = yaml.safe_load((demo / "audit.yaml").read_text())
    frame = pd.read_csv(demo / config["data"]["path"])
    (demo / "parts").mkdir()
    _write(frame.iloc[:130], demo / "parts" / "a.parquet")
    _write(frame.iloc[130:], demo / "parts" / "b.parquet")
    results, seen = {}, []
    for engine in ("numpy", "duckdb"):

        def change(data: dict[str, Any], engine: str = engine) -> None:
            data["data"]["path"] = "parts"
            data["data"]["engine"] = engine

        path = edit_config(demo, change)
        results[engine] = audit(path, progress=lambda *a: seen.append(a)).results
    scoring = [(done, total) for stage, done, total in seen if stage == "scoring"]
    assert len(scoring) == 6  # 64 + 64 + 2 rows, then 64 + 64 + 42
    assert scoring[-1] == (len(frame), len(frame))
    numpy_side, duck_side = results["numpy"], results["duckdb"]
    assert numpy_side["explainability"]["features"] is not None
    assert duck_side["explainability"]["features"] is None
    assert any("not computed by the duckdb engine" in w for w in duck_side["warnings"])
    assert duck_side["overall"].pop("protected_attribute_importance_rank")["value"] is None
    numpy_side["overall"].pop("protected_attribute_importance_rank")
    for key in numpy_side:
        if key not in ("explainability", "warnings"):
            _compare(numpy_side[key], duck_side[key], key)
    assert len(duck_side["proxies"]) > 10
    columns = duck_side["data_quality"]["column_quality"]
    assert "__signoff_score__" not in columns


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"engine": "spark", "score_column": None}, "data.engine spark audits scores already"),
    ],
)
def test_engine_config_refusals(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    config = _config("eval.parquet", "duckdb")
    config["data"].update(change)
    if change.get("score_column", "") is None:
        config["model"] = {"path": "model.skops"}  # a model to score, instead of scores
    (tmp_path / "audit.yaml").write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(app, ["audit", str(tmp_path / "audit.yaml"), "-o", "out"])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_extra_is_named(tmp_path: Path) -> None:
    """Without the duckdb package the engine says which extra to install (exit 2)."""
    _write(_frame(6, 100), tmp_path / "eval.parquet")
    (tmp_path / "audit.yaml").write_text(yaml.safe_dump(_config("eval.parquet", "duckdb")))
    script = (
        "import sys; sys.modules['duckdb'] = None\n"
        "from signoff.cli import main\n"
        f"sys.argv = ['signoff', 'audit', {str(tmp_path / 'audit.yaml')!r}, '-o', "
        f"{str(tmp_path / 'out')!r}]\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2, done.stderr
    assert "signoff[duckdb]" in done.stderr
    assert "Traceback" not in done.stderr


def test_auto_picks_numpy_within_the_budget(tmp_path: Path) -> None:
    from signoff import engines as _sources
    from signoff.audit._run import choose_engine

    _write(_frame(8, 100), tmp_path / "eval.parquet")
    source = _sources.find_source(tmp_path / "eval.parquet")
    config = config_from_mapping(_config("eval.parquet", "auto"))
    assert choose_engine(config, source) == "numpy"
    big = _sources.DataSource(source.path, source.files, "parquet", _sources.MEMORY_BUDGET + 1)
    assert choose_engine(config, big) == "duckdb"


def test_csv_through_duckdb_equals_numpy(tmp_path: Path) -> None:
    """DuckDB reads CSV too; with columns typed alike, the results are the same."""
    frame = _frame(9, 1500)
    frame.to_csv(tmp_path / "eval.csv", index=False)
    _compare(_run(tmp_path, "eval.csv", "numpy"), _run(tmp_path, "eval.csv", "duckdb"))


def test_bunched_scores_and_both_rank_sum_paths(tmp_path: Path) -> None:
    """Scores within 1e-9 of each other: the grid's slots cannot separate the edges, so the
    count table falls back to an ASOF join; and the dense and the sorted per-group rank
    sums of the stream agree with each other and with the NumPy path."""
    from signoff.audit import _duck_ranks
    from signoff.evidence import View

    frame = _frame(12, 2000)
    frame["score"] = 0.5 + np.random.default_rng(1).random(len(frame)).round(3) * 1e-9
    _write(frame, tmp_path / "eval.parquet")
    _compare(_run(tmp_path, "eval.parquet", "numpy"), _run(tmp_path, "eval.parquet", "duckdb"))

    rng = np.random.default_rng(3)
    s = np.sort(rng.integers(0, 50, 5000)).astype(np.float64)
    combo = rng.integers(0, 6, 5000)
    n = rng.integers(1, 4, 5000)
    pos = rng.binomial(n, 0.4)
    run = np.cumsum(np.concatenate(([True], s[1:] != s[:-1]))) - 1
    view = View("v", 3, None, np.array([0, 1, 2, 0, 1, 2]), None)
    dense = _duck_ranks._ViewSums(view, np.array([0, 1, 2, 0, 1, 2]))
    ranked = _duck_ranks._ViewSums(view, np.array([0, 1, 2, 0, 1, 2]))
    cut = int(np.searchsorted(s, s[2500]))  # batches end between distinct scores
    for part in (slice(0, cut), slice(cut, None)):
        g = dense.groups[combo[part]]
        dense._add_dense(
            g, n[part], pos[part], run[part] - run[part][0], int(np.ptp(run[part])) + 1
        )
        ranked._add_sorted(g, s[part], n[part], pos[part])
    np.testing.assert_array_equal(dense.twice, ranked.twice)
    np.testing.assert_array_equal(dense.seen, ranked.seen)
    rows = np.repeat(np.arange(5000), n)
    # What ``add`` chooses (these 50 distinct scores: the dense table), and the sorted
    # path with group codes of one and two bytes (radix sorts) give the same sums.
    chosen_path = _duck_ranks._ViewSums(view, np.array([0, 1, 2, 0, 1, 2]))
    for part in (slice(0, cut), slice(cut, None)):
        runs = int(np.ptp(run[part])) + 1
        chosen_path.add(s[part], combo[part], n[part], pos[part], run[part] - run[part][0], runs)
    np.testing.assert_array_equal(chosen_path.twice, dense.twice)
    wide = View("w", 300, None, np.arange(300), None)
    codes = rng.integers(0, 300, 5000)
    sums = []
    for kind in (np.int64, np.int16):
        each = _duck_ranks._ViewSums(wide, np.arange(300))
        for part in (slice(0, cut), slice(cut, None)):
            each._add_sorted(codes[part].astype(kind), s[part], n[part], pos[part])
        sums.append((each.twice, each.positives, each.seen))
    for a, b in zip(*sums, strict=True):
        np.testing.assert_array_equal(a, b)
    labels = np.concatenate(
        [np.r_[np.ones(p), np.zeros(k - p)] for p, k in zip(pos, n, strict=True)]
    )
    for group in range(3):
        mine = rows[np.isin(combo[rows], np.flatnonzero(view.mapping == group))]
        chosen = np.isin(rows, mine)
        expected = roc_auc_score(labels[chosen], s[rows][chosen])
        assert dense.auc()[group] == pytest.approx(expected, abs=1e-12)


def test_each_connection_spills_to_a_folder_of_its_own_removed_at_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Two processes spilling to one folder share DuckDB's spill file names, and the first
    to close removes the other's files: each connection gets its own folder, which DuckDB
    creates when it spills and removes when the connection closes."""
    import tempfile

    from signoff.engines import duckdb_connect

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    first, second = duckdb_connect(), duckdb_connect()
    folders = [
        Path(c.execute("SELECT current_setting('temp_directory')").fetchone()[0])
        for c in (first, second)
    ]
    assert folders[0] != folders[1]
    assert all(f.parent == tmp_path for f in folders)
    first.execute("SET memory_limit = '40MB'")
    spilled = first.execute(
        "SELECT count(*) FROM (SELECT x FROM range(10000000) t(x) ORDER BY x * 7 % 1000003)"
    ).fetchone()
    assert spilled == (10_000_000,)
    assert folders[0].is_dir()  # the one that spilled
    assert not folders[1].exists()
    first.close()
    second.close()
    assert list(tmp_path.iterdir()) == []
