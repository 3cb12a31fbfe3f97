"""The Spark engine gives the NumPy (and DuckDB) engine's results.json, and refuses bad input.

Spark runs in local mode (``local[2]``), one session for the module.  Every float of
results.json equal to 1e-12 (score sums are added in another order), every count, label,
flag and bootstrap draw identical; exact ranking metrics cross-checked with scikit-learn.
"""

from __future__ import annotations

import math
import os
import shutil
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

import signoff
from signoff.audit import audit
from signoff.errors import ConfigError, DataError
from spark_cluster import python_without

pytest.importorskip("pyspark", reason="the spark extra is not installed")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip(
        "Spark needs a Java runtime (Debian: openjdk-17-jre-headless; `make java-deps`)",
        allow_module_level=True,
    )

TOLERANCE = 1e-12


@pytest.fixture(scope="module")
def spark() -> Any:
    """One local session for the module (Spark's start-up is slow); its logs quiet."""
    from signoff.engines import spark_quiet as quiet
    from signoff.engines import spark_session as session

    with quiet():
        return session()


def _frame(seed: int, rows: int) -> pd.DataFrame:
    """Odd groups (one tiny, one one-class), nulls, tied scores, duplicate rows."""
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
            "note": rng.choice(np.array(["a", "b"]), rows),
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
    file = folder / f"audit-{engine}.yaml"
    file.write_text(yaml.safe_dump(_config(path, engine, **extra)))
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


def test_spark_equals_numpy_and_duckdb(spark: Any, tmp_path: Path) -> None:
    """One data set through the three engines: the same results.json; counts, data quality
    and count-only intervals bit for bit."""
    _write(_frame(3, 4000), tmp_path / "eval.parquet")
    numpy = _run(tmp_path, "eval.parquet", "numpy", replicates=200)
    on_spark = _run(tmp_path, "eval.parquet", "spark", replicates=200)
    _compare(numpy, on_spark)
    assert numpy["confusion_matrix"] == on_spark["confusion_matrix"]
    assert numpy["data_quality"] == on_spark["data_quality"]
    assert numpy["data_quality"]["duplicate_rows"] > 0
    for name, block in numpy["by_attribute"].items():
        for group, entry in block["groups"].items():
            other = on_spark["by_attribute"][name]["groups"][group]
            for metric in ("count", "selection_rate", "recall", "false_positive_rate", "roc_auc"):
                assert entry[metric] == other[metric], (name, group, metric)
    if pytest.importorskip("duckdb"):
        _compare(_run(tmp_path, "eval.parquet", "duckdb", replicates=200), on_spark)


def test_duration_columns_in_seconds_as_pandas_gives_them(spark: Any, tmp_path: Path) -> None:
    """Parquet durations (Spark reads their ticks as integers): min/max in seconds, as the
    NumPy and DuckDB engines report them."""
    frame = _frame(8, 600)
    rng = np.random.default_rng(8)
    waited = pd.to_timedelta(rng.integers(1, 10**5, len(frame)), "s")
    frame["waited"] = waited
    frame["latency"] = pd.to_timedelta(rng.integers(5, 900, len(frame)), "ms").astype(
        "timedelta64[ms]"
    )
    _write(frame, tmp_path / "eval.parquet")
    results = {e: _run(tmp_path, "eval.parquet", e) for e in ("numpy", "spark", "duckdb")}
    for engine, found in results.items():
        columns = found["data_quality"]["column_quality"]
        assert columns["waited"]["min"] == waited.min().total_seconds(), engine
        assert columns["waited"]["max"] == waited.max().total_seconds(), engine
        assert columns["latency"]["max"] == frame["latency"].max().total_seconds(), engine
    _compare(results["numpy"], results["spark"])
    _compare(results["duckdb"], results["spark"])


@settings(
    max_examples=3,  # Spark is slow: few examples, each a real run
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(40, 1500))
def test_spark_equals_numpy(spark: Any, tmp_path: Path, seed: int, rows: int) -> None:
    folder = tmp_path / f"{seed}-{rows}"
    folder.mkdir()
    _write(_frame(seed, rows), folder / "eval.parquet")
    _compare(_run(folder, "eval.parquet", "numpy"), _run(folder, "eval.parquet", "spark"))


def test_dataframe_through_the_python_api(spark: Any, tmp_path: Path) -> None:
    """``signoff.audit(config, data=spark_df)``: the Parquet path's results, and ranking
    metrics equal to scikit-learn's."""
    frame = _frame(11, 3000)
    _write(frame, tmp_path / "eval.parquet")
    from_files = _run(tmp_path, "eval.parquet", "spark", replicates=0)
    data = spark.read.parquet(str(tmp_path / "eval.parquet")).repartition(3)
    document = yaml.safe_load((tmp_path / "audit-spark.yaml").read_text())  # keys sorted
    document["data"].update({"path": "unused.parquet", "engine": "auto"})
    result = signoff.audit(document, data=data)
    _compare(from_files, result.results)
    entry = result.manifest["inputs"]["data"]
    assert entry["path"] == "<spark DataFrame>"
    assert entry["rows"] == len(frame)
    reordered = signoff.audit(document, data=data.orderBy("score"))
    assert reordered.manifest["inputs"]["data"]["sha256"] == entry["sha256"]
    y, s = frame["label"].to_numpy(), frame["score"].to_numpy()
    got = result.results
    assert got["overall"]["roc_auc"]["value"] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert got["overall"]["pr_auc"]["value"] == pytest.approx(
        average_precision_score(y, s), abs=1e-12
    )
    for region, rows in frame.groupby("region"):
        auc = got["by_attribute"]["region"]["groups"][region]["roc_auc"]["value"]
        labels = rows["label"].to_numpy()
        if labels.min() == labels.max():
            assert auc is None
        else:
            assert auc == pytest.approx(roc_auc_score(labels, rows["score"]), abs=1e-12)
    with pytest.raises(ConfigError, match=r"data\.engine is numpy"):
        signoff.audit(_config("unused.parquet", "numpy"), data=data)
    with pytest.raises(ConfigError, match="takes a Spark DataFrame"):
        signoff.audit(_config("unused.parquet", "spark"), data=frame)


def test_bad_input_names_file_column_and_row(spark: Any, tmp_path: Path) -> None:
    """A glob matching nothing, files whose schemas differ, CSV, NaN scores."""
    frame = _frame(5, 600)
    (tmp_path / "parts").mkdir()
    _write(frame.iloc[:300], tmp_path / "parts" / "a.parquet")
    other = frame.iloc[300:].assign(grade=frame["grade"].iloc[300:].astype(str))
    _write(other, tmp_path / "parts" / "b.parquet")
    with pytest.raises(DataError, match=r"no \.csv or \.parquet file matches") as nothing:
        _run(tmp_path, "none/*.parquet", "spark")
    assert "none/*.parquet" in str(nothing.value)
    with pytest.raises(
        DataError,
        match=r"column 'grade' has the type (large_)?string here but double in a\.parquet",
    ) as mixed:
        _run(tmp_path, "parts/*.parquet", "spark")
    assert "b.parquet" in str(mixed.value)
    frame.to_csv(tmp_path / "eval.csv", index=False)
    with pytest.raises(DataError, match="the spark engine reads Parquet files"):
        _run(tmp_path, "eval.csv", "spark")
    broken = frame.copy()
    broken.loc[[7, 9], "score"] = np.nan
    _write(broken, tmp_path / "nan.parquet")
    with pytest.raises(DataError, match=r"2 row\(s\) are missing or NaN \(first at row 8\)") as nan:
        _run(tmp_path, "nan.parquet", "spark")
    assert "nan.parquet" in str(nan.value)
    assert "data.score_column" in str(nan.value)


def _cli(tmp_path: Path, script: str, **env: str) -> subprocess.CompletedProcess[str]:
    _write(_frame(6, 100), tmp_path / "eval.parquet")
    (tmp_path / "audit.yaml").write_text(yaml.safe_dump(_config("eval.parquet", "spark")))
    code = (
        "import sys\n" + script + "from signoff.cli import main\n"
        f"sys.argv = ['signoff', 'audit', {str(tmp_path / 'audit.yaml')!r}, '-o', "
        f"{str(tmp_path / 'out')!r}]\n"
        "main()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
        timeout=300,
    )


def test_missing_extra_is_named(tmp_path: Path) -> None:
    """Without pyspark the engine says which extra to install (exit 2)."""
    done = _cli(tmp_path, "sys.modules['pyspark'] = None\n")
    assert done.returncode == 2, done.stderr
    assert "signoff[spark]" in done.stderr
    assert "Traceback" not in done.stderr


def test_session_that_cannot_start_says_why(tmp_path: Path) -> None:
    """No Java runtime: exit 3 (the data cannot be read), saying why and what to install."""
    done = _cli(tmp_path, "", JAVA_HOME=str(tmp_path / "no-java"), PATH="/nonexistent")
    assert done.returncode == 3, done.stderr
    assert "could not start a Spark session (master 'local[2]')" in done.stderr
    assert "openjdk-17-jre-headless" in done.stderr
    assert "Traceback" not in done.stderr


def test_workers_that_cannot_import_say_what_to_install(tmp_path: Path) -> None:
    """Spark's Python workers without signoff (local mode does not ship it), asked for a
    monitoring profile (each partition's is computed by signoff's code on the workers):
    an InputError (exit 3) naming the module and what the workers' Python needs — not an
    internal error."""
    code = (
        "import sys\n"
        "sys.path.insert(0, 'tests')\n"
        "import pyarrow as pa\n"
        "from signoff.engines import spark_session\n"
        "from signoff.errors import InputError\n"
        "from signoff.monitor import profile_spark\n"
        "from test_spark_monitor import SPEC, _batch\n"
        "spark = spark_session()\n"
        "rows = spark.createDataFrame(pa.Table.from_pandas(_batch(1, 200), preserve_index=False))\n"
        "try:\n"
        "    profile_spark(rows, SPEC, label_column='y')\n"
        "except InputError as exc:\n"
        "    print('EXIT', exc.exit_code, exc)\n"
    )
    python = python_without(tmp_path / "workers", "signoff")
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parent.parent,
        env={**os.environ, "PYSPARK_PYTHON": python},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    flat = " ".join(done.stdout.split())
    assert "EXIT 3 the Spark executors' Python could not import 'signoff'" in flat
    assert "PYSPARK_PYTHON" in flat
    # the session signoff started logs errors only: none of Spark's start-up chatter
    assert "log4j profile" not in done.stderr
    assert " WARN " not in done.stderr
    assert "Setting default log level" not in done.stderr


def test_partitioned_rank_sums_equal_window_functions(spark: Any) -> None:
    """The rank sums merged from score ranges equal those of a window per group, and
    scikit-learn's AUC, on ties spread over many small partitions."""
    from pyspark.sql import functions as F

    from signoff.audit import _spark_auc, _spark_ranks
    from signoff.engines import spark_quiet as quiet
    from signoff.evidence import View

    rng = np.random.default_rng(4)
    rows = 4000
    s = rng.integers(0, 60, rows) / 59.0  # heavy ties
    k = rng.integers(0, 6, rows)
    y = (rng.random(rows) < 0.3 + 0.4 * s).astype(np.int64)
    y[k == 5] = 1  # a one-class combination
    data = spark.createDataFrame(pa.table({"k": k, "s": s, "y": y}))
    agg = data.groupBy("k", "s").agg({"*": "count", "y": "sum"})
    agg = agg.withColumnRenamed("count(1)", "n").withColumnRenamed("sum(y)", "pos")
    combos = np.arange(6)
    views = [
        View("pairs", 3, None, np.array([0, 0, 1, 1, 2, 2]), None),
        View("all", 1, None, np.zeros(6, dtype=np.intp), None),
        View("odd", 2, None, np.array([0, 1, 0, 1, 0, 1]), None),
    ]
    groups = {view.name: view.mapping.astype(np.int64) for view in views}
    ranged = (
        data.repartitionByRange(_spark_ranks.RANGE_PARTITIONS, "s")
        .groupBy("k", "s")
        .agg(F.count(F.lit(1)).alias("n"), F.sum("y").alias("pos"))
    )
    with quiet():
        merged = _spark_auc.rank_sums(agg, combos, views, groups)
        windows = _spark_auc.rank_sums_by_windows(agg, combos, views, groups)
        # agg's own score ranges; and told so wrongly (hash partitions overlap): the same.
        on_ranges = _spark_auc.rank_sums(ranged, combos, views, groups, ranged=True)
        told_wrongly = _spark_auc.rank_sums(agg, combos, views, groups, ranged=True)
    assert ranged.rdd.getNumPartitions() == _spark_ranks.RANGE_PARTITIONS
    for view in views:
        np.testing.assert_array_equal(merged[view.name], windows[view.name])
        np.testing.assert_array_equal(on_ranges[view.name], windows[view.name])
        np.testing.assert_array_equal(told_wrongly[view.name], windows[view.name])
        for group in range(view.n_groups):
            chosen = view.mapping[k] == group
            labels = y[chosen]
            if labels.min() == labels.max():
                assert np.isnan(merged[view.name][group])
            else:
                expected = roc_auc_score(labels, s[chosen])
                assert merged[view.name][group] == pytest.approx(expected, abs=1e-12)


def test_runs_by_score_ranges_equal_one_window_and_numpy(spark: Any) -> None:
    """The runs of tied scores from per-range windows shifted by the ranges below equal one
    window over every score, and NumPy's cumulative sums over the sorted distinct scores."""
    from pyspark.sql import functions as F

    from signoff.audit import _spark_ranks
    from signoff.engines import spark_quiet as quiet

    rng = np.random.default_rng(11)
    rows = 5000
    s = rng.integers(0, 700, rows) / 699.0
    y = (rng.random(rows) < s).astype(np.int64)
    k = rng.integers(0, 4, rows)
    data = spark.createDataFrame(pa.table({"k": k, "s": s, "y": y})).repartition(5)
    agg = data.groupBy("k", "s").agg({"*": "count", "y": "sum"})
    agg = agg.withColumnRenamed("count(1)", "n").withColumnRenamed("sum(y)", "pos")
    values, inverse = np.unique(s, return_inverse=True)
    n = np.bincount(inverse)
    wanted = np.array([0, 1, 17, rows // 2, rows - 2, rows - 1])
    with quiet():
        runs = _spark_ranks.runs_of(agg)
        assert runs.rdd.getNumPartitions() > 1
        ranged = runs.orderBy("s").toArrow()
        order = _spark_ranks.order_statistics(runs, wanted)  # runs come back unordered
        runs.unpersist()
        single = _spark_ranks.runs_by_one_window(agg).orderBy("s").toArrow()
        by_range = (
            data.repartitionByRange(_spark_ranks.RANGE_PARTITIONS, "s")
            .groupBy("k", "s")
            .agg(F.count(F.lit(1)).alias("n"), F.sum("y").alias("pos"))
        )
        own = _spark_ranks.runs_of(by_range, ranged=True).orderBy("s").toArrow()
        wrong = _spark_ranks.runs_of(agg, ranged=True).orderBy("s").toArrow()  # falls back
    assert ranged.to_pydict() == single.to_pydict()
    assert own.to_pydict() == single.to_pydict()
    assert wrong.to_pydict() == single.to_pydict()
    assert [order[int(r)] for r in wanted] == np.sort(s)[wanted].tolist()
    pos = np.bincount(inverse, weights=y).astype(np.int64)
    assert ranged.column("s").to_numpy().tolist() == values.tolist()
    assert ranged.column("below").to_numpy().tolist() == (np.cumsum(n) - n).tolist()
    assert ranged.column("pos_below").to_numpy().tolist() == (np.cumsum(pos) - pos).tolist()
    assert ranged.column("run").to_numpy().tolist() == list(range(len(values)))


def test_proxy_statistics_equal_numpy(spark: Any, tmp_path: Path) -> None:
    """Every feature column against every attribute and intersection on Spark: the NumPy
    path's measure and value (to 1e-12), the whole results.json too."""
    from test_duckdb_engine import _proxy_frame

    _write(_proxy_frame(4, 400), tmp_path / "eval.parquet")
    results = {}
    for engine in ("numpy", "spark"):
        config = _config("eval.parquet", engine, replicates=20)
        del config["data"]["features"]
        file = tmp_path / f"{engine}.yaml"
        file.write_text(yaml.safe_dump(config))
        results[engine] = audit(file).results
    proxies = results["spark"]["proxies"]
    measures = {p["feature"]: p["measure"] for p in proxies}
    assert measures["when"] == measures["waited"] == measures["level"] == "correlation_ratio"
    assert measures["flag"] == measures["id"] == "cramers_v"
    assert len(proxies) == len(results["numpy"]["proxies"]) > 0
    _compare(results["numpy"], results["spark"])
