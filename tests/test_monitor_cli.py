"""``signoff monitor run|baseline`` through the CLI: results file, exit codes, bad input."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import signoff
from conftest import FakeClock
from governed import build_world
from monitor_data import make_batch
from signoff.cli import app
from signoff.monitor import load_monitor_config, profile_from_dict, profile_sha256
from signoff.monitor._inputs import EMPTY, MISSING_COLUMNS
from signoff.monitor._run import LABELS_NEED_ID
from signoff.monitor._windows import BAD_TIMESTAMP
from signoff.workflow._monitor_types import NO_TARGET

CONFIG = """\
model: fraud
reference: {path: reference.csv}
columns: {prediction_id: id, timestamp: scored_at, score: score, target: label}
positive_label: 1
threshold: 0.5
protected_attributes:
  group: {}
window: 1d
policy: monitor_policy.yaml
actions:
  warning: [notify]
  error: [notify, rollback]
  consecutive_windows: 2
bootstrap: {replicates: 100}
"""
POLICY = """\
policy_name: Monitoring baseline
version: "1.0"
gates:
  - name: Data drift
    metric: drift_share
    threshold: 0.1
    comparison: less_than
    severity: error
  - name: Parity
    metric: demographic_parity_difference
    threshold: 0.5
    comparison: less_than
    severity: warning
"""
DAY = 2000


def _batch(day: int, *, shifted: bool) -> pd.DataFrame:
    frame = make_batch(DAY, seed=10 + day, shifted=shifted)
    start = pd.Timestamp("2025-03-01T00:00:00Z") + pd.Timedelta(days=day)
    frame["scored_at"] = (start + pd.to_timedelta(np.arange(DAY) * 40, unit="s")).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    return frame


def registry_env(project: Path, user: str = "watcher") -> dict[str, str]:
    """The CLI's registry: the project's SQLite database, acting as ``user``."""
    home = project / "registry"
    return {
        "SIGNOFF_DATABASE_URL": f"sqlite:///{home / 'signoff.db'}",
        "SIGNOFF_HOME": str(home),
        "SIGNOFF_USER": user,
    }


def governed_registry(folder: Path, audited: dict[str, Path], versions: int = 1) -> None:
    """fraud@1.0 (and 2.0…) deployed to production; ``watcher`` holds the monitor role."""
    home = folder / "registry"
    clock = FakeClock()
    with signoff.connect(
        f"sqlite:///{home / 'signoff.db'}", artifacts=home / "artifacts", clock=clock
    ) as api:
        world = build_world(api, clock, folder, audited)
        for number in range(1, versions + 1):
            world.deployed(f"{number}.0")
            clock.advance(days=1)
        api.registry.add_user("watcher", "watcher@example.org", ["monitor"], actor="admin")


@pytest.fixture
def project(tmp_path: Path, audited: dict[str, Path]) -> Path:
    governed_registry(tmp_path, audited)
    make_batch(4000, seed=1).drop(columns=["id"]).to_csv(tmp_path / "reference.csv", index=False)
    batch = pd.concat(
        [_batch(0, shifted=False), _batch(1, shifted=True), _batch(2, shifted=True)],
        ignore_index=True,
    )
    batch[["id", "label"]].iloc[::4].to_csv(tmp_path / "labels.csv", index=False)
    batch.drop(columns=["label"]).to_csv(tmp_path / "batch.csv", index=False)
    (tmp_path / "monitor.yaml").write_text(CONFIG)
    (tmp_path / "monitor_policy.yaml").write_text(POLICY)
    return tmp_path


def _run(project: Path, *args: str, batch: str = "batch.csv"):
    runner = CliRunner()
    return runner.invoke(
        app,
        ["monitor", "run", str(project / "monitor.yaml"), "--batch", str(project / batch),
         "--output", str(project / "out"), *args],
        catch_exceptions=False,
        env=registry_env(project),
    )  # fmt: skip


def test_run_writes_results_per_window_and_fails_on_an_error_gate(project: Path):
    result = _run(project, "--labels", str(project / "labels.csv"))
    assert result.exit_code == 1, result.output
    document = json.loads((project / "out" / "monitor-results.json").read_text())
    windows = document["windows"]
    assert [w["start"] for w in windows] == [
        "2025-03-01T00:00:00Z",
        "2025-03-02T00:00:00Z",
        "2025-03-03T00:00:00Z",
    ]
    assert [w["rows"] for w in windows] == [DAY] * 3
    first, second, third = windows
    assert first["verdict"] == "PASS"
    assert second["verdict"] == third["verdict"] == "FAIL"
    assert set(second["drift"]["drifted"]) >= {"x00", "x01", "x02", "c00"}
    column = second["drift"]["columns"]["x00"]
    assert set(column) >= {"method", "statistic", "p_value", "psi", "drifted"}
    assert second["drift"]["share"] == pytest.approx(len(second["drift"]["drifted"]) / 20)
    assert second["prediction_drift"]["selection_rate_change"] is not None
    assert second["quality"]["null_share_change"] == pytest.approx(0.1, abs=0.03)
    parity = second["fairness"]["group"]["demographic_parity_difference"]
    assert parity["ci"][0] <= parity["value"] <= parity["ci"][1]
    assert set(second["fairness"]["group"]["groups"]) == {"g1", "g2"}
    assert second["performance"]["label_coverage"] == pytest.approx(0.25)
    assert any(g["name"] == "Data drift" and g["status"] == "FAIL" for g in second["gates"])
    # consecutive_windows: 2 — the first failing window acts on nothing, the second does both
    assert second["actions"] == []
    notify, rollback = third["actions"]
    assert (notify["action"], notify["status"]) == ("notify", "done")
    assert (rollback["action"], rollback["status"]) == ("rollback", "skipped")
    assert rollback["detail"] == NO_TARGET.format(model="fraud")  # 1.0 is the only version
    assert [w["ledger_seq"] for w in windows] == sorted(w["ledger_seq"] for w in windows)
    assert document["version"] == "1.0"
    assert document["labels"]["matched_batch_rows"] == 3 * DAY // 4


def _measured(document: dict) -> dict:
    """What was measured, without what recording it added (ledger seqs, actions)."""
    for window in document["windows"]:
        for key in ("ledger_seq", "supersedes", "actions"):
            window.pop(key)
    return document


def test_json_prints_only_the_results_and_is_deterministic(project: Path):
    first = json.loads(_run(project, "--json").stdout)
    second = json.loads(_run(project, "--json").stdout)
    assert first["schema"] == "signoff.monitor.results/v1"
    # the re-run supersedes each window of the first run: both stay in the history
    assert [w["supersedes"] for w in second["windows"]] == [
        w["ledger_seq"] for w in first["windows"]
    ]
    assert _measured(first) == _measured(second)


def test_batch_from_the_config_counted_by_duckdb(project: Path):
    """No --batch: the config's data.path, counted by DuckDB; the same windows, gates and
    actions as the in-memory run, and the ledger records both."""
    pytest.importorskip("duckdb")
    from test_monitor_engines import _compare as same

    in_memory = json.loads(_run(project, "--json").stdout)
    config = project / "monitor.yaml"
    config.write_text(CONFIG + "data: {path: batch.csv, engine: duckdb}\n")
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["monitor", "run", str(config), "--output", str(project / "out"), "--json"],
        catch_exceptions=False,
        env=registry_env(project),
    )
    assert result.exit_code == 1, result.output  # the error gate fails, as in memory
    on_duckdb = json.loads(result.stdout)
    assert on_duckdb["batch"]["engine"] == "duckdb"
    assert in_memory["batch"]["engine"] == "numpy"
    assert on_duckdb["batch"]["sha256"] == in_memory["batch"]["sha256"]
    for first, second in zip(in_memory["windows"], on_duckdb["windows"], strict=True):
        assert second["supersedes"] == first["ledger_seq"]  # the same windows, re-run
        for key in ("start", "rows", "verdict", "gates", "drift", "quality", "fairness"):
            same(first[key], second[key])  # floats to 1e-12


def test_no_timestamp_means_one_window_and_no_policy_passes(project: Path):
    text = CONFIG.replace("timestamp: scored_at, ", "").replace("window: 1d\n", "")
    text = text.replace("policy: monitor_policy.yaml\n", "")
    (project / "monitor.yaml").write_text(text)
    result = _run(project)
    assert result.exit_code == 0, result.output
    document = json.loads((project / "out" / "monitor-results.json").read_text())
    assert len(document["windows"]) == 1
    assert document["windows"][0]["rows"] == 3 * DAY
    assert document["windows"][0]["start"] is None


def test_labels_that_join_to_nothing_report_zero_coverage(project: Path):
    pd.DataFrame({"id": [-1, -2], "label": [0, 1]}).to_csv(project / "labels.csv", index=False)
    result = _run(project, "--labels", str(project / "labels.csv"))
    assert result.exit_code == 1  # the drift gate, not a crash
    document = json.loads((project / "out" / "monitor-results.json").read_text())
    assert [w["performance"]["label_coverage"] for w in document["windows"]] == [0.0] * 3
    assert document["labels"]["unmatched_labels"] == 2


def test_bad_timestamp_names_file_column_and_first_bad_row(project: Path):
    batch = pd.read_csv(project / "batch.csv")
    batch.loc[41, "scored_at"] = "yesterday"
    batch.to_csv(project / "batch.csv", index=False)
    result = _run(project)
    assert result.exit_code == 3
    expected = BAD_TIMESTAMP.format(value="yesterday", row=42, count=1)
    assert f"batch.csv: columns.timestamp ('scored_at'): {expected}" in " ".join(
        result.stderr.split()
    )


def test_empty_batch_and_missing_columns_are_data_errors(project: Path):
    batch = pd.read_csv(project / "batch.csv")
    batch.iloc[:0].to_csv(project / "batch.csv", index=False)
    result = _run(project)
    assert result.exit_code == 3
    assert EMPTY.format(what="batch") in result.stderr
    batch.drop(columns=["score"]).to_csv(project / "batch.csv", index=False)
    result = _run(project)
    assert result.exit_code == 3
    message = MISSING_COLUMNS.split("{missing}")[0].format(what="batch")
    assert message in " ".join(result.stderr.split())
    assert "'score'" in result.stderr
    assert "Traceback" not in result.output


def test_reference_from_the_registry_is_the_latest_audits_evaluation_set(
    project: Path, audited: dict[str, Path]
):
    (project / "monitor.yaml").write_text(
        CONFIG.replace("{path: reference.csv}", "{audit: latest}")
    )
    result = _run(project)
    assert result.exit_code == 2
    flat = " ".join(result.stderr.split())
    assert "monitor.yaml: reference.audit:" in flat
    assert "audit 1 of fraud@1.0 was run on data/holdout.csv (sha256" in flat
    assert "no file with that content at" in flat


GERMAN = """\
model: fraud
reference: {audit: latest}
columns: {score: score, target: credit_risk}
positive_label: 1
threshold: 0.5
features: [duration_months, credit_amount, age, checking_status, savings, housing]
protected_attributes:
  sex: {privileged: male}
bootstrap: {replicates: 50}
"""


def test_audit_latest_scores_the_audits_evaluation_set_with_the_audited_model(
    project: Path, demo_template: Path, audited: dict[str, Path]
):
    from signoff.models import load_model

    shutil.copytree(demo_template / "data", project / "data")
    shutil.copyfile(audited["good.skops"], project / "model.skops")
    (project / "german.yaml").write_text(GERMAN)
    holdout = pd.read_csv(project / "data" / "holdout.csv")
    model = load_model(project / "model.skops")
    holdout["score"] = model.scores(holdout, positive_label=1)
    holdout.to_csv(project / "german-batch.csv", index=False)
    result = CliRunner().invoke(
        app,
        ["monitor", "run", str(project / "german.yaml"), "--batch",
         str(project / "german-batch.csv"), "--output", str(project / "out"), "--json"],
        catch_exceptions=False,
        env=registry_env(project),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    reference = document["reference"]
    assert reference["audit"] == 1
    assert (
        reference["sha256"]
        == hashlib.sha256((project / "data" / "holdout.csv").read_bytes()).hexdigest()
    )
    assert reference["scored_by"] == hashlib.sha256(audited["good.skops"].read_bytes()).hexdigest()
    # the batch is the reference, scored by the same model: nothing drifts
    (window,) = document["windows"]
    assert window["drift"]["drifted"] == []
    assert window["prediction_drift"]["psi"] == pytest.approx(0.0, abs=1e-12)


def test_config_errors_point_at_file_and_line(project: Path):
    (project / "monitor.yaml").write_text(CONFIG.replace("window: 1d", "window: daily"))
    result = _run(project)
    assert result.exit_code == 2
    assert "monitor.yaml:8:9: window:" in result.stderr
    assert "not a window length" in result.stderr


def test_unknown_metric_in_the_policy_lists_the_monitoring_metrics(project: Path):
    (project / "monitor_policy.yaml").write_text(POLICY.replace("drift_share", "drift_shares"))
    result = _run(project)
    assert result.exit_code == 2
    flat = " ".join(result.stderr.split())
    assert "unknown metric 'drift_shares' (did you mean drift_share" in flat
    assert "known: accuracy," in flat
    assert "label_coverage" in flat


def test_labels_without_a_prediction_id_column_is_a_config_error(project: Path):
    (project / "monitor.yaml").write_text(CONFIG.replace("prediction_id: id, ", ""))
    result = _run(project, "--labels", str(project / "labels.csv"))
    assert result.exit_code == 2
    assert LABELS_NEED_ID in " ".join(result.stderr.split())


def test_baseline_writes_the_reference_profile(project: Path):
    target = project / "ref" / "profile.json"
    result = CliRunner().invoke(
        app,
        ["monitor", "baseline", str(project / "monitor.yaml"), "--output", str(target)],
        catch_exceptions=False,
        env=registry_env(project),
    )
    assert result.exit_code == 0, result.output
    profile = profile_from_dict(json.loads(target.read_text()))
    assert profile.rows == 4000
    sha = result.stdout.strip().splitlines()[-1]
    assert sha == profile_sha256(profile)
    with signoff.connect(registry_env(project)["SIGNOFF_DATABASE_URL"], create=False) as api:
        (stored,) = api.workflow.monitoring.baselines("fraud")
        assert (stored.profile_sha256, stored.version, stored.rows) == (sha, "1.0", 4000)
        assert api.workflow.monitoring.documents([sha])[sha].encode() == target.read_bytes()


def test_config_defaults():
    from signoff.monitor import MonitorConfig

    config = MonitorConfig.model_validate(
        {"model": "m", "reference": {"path": "r.csv"}, "columns": {"score": "s"}}
    )
    assert (config.drift.psi, config.drift.wasserstein, config.drift.jensen_shannon) == (
        0.1,
        0.1,
        0.1,
    )
    assert config.drift.p_value == 0.01
    assert config.actions.consecutive_windows == 1
    assert load_monitor_config  # exported for the Python API


def test_parquet_batches_are_read_too(project: Path):
    pd.read_csv(project / "batch.csv").to_parquet(project / "batch.parquet")
    result = _run(project, "--json", batch="batch.parquet")
    assert result.exit_code == 1
    assert len(json.loads(result.stdout)["windows"]) == 3


def test_repeated_label_ids_and_bad_scores_are_data_errors(project: Path):
    from signoff.monitor._inputs import DUPLICATE_LABEL_IDS

    pd.DataFrame({"id": [7, 7], "label": [0, 1]}).to_csv(project / "labels.csv", index=False)
    result = _run(project, "--labels", str(project / "labels.csv"))
    assert result.exit_code == 3
    assert DUPLICATE_LABEL_IDS.format(value=7, count=2) in " ".join(result.stderr.split())
    batch = pd.read_csv(project / "batch.csv")
    batch.loc[5, "score"] = 1.5
    batch.to_csv(project / "batch.csv", index=False)
    result = _run(project)
    assert result.exit_code == 3
    assert "columns.score: scores must be in [0, 1]" in " ".join(result.stderr.split())
    assert not (project / "out" / "monitor-results.json").exists()


def test_a_uri_batch_needs_the_spark_engine(project: Path):
    """A batch at a URI is read by Spark alone: another engine is a usage error (exit 2)
    naming data.engine, said before the reference is profiled; nothing is recorded."""
    config = project / "monitor.yaml"
    config.write_text(CONFIG + "data: {path: 's3a://bucket/scores/2026-11-29', engine: duckdb}\n")
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["monitor", "run", str(config), "--output", str(project / "out")],
        catch_exceptions=False,
        env=registry_env(project),
    )
    assert result.exit_code == 2, result.output
    flat = " ".join(result.stderr.split())
    assert (
        "monitor.yaml: data.engine: 's3a://bucket/scores/2026-11-29' is a URI, which only the "
        "spark engine reads"
    ) in flat
    assert "Traceback" not in result.output
    assert not (project / "out").exists()
