"""The Spark engine on a standalone cluster (a master and a worker on this machine): the
same results.json and monitoring profiles as NumPy.

Local mode runs tasks inside the driver's JVM; here they run in an executor JVM the
worker launches, so whatever the engine ships to its tasks is serialised, and every
partial count table and profile comes back over the network to be merged on the driver
(``SIGNOFF_SPARK_MASTER`` names the cluster).  Each Spark run is its own process: a
process holds one Spark session, and other test modules hold a local one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from signoff.audit import audit

pytest.importorskip("pyspark", reason="the spark extra is not installed")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip(
        "Spark needs a Java runtime (Debian: openjdk-17-jre-headless; `make java-deps`)",
        allow_module_level=True,
    )

from signoff.monitor import profile_frame, profile_to_dict
from spark_cluster import Cluster, python_without, standalone_cluster
from test_spark_engine import _compare, _config, _frame, _write
from test_spark_monitor import SPEC, _batch

pytestmark = pytest.mark.slow
TESTS = Path(__file__).parent


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with standalone_cluster(tmp_path_factory.mktemp("spark-cluster")) as running:
        yield running


def _on_cluster(
    cluster: Cluster, code: str, cwd: Path, python: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={
            **os.environ,
            "SIGNOFF_SPARK_MASTER": cluster.url,
            "PYSPARK_PYTHON": python,
            "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        },
        timeout=900,
    )


@pytest.fixture(scope="module")
def executor_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A Python for the executors with signoff's dependencies but not signoff."""
    return python_without(tmp_path_factory.mktemp("executor-python"), "signoff")


def test_the_executors_python_has_no_signoff(executor_python: str) -> None:
    """The check the cluster tests rest on: signoff's dependencies import there, signoff
    does not (the code the executors run is the zip the driver ships)."""
    deps = "import numpy, pandas, pyarrow, pydantic, pyspark"
    assert subprocess.run([executor_python, "-c", deps], check=False).returncode == 0
    done = subprocess.run(
        [executor_python, "-c", "import signoff"], capture_output=True, text=True, check=False
    )
    assert "No module named 'signoff'" in done.stderr


def _executors_launched(cluster: Cluster) -> int:
    return (
        (cluster.logs / "worker.log").read_text(errors="replace").count("Asked to launch executor")
    )


#: One driver for both checks (a Spark driver and its executor take half a minute to
#: start here): the audit of a folder of Parquet parts, then monitoring profiles.
ON_CLUSTER = """
import json
import pyarrow as pa
import signoff
from signoff.engines import spark_session
from signoff.monitor import merge_profiles, profile_spark, profile_to_dict
from test_spark_monitor import SPEC, _batch

results = signoff.audit("spark.yaml").results
at_uri = signoff.audit("uri.yaml")
spark = spark_session()
rows = _batch(1, 3000)
whole = spark.createDataFrame(pa.Table.from_pandas(rows, preserve_index=False))
part_a = whole.where("y = 0").repartition(3)
part_b = whole.where("y != 0").repartition(2)
merged = merge_profiles(
    profile_spark(part_a, SPEC, label_column="y"), profile_spark(part_b, SPEC, label_column="y")
)
whole_profile = profile_spark(whole.repartition(4), SPEC, label_column="y")
print(json.dumps({
    "master": spark.sparkContext.master,
    "python": spark.sparkContext.pythonExec,
    "results": results,
    "uri": {"results": at_uri.results, "path": at_uri.manifest["inputs"]["data"]["path"]},
    "merged": profile_to_dict(merged),
    "whole": profile_to_dict(whole_profile),
}))
"""


@pytest.fixture(scope="module")
def on_cluster(
    cluster: Cluster, executor_python: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """What the cluster computed, the executors it launched meanwhile, and the NumPy
    engine's results.json on the same rows."""
    folder = tmp_path_factory.mktemp("on-cluster")
    frame = _frame(21, 6000)
    parts = folder / "parts"
    parts.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(frame)), 3)):
        _write(frame.iloc[part], parts / f"part-{i}.parquet")
    _write(frame, folder / "whole.parquet")
    (folder / "numpy.yaml").write_text(
        yaml.safe_dump(_config("whole.parquet", "numpy", replicates=200))
    )
    (folder / "spark.yaml").write_text(yaml.safe_dump(_config("parts", "spark", replicates=200)))
    uri = _config(parts.as_uri(), "auto", replicates=200)
    (folder / "uri.yaml").write_text(yaml.safe_dump(uri))
    launched = _executors_launched(cluster)
    done = _on_cluster(cluster, ON_CLUSTER, folder, executor_python)
    assert done.returncode == 0, done.stderr[-3000:]
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    found["numpy"] = audit(folder / "numpy.yaml").results
    found["parts"] = parts.as_uri()
    found["executor_python"] = executor_python
    found["executors"] = _executors_launched(cluster) - launched
    return found


def test_audit_on_a_cluster_equals_numpy(cluster: Cluster, on_cluster: dict[str, Any]) -> None:
    """``data.engine: spark`` against the cluster, on a folder of Parquet parts (named by
    its path, and by a ``file://`` URI the executors read through Hadoop's file system):
    every number of results.json as the NumPy engine gives it (floats to 1e-12; counts,
    data quality and bootstrap draws exactly), the work done by an executor the worker
    launched, not by the driver, whose Python has no signoff: the driver ships its own
    (``ship_code``), so the cluster's machines need only signoff's dependencies."""
    assert on_cluster["master"] == cluster.url
    assert on_cluster["python"] == on_cluster["executor_python"]
    numpy, on_spark = on_cluster["numpy"], on_cluster["results"]
    for found in (on_spark, on_cluster["uri"]["results"]):
        _compare(numpy, found)
        assert numpy["confusion_matrix"] == found["confusion_matrix"]
        assert numpy["data_quality"] == found["data_quality"]
    assert on_cluster["uri"]["path"] == on_cluster["parts"]
    assert on_cluster["executors"] >= 1
    finished = _completed(cluster)
    assert finished
    assert all(app["cores"] > 0 for app in finished)


def _completed(cluster: Cluster, wait: float = 60.0) -> list[dict[str, Any]]:
    """The master's finished applications, once it has noticed the driver ended (it
    hears of it over the network, a moment after the driver's process is gone)."""
    deadline = time.monotonic() + wait
    while not (found := cluster.status()["completedapps"]) and time.monotonic() < deadline:
        time.sleep(0.5)
    return list(found)


def _same(a: dict[str, Any], b: dict[str, Any]) -> None:
    left, right = json.loads(json.dumps(a)), json.loads(json.dumps(b))
    ll_left, ll_right = left["table"].pop("ll"), right["table"].pop("ll")
    assert left == right
    assert np.allclose(np.asarray(ll_left), np.asarray(ll_right), rtol=1e-12, atol=1e-12)


def test_monitoring_profiles_on_a_cluster_merge_to_the_whole_and_to_numpy(
    on_cluster: dict[str, Any],
) -> None:
    """``profile(A) + profile(B) == profile(A ∪ B)`` with the partitions profiled by the
    cluster's executor, and both equal to the in-memory profile of the same rows."""
    rows = _batch(1, 3000)
    in_memory = profile_to_dict(
        profile_frame(rows.drop(columns=["y"]), SPEC, labels=rows["y"].to_numpy(dtype=np.int8))
    )
    _same(on_cluster["merged"], on_cluster["whole"])
    _same(on_cluster["whole"], in_memory)
