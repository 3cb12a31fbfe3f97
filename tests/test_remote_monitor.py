"""Monitoring in remote mode, on SQLite and PostgreSQL: `signoff monitor run` uploads the
batch to a live server, which measures it against its own config and records it (the
same document and exit code as a local run); `monitor status` and `monitor history`
through the server print exactly what they print locally."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from remote_cli import live_app, login_through_browser, serve
from test_server_monitor import batch, configs  # noqa: F401  (the server's monitor fixtures)


def test_monitor_run_remote_then_status_and_history_as_locally(
    world,
    configs: Path,  # noqa: F811  (test_server_monitor's fixture)
    batch: Path,  # noqa: F811
    cli,
    tmp_path: Path,
):
    world.deployed("1.0")
    world.r.add_user("watcher", "watcher@example.org", ["monitor"], actor="admin")
    app = serve(world.api, monitor_configs=configs)
    local = {
        "SIGNOFF_DATABASE_URL": world.api.store.engine.url.render_as_string(hide_password=False),
        "SIGNOFF_HOME": str(tmp_path / "home"),
        "SIGNOFF_ARTIFACT_ROOT": str(tmp_path / "artifacts"),
    }
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
        out = tmp_path / "out"
        ran = cli(
            *("monitor", "run", str(configs / "fraud.yaml"), "--batch", str(batch)),
            *("-o", str(out), "--json"),
            env=remote,
        )
        assert ran.exit_code == 1, ran.output  # both windows drift: an error gate failed
        document = json.loads(ran.stdout)
        assert json.loads((out / "monitor-results.json").read_text()) == document
        assert [w["verdict"] for w in document["windows"]] == ["FAIL", "FAIL"]
        assert document["model"] == "fraud"
        assert world.api.monitor.status("fraud")[0]["windows"] == 2  # recorded in the registry
        for args in (
            ("monitor", "status", "--json"),
            ("monitor", "status", "fraud"),
            ("monitor", "history", "fraud", "--metric", "drift_share", "--json"),
            ("monitor", "history", "fraud", "--metric", "drift_share"),
        ):
            there, here = cli(*args, env=remote), cli(*args, env=local)
            assert there.exit_code == here.exit_code == 0, there.output
            assert there.stdout == here.stdout, args
        there = cli("monitor", "report", "fraud", "-o", str(tmp_path / "r.html"), env=remote)
        here = cli("monitor", "report", "fraud", "-o", str(tmp_path / "l.html"), env=local)
        assert there.exit_code == here.exit_code == 0, there.output
        # the same page but for the moment it was made (the server's clock is the test's)
        made = re.compile(r"generated \S+Z")
        remote_page = made.sub("", (tmp_path / "r.html").read_text())
        assert remote_page == made.sub("", (tmp_path / "l.html").read_text())
        assert "generated 2026-01-05T09:00:00Z" in (tmp_path / "r.html").read_text()
        # `monitor export`: the same Prometheus textfile, written here from the server's text
        for env, name in ((remote, "r.prom"), (local, "l.prom")):
            done = cli("monitor", "export", "--prometheus", str(tmp_path / name), env=env)
            assert done.exit_code == 0, done.output
        exported = (tmp_path / "r.prom").read_text()
        assert exported == (tmp_path / "l.prom").read_text()
        assert "signoff_monitor_" in exported
        assert 'model="fraud"' in exported
        table = cli(
            *("monitor", "run", str(configs / "fraud.yaml"), "--batch", str(batch)),
            *("-o", str(out)),
            env=remote,
        )
        assert table.exit_code == 1
        assert "Data drift FAIL" in table.stdout
        missing = cli(
            *("monitor", "run", str(configs / "fraud.yaml"), "--batch", str(tmp_path / "no.csv")),
            env=remote,
        )
        assert missing.exit_code == 3
        assert "no.csv: --batch: file not found" in missing.stderr
        assert not (tmp_path / "no-database").exists()
