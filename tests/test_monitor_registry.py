"""Monitoring in the registry through the Python API, on SQLite and PostgreSQL: who may
record, what must be in production, supersede, and tampering found by ``ledger verify``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from monitor_data import make_batch
from signoff.errors import ConfigError, LedgerVerificationError, WorkflowRefused
from signoff.workflow._monitor_types import NOT_IN_PRODUCTION, NOTHING_IN_PRODUCTION

CONFIG = """\
model: {model}
reference: {{path: reference.csv}}
columns: {{prediction_id: id, timestamp: scored_at, score: score, target: label}}
positive_label: 1
threshold: 0.5
protected_attributes:
  group: {{}}
window: 1d
policy: policy.yaml
actions:
  error: [notify, rollback]
bootstrap: {{replicates: 50}}
"""
POLICY = """\
policy_name: Drift
version: "1.0"
gates:
  - {name: Data drift, metric: drift_share, threshold: 0.1, comparison: less_than, severity: error}
"""


@pytest.fixture
def files(tmp_path: Path) -> Path:
    make_batch(3000, seed=1).drop(columns=["id"]).to_csv(tmp_path / "reference.csv", index=False)
    (tmp_path / "policy.yaml").write_text(POLICY)
    frame = make_batch(1500, seed=2, shifted=True)
    stamps = pd.Timestamp("2026-02-01T00:00:00Z") + pd.to_timedelta(np.arange(1500) * 100, unit="s")
    frame["scored_at"] = stamps.strftime("%Y-%m-%dT%H:%M:%SZ")
    frame.drop(columns=["label"]).to_csv(tmp_path / "batch.csv", index=False)
    frame[["id", "label"]].to_csv(tmp_path / "labels.csv", index=False)
    return tmp_path


def _config(files: Path, model: str = "fraud") -> Path:
    path = files / f"monitor-{model.replace('@', '-')}.yaml"
    path.write_text(CONFIG.format(model=model))
    return path


@pytest.fixture
def watched(world: Any, files: Path) -> Any:
    world.deployed("1.0")
    world.r.add_user("watcher", "watcher@example.org", ["monitor"], actor="admin")
    return world


def test_only_a_monitor_identity_records_and_the_refusal_is_ledgered(watched: Any, files: Path):
    api = watched.api
    with pytest.raises(WorkflowRefused) as refused:
        api.monitor.run(_config(files), files / "batch.csv", actor="olga")
    assert refused.value.exit_code == 4
    assert "olga does not hold the monitor role" in refused.value.message
    assert api.workflow.monitoring.windows("fraud") == []
    with api.store.engine.connect() as conn:
        rule = conn.execute(
            text("SELECT payload FROM ledger_events WHERE action = 'workflow.refused'")
        ).scalar_one()
    assert json.loads(rule)["rule"] == "monitor"


def test_a_model_with_nothing_in_production_is_a_config_error(world: Any, files: Path):
    world.r.add_user("watcher", "watcher@example.org", ["monitor"], actor="admin")
    with pytest.raises(ConfigError) as error:
        world.api.monitor.run(_config(files), files / "batch.csv", actor="watcher")
    assert error.value.exit_code == 2
    assert NOTHING_IN_PRODUCTION.format(model="fraud") in error.value.message


def test_late_labels_supersede_the_window_and_both_stay(watched: Any, files: Path):
    api = watched.api
    first = api.monitor.run(_config(files), files / "batch.csv", actor="watcher")
    again = api.monitor.run(
        _config(files), files / "batch.csv", labels=files / "labels.csv", actor="watcher"
    )
    old = [w["ledger_seq"] for w in first.document["windows"]]
    assert [w["supersedes"] for w in again.document["windows"]] == old
    history = api.workflow.monitoring.windows("fraud", current_only=False)
    assert [w.superseded_by for w in history if w.seq in old] == [
        w["ledger_seq"] for w in again.document["windows"]
    ]
    current = api.workflow.monitoring.windows("fraud")
    assert [w.label_coverage for w in current] == [1.0, 1.0]
    # the stored results are the measured document, by hash
    (doc,) = api.workflow.monitoring.documents([current[0].results_sha256]).values()
    assert json.loads(doc)["performance"]["label_coverage"] == 1.0
    assert api.ledger.verify().size > 0


def test_a_pinned_version_out_of_production_is_never_rolled_back(watched: Any, files: Path):
    watched.clock.advance(days=1)
    watched.deployed("2.0")
    run = watched.api.monitor.run(_config(files, "fraud@1.0"), files / "batch.csv", actor="watcher")
    rollback = [
        a for w in run.document["windows"] for a in w["actions"] if a["action"] == "rollback"
    ]
    assert rollback
    assert {a["status"] for a in rollback} == {"skipped"}
    assert rollback[0]["detail"] == NOT_IN_PRODUCTION.format(ref="fraud@1.0", now="fraud@2.0")
    assert watched.api.registry.list_versions("fraud")[1].stage == "production"


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("UPDATE monitor_windows SET status = 'pass'", "table monitor_windows"),
        ("DELETE FROM monitor_baselines", "table monitor_baselines"),
        ("UPDATE monitor_documents SET body = body || ' '", "was altered"),
        ("DELETE FROM monitor_documents WHERE kind = 'results'", "which is missing"),
    ],
)
def test_tampering_with_monitoring_records_fails_verification(
    watched: Any, files: Path, statement: str, expected: str
):
    watched.api.monitor.run(_config(files), files / "batch.csv", actor="watcher")
    watched.api.ledger.verify()
    watched.sql(statement)
    with pytest.raises(LedgerVerificationError) as caught:
        watched.api.ledger.verify()
    assert caught.value.exit_code == 5
    assert expected in caught.value.message


def test_a_folder_reference_profiled_by_duckdb_is_stored_with_its_digest(watched: Any, files: Path):
    """``monitor baseline`` with the reference a folder of Parquet files counted by DuckDB:
    the in-memory baseline's profile, and the files' digest in the ledgered event."""
    pytest.importorskip("duckdb")
    from signoff.engines import find_source
    from signoff.monitor import profile_from_dict, profile_to_dict
    from signoff.monitor._baseline import build_baseline

    reference = pd.read_csv(files / "reference.csv")
    (files / "ref").mkdir()
    for i in range(2):
        part = reference.iloc[i * 1500 : (i + 1) * 1500]
        part.to_parquet(files / "ref" / f"part-{i}.parquet", index=False)
    config = _config(files)
    config.write_text(
        config.read_text().replace("reference.csv", "ref") + "data: {engine: duckdb}\n"
    )
    record = watched.api.monitor.baseline(config, actor="watcher")
    expected = build_baseline(_config(files, "fraud@1.0")).profile  # reference.csv, in memory
    stored = profile_from_dict(json.loads(record.profile_json))
    found, wanted = profile_to_dict(stored), profile_to_dict(expected)
    assert found.keys() == wanted.keys()
    assert found["rows"] == wanted["rows"] == 3000
    assert found["categorical"] == wanted["categorical"]
    for column, counts in wanted["numeric"].items():
        assert found["numeric"][column]["counts"] == counts["counts"], column
        assert np.allclose(found["numeric"][column]["sums"], counts["sums"], rtol=1e-12)
    with watched.api.store.engine.connect() as conn:
        payload = conn.execute(
            text("SELECT payload FROM ledger_events WHERE action = 'monitor.baseline'")
        ).scalar_one()
    assert json.loads(payload)["reference"]["sha256"] == find_source(files / "ref").sha256()
