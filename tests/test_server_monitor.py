"""Monitoring in the server on SQLite and PostgreSQL: status, history, ingesting a batch
file (a monitor token; the core's monitor-role rule), the model page's trend charts and
alerts, and ``/metrics`` — checked with Prometheus' own parser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

pytest.importorskip("fastapi", reason="the server extra is not installed")

from prometheus_client.parser import text_string_to_metric_families

from monitor_data import make_batch
from server_helpers import LOCAL, bearer, settings
from signoff.monitor import TREND_METRICS
from signoff.server._monitor_routes import NO_CONFIGS

CONFIG = """\
model: fraud
reference: {path: reference.csv}
columns: {prediction_id: id, timestamp: scored_at, score: score, target: label}
positive_label: 1
threshold: 0.5
protected_attributes:
  group: {}
window: 1d
policy: policy.yaml
actions:
  error: [notify]
bootstrap: {replicates: 50}
"""
POLICY = """\
policy_name: Drift
version: "1.0"
gates:
  - {name: Data drift, metric: drift_share, threshold: 0.1, comparison: less_than, severity: error}
"""


@pytest.fixture
def configs(tmp_path: Path) -> Path:
    """The server's monitor configs: fraud.yaml with its reference data and policy."""
    folder = tmp_path / "monitor-configs"
    folder.mkdir()
    make_batch(3000, seed=1).drop(columns=["id"]).to_csv(folder / "reference.csv", index=False)
    (folder / "policy.yaml").write_text(POLICY)
    (folder / "fraud.yaml").write_text(CONFIG)
    return folder


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    """Two days of shifted production data (both windows drift)."""
    frame = make_batch(1500, seed=2, shifted=True)
    stamps = pd.Timestamp("2026-02-01T00:00:00Z") + pd.to_timedelta(np.arange(1500) * 100, unit="s")
    frame["scored_at"] = stamps.strftime("%Y-%m-%dT%H:%M:%SZ")
    path = tmp_path / "batch.csv"
    frame.drop(columns=["label"]).to_csv(path, index=False)
    return path


@pytest.fixture
def served(world: Any, configs: Path):
    from signoff.server import create_app

    world.deployed("1.0")
    world.r.add_user("watcher", "watcher@example.org", ["monitor"], actor="admin")
    return create_app(world.api, settings(monitor_configs=configs))


def _client(app, headers: dict[str, str] | None = None):
    from fastapi.testclient import TestClient

    return TestClient(app, client=LOCAL, headers=headers or {})


def _ingest(client, batch: Path):
    with batch.open("rb") as handle:
        return client.post(
            "/api/monitor/fraud/batches",
            params={"today": "2026-02-03"},
            files={"batch": ("batch.csv", handle, "text/csv")},
        )


def test_a_monitor_token_ingests_a_batch_and_the_reads_show_it(served, world, batch):
    api = world.api
    watcher = _client(served, bearer(api, "watcher", "monitor"))
    done = _ingest(watcher, batch)
    assert done.status_code == 200, done.text
    windows = done.json()["windows"]
    assert len(windows) == 2
    recorded = api.workflow.monitoring.windows("fraud")
    assert [w.seq for w in recorded] == [w["ledger_seq"] for w in windows]
    assert {w.status for w in recorded} == {"error"}  # drift_share over 0.1 both days
    assert {w.actor for w in recorded} == {"watcher"}

    reader = _client(served, bearer(api, "erin", "read"))
    status = reader.get("/api/monitor/fraud").json()
    assert status["monitored"] is True
    assert status["latest_window"]["seq"] == windows[-1]["ledger_seq"]
    assert len(status["alert_events"]) == 2  # error: notify, once per window
    everything = reader.get("/api/monitor").json()
    assert [row["model"] for row in everything["items"]] == ["fraud"]
    history = reader.get("/api/monitor/fraud/history", params={"metric": "drift_share"}).json()
    direct = api.monitor.history("fraud", "drift_share")
    assert history["items"] == json.loads(json.dumps(direct))
    # the value is the stored document's, recomputed from the columns that drifted
    for item, window in zip(history["items"], windows, strict=True):
        drifted = [c for c in window["drift"]["columns"].values() if c["drifted"]]
        assert item["value"] == pytest.approx(len(drifted) / len(window["drift"]["columns"]))
    report = reader.get("/api/monitor/fraud/report")
    assert report.status_code == 200
    assert "style-src 'unsafe-inline'" in report.headers["content-security-policy"]
    assert "fraud" in report.text


def test_the_monitor_rules_apply(served, world, batch):
    api = world.api
    write_token = _client(served, bearer(api, "watcher", "write"))
    refused = _ingest(write_token, batch)
    assert (refused.status_code, refused.json()["rule"]) == (403, "token_scope")
    read_token = _client(served, bearer(api, "olga", "read"))
    assert _ingest(read_token, batch).json()["rule"] == "token_scope"
    # a person signed in, without the monitor role: the core refuses, as from the CLI
    olga = _client(served)
    _, secret = api.registry.tokens.create_login_link("olga", actor="olga")
    assert olga.post("/login/link", data={"token": secret}, follow_redirects=False).is_redirect
    csrf = olga.get("/api/me").json()["csrf"]
    with batch.open("rb") as handle:
        core = olga.post(
            "/api/monitor/fraud/batches",
            files={"batch": ("batch.csv", handle, "text/csv")},
            headers={"X-CSRF-Token": csrf},
        )
    assert (core.status_code, core.json()["rule"]) == (403, "not_monitor")
    assert "olga does not hold the monitor role" in core.json()["detail"]
    with api.store.engine.connect() as conn:
        rules = [
            json.loads(p)["rule"]
            for (p,) in conn.execute(
                text("SELECT payload FROM ledger_events WHERE action = 'workflow.refused'")
            )
        ]
    assert "monitor" in rules
    assert api.workflow.monitoring.windows("fraud") == []


def test_without_configs_the_server_says_so(world, batch):
    from signoff.server import create_app

    world.deployed("1.0")
    world.r.add_user("watcher", "watcher@example.org", ["monitor"], actor="admin")
    app = create_app(world.api, settings())
    answer = _ingest(_client(app, bearer(world.api, "watcher", "monitor")), batch)
    assert answer.status_code == 400
    assert answer.json()["detail"].endswith(NO_CONFIGS)


def test_the_model_page_shows_trends_and_alerts(served, world, batch):
    api = world.api
    erin = _client(served)
    _, secret = api.registry.tokens.create_login_link("erin", actor="erin")
    erin.post("/login/link", data={"token": secret})
    before = erin.get("/models/fraud").text
    assert "No production batch has been measured" in before
    assert _ingest(_client(served, bearer(api, "watcher", "monitor")), batch).status_code == 200
    page = erin.get("/models/fraud").text
    assert page.count("<svg") == len(TREND_METRICS)
    for _, title in TREND_METRICS:
        assert title in page
    alerts = api.workflow.monitoring.alerts("fraud")
    for alert in alerts:
        assert f"ledger #{alert['seq']}: monitor.alert of 1.0 (error" in page
    assert "<strong>error</strong>" in page


def test_metrics_count_requests_and_carry_the_monitoring_metrics(served, world, batch):
    api = world.api
    reader = _client(served, bearer(api, "erin", "read"))
    assert _ingest(_client(served, bearer(api, "watcher", "monitor")), batch).status_code == 200
    for _ in range(3):
        assert reader.get("/api/models/fraud").status_code == 200
    assert reader.get("/api/models/nope").status_code == 404
    assert reader.get("/no/such/page").status_code == 404
    body = reader.get("/metrics")
    assert body.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(body.text)}
    counts = {
        (s.labels["method"], s.labels["route"], s.labels["status"]): s.value
        for s in families["signoff_http_requests"].samples
    }
    assert counts[("GET", "/api/models/{model}", "200")] == 3
    assert counts[("GET", "/api/models/{model}", "404")] == 1
    assert counts[("POST", "/api/monitor/{model}/batches", "200")] == 1
    assert counts[("GET", "unmatched", "404")] == 1
    latency = families["signoff_http_request_duration_seconds"].samples
    model_route = [s for s in latency if s.labels.get("route") == "/api/models/{model}"]
    by_name = {(s.name, s.labels.get("le")): s.value for s in model_route}
    assert by_name[("signoff_http_request_duration_seconds_count", None)] == 4
    assert by_name[("signoff_http_request_duration_seconds_bucket", "+Inf")] == 4
    buckets = [s.value for s in model_route if s.name.endswith("_bucket")]
    assert buckets == sorted(buckets)  # cumulative
    # the monitoring part is `signoff monitor export`'s file, family for family
    exported = {f.name: f for f in text_string_to_metric_families(api.monitor.prometheus())}
    assert exported
    for name, family in exported.items():
        assert families[name].samples == family.samples
