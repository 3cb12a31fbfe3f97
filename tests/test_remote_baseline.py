"""`signoff monitor baseline` in remote mode, on SQLite and PostgreSQL: the reference is
profiled on the person's machine and the profile, the config and the reference file's
SHA-256 are uploaded; the server checks them and stores the same baseline a local run
stores (the same profile, hash and ledger record). Bad uploads are refused by name."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import text

pytest.importorskip("fastapi", reason="the server extra is not installed")

from remote_cli import live_app, login_through_browser, serve
from server_helpers import LOCAL, bearer, csrf, login
from test_server_monitor import batch, configs  # noqa: F401  (the server's monitor fixtures)


def _baselines(api) -> list[dict]:
    query = "SELECT actor, payload FROM ledger_events WHERE action = 'monitor.baseline'"
    with api.store.engine.connect() as conn:
        return [{"actor": a, **json.loads(p)} for a, p in conn.execute(text(query))]


def test_monitor_baseline_remote_stores_what_a_local_run_stores(
    world,
    configs: Path,  # noqa: F811
    cli,
    tmp_path: Path,
):
    world.deployed("1.0")
    world.r.add_user("watcher", "watcher@example.org", ["monitor"], actor="admin")
    app = serve(world.api)  # no SIGNOFF_MONITOR_CONFIGS: the config comes with the profile
    local = {
        "SIGNOFF_DATABASE_URL": world.api.store.engine.url.render_as_string(hide_password=False),
        "SIGNOFF_HOME": str(tmp_path / "home"),
        "SIGNOFF_ARTIFACT_ROOT": str(world.api.core.artifacts.root),
    }
    config = configs / "fraud.yaml"
    with live_app(app) as url:
        folder = tmp_path / "watcher"
        login_through_browser(url, world.api, "watcher", folder)
        remote = {
            "SIGNOFF_URL": url,
            "SIGNOFF_CONFIG_DIR": str(folder),
            "SIGNOFF_HOME": str(tmp_path / "no-database"),
            "SIGNOFF_DATABASE_URL": "",
            "SIGNOFF_USER": "",
        }
        there = cli("monitor", "baseline", str(config), "-o", str(tmp_path / "r.json"), env=remote)
        assert there.exit_code == 0, there.output
        assert not (tmp_path / "no-database").exists()
    (recorded,) = _baselines(world.api)
    assert recorded["actor"] == "watcher"
    reference = configs / "reference.csv"
    assert recorded["reference"] == {
        "path": str(reference.resolve()),
        "sha256": hashlib.sha256(reference.read_bytes()).hexdigest(),
    }
    assert recorded["config_sha256"] == hashlib.sha256(config.read_bytes()).hexdigest()
    assert recorded["rows"] == 3000
    profile = (tmp_path / "r.json").read_bytes()
    assert there.stdout.strip() == hashlib.sha256(profile).hexdigest()
    assert recorded["profile_sha256"] == there.stdout.strip()
    stored = world.api.workflow.monitoring.documents([recorded["profile_sha256"]])
    assert stored[recorded["profile_sha256"]].encode() == profile  # stored as profiled here
    # the same command run locally on the server's host: the same profile, already stored
    here = cli(
        *("monitor", "baseline", str(config), "-o", str(tmp_path / "l.json")),
        *("--as", "watcher"),
        env=local,
    )
    assert here.exit_code == 0, here.output
    assert (here.stdout, here.stderr.replace(str(tmp_path / "l.json"), "F")) == (
        there.stdout,
        there.stderr.replace(str(tmp_path / "r.json"), "F"),
    )
    assert (tmp_path / "l.json").read_bytes() == profile
    assert len(_baselines(world.api)) == 1  # the same (profile, config): nothing new


def test_an_audit_reference_is_profiled_on_the_server_host(cli, tmp_path: Path):
    config = tmp_path / "monitor.yaml"
    config.write_text("model: fraud\nreference: {audit: latest}\ncolumns: {score: score}\n")
    env = {"SIGNOFF_URL": "http://127.0.0.1:9", "SIGNOFF_TOKEN": "x", "SIGNOFF_USER": ""}
    refused = cli("monitor", "baseline", str(config), env=env)
    assert refused.exit_code == 2, refused.output
    assert f"{config}: reference: in remote mode `monitor baseline` profiles" in refused.stderr


def _upload(
    client, config: Path, profile: bytes, reference: object, model: str = "fraud", **headers: str
):
    return client.post(
        f"/api/monitor/{model}/baseline",
        files={"config": ("fraud.yaml", config.read_bytes()), "profile": ("p.json", profile)},
        data={"reference": json.dumps(reference), "shown": "configs/fraud.yaml"},
        headers=headers,
    )


def test_the_server_checks_what_it_is_sent(world, configs: Path):  # noqa: F811
    from fastapi.testclient import TestClient

    from signoff.monitor import build_baseline, profile_to_dict, profile_to_json

    world.deployed("1.0")
    world.r.add_user("watcher", "watcher@example.org", ["monitor"], actor="admin")
    app = serve(world.api)
    watcher = TestClient(app, client=LOCAL, headers=bearer(world.api, "watcher", "monitor"))
    config = configs / "fraud.yaml"
    base = build_baseline(config)
    good = profile_to_json(base.profile)
    reference = {"path": "/data/reference.csv", "sha256": "a" * 64}

    def refused(answer, status: int, *words: str) -> None:
        assert answer.status_code == status, answer.text
        for word in words:
            assert word in answer.json()["detail"], answer.json()
        assert _baselines(world.api) == []

    refused(_upload(watcher, config, b"{not json", reference), 422, "p.json", "not JSON")
    refused(_upload(watcher, config, b'{"schema": 0}', reference), 422, "p.json", "schema")
    other = profile_to_dict(base.profile) | {"score": "proba"}
    refused(
        _upload(watcher, config, json.dumps(other).encode(), reference),
        422,
        "score column is 'proba'; fraud.yaml names 'score'",
    )
    ungrouped = profile_to_dict(base.profile) | {"table": None}
    refused(
        _upload(watcher, config, json.dumps(ungrouped).encode(), reference),
        422,
        "groups by []; fraud.yaml names ['group']",
    )
    refused(_upload(watcher, config, good, {"path": "r.csv", "sha256": "x"}), 422, "sha256 is 'x'")
    refused(_upload(watcher, config, good, ["r.csv"]), 422, "got list")
    world.r.register_model(
        "churn", owner="alice", team="t", use_case="churn", risk_tier="low", actor="alice"
    )
    refused(
        _upload(watcher, config, good, reference, model="churn"),
        400,
        "configs/fraud.yaml: model: configs/fraud.yaml watches fraud, not churn",
    )
    alice = login(app, world.api, "alice")  # a person signed in, without the monitor role
    denied = _upload(alice, config, good, reference, **{"X-CSRF-Token": csrf(alice)})
    refused(denied, 403, "alice does not hold the monitor role")
    assert denied.json()["rule"] == "not_monitor"
    query = "SELECT payload FROM ledger_events WHERE action = 'workflow.refused'"
    with world.api.store.engine.connect() as conn:
        recorded = [json.loads(p) for (p,) in conn.execute(text(query))]
    assert {"rule": "monitor", "message": denied.json()["detail"]} in recorded
    stored = _upload(watcher, config, good, reference)
    assert stored.status_code == 201, stored.text
    assert stored.json() == {
        "model": "fraud",
        "version": "1.0",
        "profile_sha256": hashlib.sha256(good).hexdigest(),
        "rows": 3000,
        "features": len(base.spec.features),
    }
    assert _baselines(world.api)[0]["reference"] == reference
