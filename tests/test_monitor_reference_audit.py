"""``reference: {audit: latest}`` by ``data.engine``: the baseline of ``{path: FILE}``.

The audited evaluation set is found by its manifest's digest (one Parquet file, a
folder of parts, a CSV file or a glob of CSV files); only its schema is read to see
whether it holds the score column.  When it does not, the audited model scores it in
batches of ``signoff.models._batches.BATCH_ROWS`` rows (64 here) into a temporary
Parquet file — CSV files after DuckDB copied them to Parquet out of core, unless the
NumPy engine takes them on in memory.
Every baseline equals the one of ``reference: {path: …}`` on a file scored
independently (the model on the whole frame in memory), on NumPy and on DuckDB, and the
two engines equal each other: every edge, category, kind and count identical, every
sum to 1e-12.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import signoff
import signoff._monitoring_reference as monitoring_reference
from conftest import FakeClock
from governed import build_world
from signoff._monitoring_reference import (
    AUDIT_DATA_ELSEWHERE,
    AUDIT_DATA_MISSING,
    NO_AUDIT,
    reference,
)
from signoff.errors import ConfigError
from signoff.models import _batches, load_model, score_parquet
from signoff.monitor import profile_from_dict, profile_to_dict
from signoff.monitor._baseline import Baseline, build_baseline
from signoff.registry import VersionRef

pytest.importorskip("duckdb")

from test_monitor_engine_baseline import same_baseline

ROWS = 300  # the demo's holdout set
BATCH = 64
CONFIG = """\
model: fraud@{version}
reference: {reference}
columns: {{score: score, target: credit_risk}}
positive_label: 1
threshold: 0.5
features: [duration_months, credit_amount, age, checking_status, savings, housing, purpose]
protected_attributes:
  sex: {{privileged: male}}
  foreign_worker: {{}}
data: {{engine: {engine}}}
bootstrap: {{replicates: 20}}
"""
VERSIONS = {
    "1.0": ("data/holdout.parquet", "model"),  # scored by the audited model
    "2.0": ("data/parts", "model"),  # a folder of Parquet parts, audited by DuckDB
    "3.0": ("data/scored.parquet", "scores"),  # the scores are in the data
    "4.0": ("data/holdout.csv", "model"),  # CSV: copied to Parquet out of core, or NumPy
    "6.0": ("data/csv/part-*.csv", "model"),  # a glob of CSV files
}


def _audit(project: Path, version: str) -> Path:
    data, kind = VERSIONS[version]
    config = yaml.safe_load((project / "audit.yaml").read_text())
    config["data"]["path"] = data
    config["data"]["engine"] = "duckdb" if data == "data/parts" else "numpy"
    config["bootstrap"]["replicates"] = 20
    config["explain"] = {"permutation_repeats": 1, "max_rows": 100}
    if kind == "scores":
        del config["model"]
        config["data"]["score_column"] = "score"
    file = project / f"audit-{version}.yaml"
    file.write_text(yaml.safe_dump(config))
    out = project / "audits" / version
    signoff.audit(file).write(out)
    return out


@pytest.fixture(scope="module")
def project(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project, its holdout set as Parquet (whole, in parts, and scored by the
    model in memory), audited once per version of fraud in a SQLite registry."""
    folder = tmp_path_factory.mktemp("reference-audit") / "project"
    shutil.copytree(demo_template, folder)
    holdout = pd.read_csv(folder / "data" / "holdout.csv")
    assert len(holdout) == ROWS
    holdout.to_parquet(folder / "data" / "holdout.parquet", index=False)
    (folder / "data" / "parts").mkdir()
    holdout.iloc[:100].to_parquet(folder / "data" / "parts" / "a.parquet", index=False)
    holdout.iloc[100:].to_parquet(folder / "data" / "parts" / "b.parquet", index=False)
    (folder / "data" / "csv").mkdir()
    holdout.iloc[:150].to_csv(folder / "data" / "csv" / "part-1.csv", index=False)
    holdout.iloc[150:].to_csv(folder / "data" / "csv" / "part-2.csv", index=False)
    scored = holdout.copy()
    scored["score"] = load_model(folder / "model.skops").scores(holdout, positive_label=1)
    scored.to_parquet(folder / "data" / "scored.parquet", index=False)
    clock = FakeClock()
    home = folder / "registry"
    url = f"sqlite:///{home / 'signoff.db'}"
    with signoff.connect(url, artifacts=home / "artifacts", clock=clock) as api:
        build_world(api, clock, folder, {})
        for version in VERSIONS:
            ref = VersionRef("fraud", version)
            data, kind = VERSIONS[version]
            bound = {"model_file": folder / "model.skops"}
            if kind == "scores":  # a version known by its predictions alone
                bound = {"scores_file": folder / data}
            api.registry.add_version(ref, framework="sklearn", actor="alice", **bound)
            api.registry.attach_audit(ref, _audit(folder, version), actor="alice")
        api.registry.add_user("watcher", "watcher@example.org", ["monitor"], actor="admin")
    return folder


def _connect(project: Path) -> Any:
    home = project / "registry"
    return signoff.connect(
        f"sqlite:///{home / 'signoff.db'}", artifacts=home / "artifacts", create=False
    )


def _config(project: Path, version: str, engine: str, ref: str = "{audit: latest}") -> Path:
    file = project / f"monitor-{version}-{engine}-{'audit' if 'audit' in ref else 'path'}.yaml"
    file.write_text(CONFIG.format(version=version, reference=ref, engine=engine))
    return file


def _from_audit(
    project: Path, version: str, engine: str, seen: list[tuple[str, int, int]]
) -> tuple[Baseline, dict[str, Any]]:
    config = _config(project, version, engine)
    with _connect(project) as api:
        ref = VersionRef("fraud", version)
        with reference(api.registry, config, ref, lambda *a: seen.append(a)) as (path, shown):
            return build_baseline(config, reference=path), shown


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_scored_by_the_model_in_batches_equals_the_path_reference(
    project: Path, version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_batches, "BATCH_ROWS", BATCH)
    bases = {}
    for engine in ("numpy", "duckdb"):
        seen: list[tuple[str, int, int]] = []
        bases[engine], shown = _from_audit(project, version, engine, seen)
        assert shown["audit"] == int(version[0])
        assert shown["scored_by"] == load_model(project / "model.skops").sha256
        # One batch of at most 64 rows in memory: the bar moves by 64 (the last part's
        # rest), whatever the engine.
        parts = [ROWS] if version == "1.0" else [100, 200]
        expected, done = [], 0
        for rows in parts:
            for start in range(0, rows, BATCH):
                done += min(BATCH, rows - start)
                expected.append(("scoring", done, ROWS))
        assert seen == expected
        scored = _config(project, version, engine, "{path: data/scored.parquet}")
        same_baseline(bases[engine], build_baseline(scored))
        assert bases[engine].profile.rows == ROWS
    same_baseline(bases["numpy"], bases["duckdb"])


def test_scores_in_the_data_are_profiled_as_they_are(project: Path) -> None:
    for engine in ("numpy", "duckdb"):
        seen: list[tuple[str, int, int]] = []
        base, shown = _from_audit(project, "3.0", engine, seen)
        assert seen == []  # nothing scored
        assert "scored_by" not in shown
        assert shown["path"] == str(project / "data" / "scored.parquet")
        scored = _config(project, "3.0", engine, "{path: data/scored.parquet}")
        same_baseline(base, build_baseline(scored))


@pytest.mark.parametrize("version", ["4.0", "6.0"])
def test_a_csv_evaluation_set_is_scored_out_of_core_as_in_memory(
    project: Path, version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB (and NumPy past the memory budget) copy the CSV files to Parquet and
    score 64 rows at a time; NumPy within the budget scores the frame in memory.  Every
    baseline equals the one of the same data scored in memory as Parquet."""
    monkeypatch.setattr(_batches, "BATCH_ROWS", BATCH)
    path = _config(project, version, "numpy", "{path: data/scored.parquet}")
    expected = build_baseline(path)
    batches = [("scoring", min(done, ROWS), ROWS) for done in range(BATCH, ROWS + BATCH, BATCH)]
    read = [("reading CSV", 0, 1), ("reading CSV", 1, 1)]
    bases = {}
    for engine, budget, progress in [
        ("numpy", None, []),  # within the budget: in memory, no batches
        ("auto", 0, read + batches),  # past the budget: DuckDB's copy, then batches
        ("duckdb", None, read + batches),
    ]:
        if budget is not None:
            monkeypatch.setattr(monitoring_reference, "MEMORY_BUDGET", budget)
        seen: list[tuple[str, int, int]] = []
        bases[engine], shown = _from_audit(project, version, engine, seen)
        assert seen == progress, engine
        assert shown["scored_by"] == load_model(project / "model.skops").sha256
        assert shown["audit"] == list(VERSIONS).index(version) + 1
        same_baseline(bases[engine], expected)
        assert bases[engine].profile.rows == ROWS
    same_baseline(bases["numpy"], bases["duckdb"])


def test_monitor_baseline_stores_the_scored_reference(project: Path) -> None:
    """Through ``Signoff.monitor.baseline``: the stored profile is the path reference's."""
    config = _config(project, "1.0", "duckdb")
    seen: list[tuple[str, int, int]] = []
    with _connect(project) as api:
        record = api.monitor.baseline(config, actor="watcher", progress=lambda *a: seen.append(a))
    assert seen[-1] == ("scoring", ROWS, ROWS)
    assert record.rows == ROWS
    expected = build_baseline(_config(project, "1.0", "numpy", "{path: data/scored.parquet}"))
    stored = profile_to_dict(profile_from_dict(json.loads(record.profile_json)))
    from test_monitor_engines import _compare

    _compare(stored, profile_to_dict(expected.profile))


def test_an_evaluation_set_that_moved_is_named(project: Path, tmp_path: Path) -> None:
    moved = tmp_path / "project"
    shutil.copytree(project, moved)
    shutil.move(moved / "data" / "parts", moved / "data" / "elsewhere")
    with pytest.raises(ConfigError) as missing:
        _from_audit(moved, "2.0", "duckdb", [])
    assert missing.value.field == "reference.audit"
    head = AUDIT_DATA_MISSING.split("(sha256")[0].format(
        audit=2, ref="fraud@2.0", path="data/parts"
    )
    assert missing.value.message.startswith(head)
    assert str(moved / "data" / "parts") in missing.value.message


def test_an_empty_parquet_file_is_written_with_its_columns(project: Path, tmp_path: Path) -> None:
    """No rows: the scored file still has the columns and the score, so the profiler
    names an empty reference rather than a missing file."""
    import pyarrow.parquet as pq

    empty = tmp_path / "empty.parquet"
    pd.read_parquet(project / "data" / "holdout.parquet").iloc[:0].to_parquet(empty)
    out = tmp_path / "scored.parquet"
    model = load_model(project / "model.skops")
    assert score_parquet([empty], model, out, column="score", positive_label=1) == 0
    table = pq.read_table(out)
    assert table.num_rows == 0
    assert table.schema.names == [*pq.read_schema(empty).names, "score"]
    assert str(table.schema.field("score").type) == "double"


@pytest.mark.slow
def test_spark_profiles_the_scored_reference_as_numpy(project: Path) -> None:
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs a Java runtime (`make java-deps`)")
    for version in ("1.0", "4.0"):  # Parquet, and CSV copied to Parquet by DuckDB first
        seen: list[tuple[str, int, int]] = []
        spark, _ = _from_audit(project, version, "spark", seen)
        assert seen[-1] == ("scoring", ROWS, ROWS)
        assert (("reading CSV", 1, 1) in seen) == (version == "4.0")
        same_baseline(spark, _from_audit(project, version, "numpy", [])[0])


def test_a_version_without_an_audit_is_named(project: Path, tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(project, copy)
    with _connect(copy) as api:
        api.registry.add_version(
            VersionRef("fraud", "5.0"),
            framework="sklearn",
            scores_file=copy / "data" / "holdout.parquet",
            actor="alice",
        )
    with pytest.raises(ConfigError) as missing:
        _from_audit(copy, "5.0", "duckdb", [])
    assert missing.value.field == "reference.audit"
    assert missing.value.message == NO_AUDIT.format(ref="fraud@5.0")
    assert missing.value.exit_code == 2


@pytest.mark.parametrize("path", ["s3a://bank/scores/2026-11", "<spark DataFrame>"])
def test_an_audit_of_data_spark_read_is_named_as_such(tmp_path: Path, path: str) -> None:
    """An audit run on a URI or a DataFrame (the spark engine) names no file here: the
    reference cannot be found beside the config, and the message says so and what to
    give instead — not a list of nonsense paths tried."""
    entry = {"path": path, "sha256": "0" * 64}
    config = tmp_path / "monitor.yaml"
    with pytest.raises(ConfigError) as elsewhere:
        monitoring_reference._find(entry, config, 3, VersionRef("fraud", "7.0"), data=True)
    assert elsewhere.value.message == AUDIT_DATA_ELSEWHERE.format(
        audit=3, ref="fraud@7.0", path=path
    )
    assert elsewhere.value.field == "reference.audit"
    assert elsewhere.value.exit_code == 2
