"""``data.path`` as a URI (``hdfs://…``, ``s3a://…``, ``file:///…``): read by the spark
engine through the file system the scheme names, as a cluster reads shared storage.

This machine has no HDFS or object store; ``file://`` goes through the same code (Hadoop's
``FileSystem`` for the scheme, Spark listing the folder and reading its parts in tasks),
and a scheme with no file system shows what a cluster without, say, the S3 connector says.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import signoff
from signoff.config import config_from_mapping, is_uri
from signoff.errors import ConfigError, DataError

pytest.importorskip("pyspark", reason="the spark extra is not installed")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip(
        "Spark needs a Java runtime (Debian: openjdk-17-jre-headless; `make java-deps`)",
        allow_module_level=True,
    )

from test_spark_engine import _compare, _config, _frame, _run, _write


@pytest.fixture(scope="module")
def spark() -> Any:
    from signoff.engines import spark_quiet as quiet
    from signoff.engines import spark_session as session

    with quiet():
        return session()


def _parts(folder: Path, seed: int = 21, rows: int = 3000) -> Path:
    """A folder of three Parquet parts, as a cluster's job writes them."""
    parts = folder / "parts"
    parts.mkdir()
    frame = _frame(seed, rows)
    for i, rows_of in enumerate(np.array_split(np.arange(len(frame)), 3)):
        _write(frame.iloc[rows_of], parts / f"part-{i:05d}.parquet")
    _write(frame, folder / "whole.parquet")
    return parts


def _audit(folder: Path, path: str, engine: str) -> Any:
    """An audit through a config file, as ``_run`` writes it (the attributes' order, and
    so the bootstrap's draws for a seed, as there)."""
    (folder / "uri.yaml").write_text(yaml.safe_dump(_config(path, engine, replicates=200)))
    return signoff.audit(folder / "uri.yaml")


def test_which_paths_are_uris() -> None:
    assert is_uri("hdfs://namenode:8020/scores/2026-11")
    assert is_uri("s3a://bucket/scores/*.parquet")
    assert is_uri("file:///data/scores")
    assert not is_uri("scores/*.parquet")
    assert not is_uri("/data/scores.parquet")
    assert not is_uri("C:/data/scores.parquet")  # a drive letter, not a scheme
    assert not is_uri("s3a:/bucket/x")


def test_a_uri_is_not_joined_onto_the_configs_folder(tmp_path: Path) -> None:
    config = config_from_mapping(
        _config("s3a://bucket/scores", "spark"), base_dir=tmp_path / "configs"
    )
    assert config.data.path == "s3a://bucket/scores"
    local = config_from_mapping(_config("scores.parquet", "spark"), base_dir=tmp_path)
    assert local.data.path == str(tmp_path / "scores.parquet")


def test_a_folder_at_a_uri_equals_numpy_on_the_same_rows(spark: Any, tmp_path: Path) -> None:
    """``data.path: file:///…/parts`` with ``engine: auto`` (a URI goes to Spark): every
    number as the NumPy engine gives it on the whole file; the manifest records the URI
    and the DataFrame digest of its rows (the same however the rows are split)."""
    parts = _parts(tmp_path)
    uri = parts.as_uri()
    numpy = _run(tmp_path, "whole.parquet", "numpy", replicates=200)
    result = _audit(tmp_path, uri, "auto")
    _compare(numpy, result.results)
    assert numpy["confusion_matrix"] == result.results["confusion_matrix"]
    assert numpy["data_quality"] == result.results["data_quality"]
    entry = result.manifest["inputs"]["data"]
    assert entry["path"] == uri
    assert entry["rows"] == len(_frame(21, 3000))
    whole = spark.read.parquet(str(tmp_path / "whole.parquet")).repartition(5)
    document = _config("unused.parquet", "spark", replicates=0)
    assert (
        signoff.audit(document, data=whole).manifest["inputs"]["data"]["sha256"]
        == (entry["sha256"])
    )
    glob = _audit(tmp_path, f"{uri}/part-*.parquet", "spark")
    _compare(result.results, glob.results)
    assert glob.manifest["inputs"]["data"]["sha256"] == entry["sha256"]


def test_a_uri_needs_the_spark_engine_and_a_score_column(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"is a URI, which only the spark engine reads") as e:
        signoff.audit(_config("hdfs://namenode/scores", "duckdb"))
    assert "data.engine" in str(e.value)
    no_scores = _config("hdfs://namenode/scores", "auto")
    del no_scores["data"]["score_column"]
    no_scores["model"] = {"path": "model.skops"}
    with pytest.raises(ConfigError, match=r"set data\.score_column"):
        signoff.audit(no_scores)
    # from a config file: the error names the file and the line of the field
    file = tmp_path / "uri.yaml"
    file.write_text(yaml.safe_dump(_config("hdfs://namenode/scores", "duckdb")))
    with pytest.raises(ConfigError) as e:
        signoff.audit(file)
    line = next(n for n, t in enumerate(file.read_text().splitlines(), 1) if "engine:" in t)
    assert (e.value.file, e.value.line, e.value.field) == (str(file), line, "data.engine")


def test_data_that_cannot_be_read_at_a_uri_is_named(spark: Any, tmp_path: Path) -> None:
    """Nothing there, a scheme no file system serves, a part whose column has another
    type (found while a job reads it), NaN scores (the part and its row)."""
    missing = (tmp_path / "nothing-here").as_uri()
    with pytest.raises(DataError, match=r"Spark could not read .*Path does not exist") as e:
        signoff.audit(_config(missing, "spark"))
    assert missing in str(e.value)
    with pytest.raises(DataError, match=r'No FileSystem for scheme "nosuchfs"') as e:
        signoff.audit(_config("nosuchfs://bucket/scores", "spark"))
    assert "nosuchfs://bucket/scores" in str(e.value)
    with pytest.raises(DataError, match=r"hdfs://127\.0\.0\.1:1/scores: .*Connection refused"):
        signoff.audit(_config("hdfs://127.0.0.1:1/scores", "spark"))  # no namenode there

    parts = _parts(tmp_path)
    frame = _frame(21, 300)
    _write(frame.assign(score=frame["score"].astype(str)), parts / "part-00009.parquet")
    with pytest.raises(DataError, match=r"part-00009\.parquet.*\[score\]") as e:
        signoff.audit(_config(parts.as_uri(), "spark"))
    assert parts.as_uri() in str(e.value)
    (parts / "part-00009.parquet").unlink()

    broken = frame.copy()
    broken.loc[[4, 6], "score"] = np.nan
    _write(broken, parts / "part-00009.parquet")
    with pytest.raises(DataError, match=r"2 row\(s\) are missing or NaN \(first at row 5\)") as e:
        signoff.audit(_config(parts.as_uri(), "spark"))
    assert "part-00009.parquet" in str(e.value)


def test_the_cli_exits_3_naming_the_uri(spark: Any, cli: Any, tmp_path: Path) -> None:
    (tmp_path / "audit.yaml").write_text(yaml.safe_dump(_config("nosuchfs://b/x", "spark")))
    done = cli("audit", str(tmp_path / "audit.yaml"), "-o", str(tmp_path / "out"))
    assert done.exit_code == 3, done.output
    assert "nosuchfs://b/x" in done.output
    assert "Traceback" not in done.output
    assert not (tmp_path / "out").exists()


def test_a_dataframe_with_two_columns_of_one_name_is_refused(spark: Any) -> None:
    """A join's DataFrame may name two columns alike (or alike but for case, which Spark
    does not tell apart): refused, naming both positions, by the audit and the profile."""
    from pyspark.sql import functions as F

    from signoff.monitor import profile_spark
    from test_spark_monitor import SPEC

    rows = spark.range(10).select(
        F.col("id").alias("label"), F.lit(0.5).alias("score"), F.col("id").alias("Score")
    )
    with pytest.raises(DataError, match=r"columns 2 \('score'\) and 3 \('Score'\)") as e:
        signoff.audit(_config("unused.parquet", "spark"), data=rows)
    assert "<spark DataFrame>" in str(e.value)
    with pytest.raises(DataError, match=r"column 'score' is named twice in the schema"):
        profile_spark(
            spark.range(10).select(F.lit(0.5).alias("score"), F.lit(0.4).alias("score")), SPEC
        )
