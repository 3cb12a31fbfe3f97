"""Monitoring profiles on Spark: partitions profiled apart and merged equal the whole.

``profile(partition A) + profile(partition B) == profile(A ∪ B)`` on Spark partitions,
and equal to the in-memory profile of the same rows (every count and key exactly; the
sums of dyadic values exactly; log-loss sums to 1e-12).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from signoff.errors import DataError
from signoff.monitor import (
    AttributeSpec,
    make_spec,
    merge_profiles,
    profile_frame,
    profile_spark,
    profile_to_dict,
    run_monitor,
)
from signoff.monitor._counts import UNLABELLED

pytest.importorskip("pyspark", reason="the spark extra is not installed")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip(
        "Spark needs a Java runtime (Debian: openjdk-17-jre-headless; `make java-deps`)",
        allow_module_level=True,
    )

REFERENCE = pd.DataFrame(
    {
        "x": np.arange(64) / 8.0,
        "k": np.tile(["a", "b", "c", "d"], 16).astype(object),
        "sex": np.tile(["f", "m"], 32).astype(object),
        "age": np.arange(64) % 70 + 18,
        "score": (np.arange(64) % 16) / 16.0,
    }
)
SPEC = make_spec(
    REFERENCE,
    features=["x", "k"],
    score="score",
    attributes=(
        AttributeSpec("sex", "sex"),
        AttributeSpec("age", "age", (0, 30, 120), ("young", "old")),
    ),
)


@pytest.fixture(scope="module")
def spark() -> Any:
    from signoff.engines import spark_quiet as quiet
    from signoff.engines import spark_session as session

    with quiet():
        return session()


def _batch(seed: int, rows: int) -> pd.DataFrame:
    """Dyadic values (exact partial sums), nulls, unseen categories, every label state."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-80, 160, rows) / 8.0
    x[rng.random(rows) < 0.1] = np.nan
    k = pd.array(rng.choice(np.array(["a", "b", "c", "d", "zz", "new"]), rows), dtype=object)
    k[rng.random(rows) < 0.05] = None
    sex = pd.array(rng.choice(np.array(["f", "m", "x"]), rows), dtype=object)
    sex[rng.random(rows) < 0.05] = None
    age = rng.integers(0, 150, rows).astype(float)
    age[rng.random(rows) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "x": x,
            "k": k,
            "sex": sex,
            "age": age,
            "score": rng.integers(0, 17, rows) / 16.0,
            "y": rng.choice(np.array([0, 1, UNLABELLED], dtype=np.int8), rows),
        }
    )


def _same(a: Any, b: Any) -> None:
    left, right = profile_to_dict(a), profile_to_dict(b)
    ll_left, ll_right = left["table"].pop("ll"), right["table"].pop("ll")
    assert left == right
    assert np.allclose(np.asarray(ll_left), np.asarray(ll_right), rtol=1e-12, atol=1e-12)


def test_partitions_merge_to_the_whole_and_to_numpy(spark: Any) -> None:
    rows = _batch(1, 3000)
    whole = spark.createDataFrame(pa.Table.from_pandas(rows, preserve_index=False))
    part_a = whole.where("y = 0").repartition(3)
    part_b = whole.where("y != 0").repartition(2)
    on_spark = profile_spark(whole.repartition(4), SPEC, label_column="y")
    merged = merge_profiles(
        profile_spark(part_a, SPEC, label_column="y"),
        profile_spark(part_b, SPEC, label_column="y"),
    )
    union = profile_spark(part_a.union(part_b), SPEC, label_column="y")
    in_memory = profile_frame(
        rows.drop(columns=["y"]), SPEC, labels=rows["y"].to_numpy(dtype=np.int8)
    )
    assert on_spark.rows == 3000
    _same(merged, union)
    _same(union, in_memory)
    _same(on_spark, in_memory)
    unlabelled = profile_spark(whole.drop("y"), SPEC)
    _same(unlabelled, profile_frame(rows.drop(columns=["y"]), SPEC))
    with pytest.raises(DataError, match="label column 'label' is not in the DataFrame"):
        profile_spark(whole, SPEC, label_column="label")


def test_monitor_run_on_spark_equals_numpy(spark: Any, tmp_path: Path) -> None:
    """``data.engine: spark``: the windows of a folder of Parquet files, as in memory."""
    from test_monitor_engines import TODAY, _compare, _frame, _measured, _project

    batch = pd.concat([_frame(2, 2500), _frame(3, 2500, shift=0.4)], ignore_index=True)
    (tmp_path / "parts").mkdir()
    for i in range(2):
        part = batch.iloc[i * 2500 : (i + 1) * 2500]
        part.to_parquet(tmp_path / "parts" / f"part-{i}.parquet", index=False)
    runs = {
        engine: run_monitor(_project(tmp_path, engine=engine, path="parts"), today=TODAY)
        for engine in ("numpy", "spark")
    }
    assert runs["spark"].document["batch"]["engine"] == "spark"
    _compare(_measured(runs["spark"].document), _measured(runs["numpy"].document))
    for a, b in zip(runs["spark"].profiles, runs["numpy"].profiles, strict=True):
        _compare(profile_to_dict(a), profile_to_dict(b))
    assert [p["column"] for p in runs["spark"].document["windows"][0]["quality"]["pii"]] == [
        "contact"
    ]
    late = _frame(9, 300)
    late.loc[77, "scored_at"] = "yesterday"
    late.to_parquet(tmp_path / "late.parquet", index=False)
    with pytest.raises(
        DataError, match=re.escape("cannot read 'yesterday' as a timestamp (row 78")
    ):
        run_monitor(_project(tmp_path, engine="spark", path="late.parquet"), today=TODAY)
    late.to_csv(tmp_path / "late.csv", index=False)
    with pytest.raises(DataError, match="the spark engine reads Parquet files"):
        run_monitor(_project(tmp_path, engine="spark", path="late.csv"), today=TODAY)


def _read_from(document: dict[str, Any]) -> dict[str, Any]:
    """What is measured, but where the batch was read from and its digest (a file's
    bytes, or a URI's rows)."""
    from test_monitor_engines import _measured

    out = _measured(document)
    out["batch"] = {k: v for k, v in out["batch"].items() if k not in ("path", "sha256")}
    return out


def test_a_batch_at_a_uri_is_read_by_spark(spark: Any, tmp_path: Path) -> None:
    """``data.path: file:///…/parts`` (or ``--batch`` a URI): the windows of the folder
    read by path; the record names the URI with the digest of its rows; a URI with
    nothing there is named (exit 3)."""
    from signoff.engines import spark_frame_digest
    from test_monitor_engines import TODAY, _compare, _frame, _measured, _project

    batch = pd.concat([_frame(4, 1500), _frame(5, 1500, shift=0.4)], ignore_index=True)
    (tmp_path / "parts").mkdir()
    for i in range(2):
        part = batch.iloc[i * 1500 : (i + 1) * 1500]
        part.to_parquet(tmp_path / "parts" / f"part-{i}.parquet", index=False)
    uri = (tmp_path / "parts").as_uri()
    by_path = run_monitor(_project(tmp_path, engine="spark", path="parts"), today=TODAY)
    by_uri = run_monitor(_project(tmp_path, engine="auto", path=uri), today=TODAY)
    assert by_uri.document["batch"]["engine"] == "spark"
    assert by_uri.document["batch"]["path"] == uri
    whole = spark.read.parquet(str(tmp_path / "parts")).repartition(3)
    assert by_uri.document["batch"]["sha256"] == spark_frame_digest(whole)
    _compare(_read_from(by_uri.document), _read_from(by_path.document))
    config = _project(tmp_path, engine="spark", path="parts")
    again = run_monitor(config, uri, today=TODAY)  # --batch
    _compare(_measured(again.document), _measured(by_uri.document))
    missing = (tmp_path / "nothing").as_uri()
    with pytest.raises(DataError, match="Path does not exist") as nothing:
        run_monitor(config, missing, today=TODAY)
    assert missing in str(nothing.value)


def test_late_labels_on_spark_equal_numpy(spark: Any, tmp_path: Path) -> None:
    """``--labels`` joined by Spark (a Parquet labels file, and a CSV one read by pandas)."""
    from test_monitor_engine_labels import late_labels
    from test_monitor_engines import TODAY, _compare, _frame, _measured, _project

    batch = pd.concat([_frame(2, 2000), _frame(3, 2000, shift=0.4)], ignore_index=True)
    batch.to_parquet(tmp_path / "batch.parquet", index=False)
    labels = late_labels(batch, 11)
    labels.to_parquet(tmp_path / "labels.parquet", index=False)
    labels.to_csv(tmp_path / "labels.csv", index=False)
    for name in ("labels.parquet", "labels.csv"):
        runs = {
            engine: run_monitor(
                _project(tmp_path, engine=engine), labels_path=tmp_path / name, today=TODAY
            )
            for engine in ("numpy", "spark")
        }
        assert runs["spark"].document["labels"]["unmatched_labels"] == 50
        _compare(_measured(runs["spark"].document), _measured(runs["numpy"].document))
        for a, b in zip(runs["spark"].profiles, runs["numpy"].profiles, strict=True):
            _compare(profile_to_dict(a), profile_to_dict(b))
    repeated = pd.concat([labels, labels.iloc[[3]]], ignore_index=True)
    repeated.to_parquet(tmp_path / "repeated.parquet", index=False)
    with pytest.raises(DataError, match=re.escape(f"prediction id {int(labels['id'][3])} has 2")):
        run_monitor(
            _project(tmp_path, engine="spark"),
            labels_path=tmp_path / "repeated.parquet",
            today=TODAY,
        )


def test_baseline_on_spark_equals_numpy(spark: Any, tmp_path: Path) -> None:
    """The reference (a folder of Parquet files) profiled by Spark: the in-memory baseline."""
    from test_monitor_engine_baseline import _config, reference_frame, same_baseline

    ref = reference_frame(31, 4000)
    ref.to_parquet(tmp_path / "reference.parquet", index=False)
    (tmp_path / "parts").mkdir()
    for i in range(3):
        ref.iloc[i * 1500 : (i + 1) * 1500].to_parquet(tmp_path / "parts" / f"r{i}.parquet")
    from signoff.monitor._baseline import build_baseline

    numpy_base = build_baseline(_config(tmp_path, "numpy", "reference.parquet"))
    spark_base = build_baseline(_config(tmp_path, "spark", "parts"))
    same_baseline(spark_base, numpy_base)
    assert spark_base.profile.rows == 4000
