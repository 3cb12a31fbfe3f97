"""The monitoring scenario through the CLI, on SQLite and PostgreSQL.

fraud@1.0 then fraud@2.0 are deployed through the workflow; three daily batches are
monitored in 12-hour windows.  On the third day group g2's scores collapse: the
selection-rate gap fails the error gate in two windows in a row, so production goes
back to 1.0 as an automatic emergency change opened by the monitor identity.  A real
webhook receiver gets the alert; the emergency change's post-incident review is listed
as overdue (the governance makes it due at once) and closed by a person; every monitor
command reads back what was recorded; and ``ledger verify`` passes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from monitor_data import make_batch
from signoff.cli import app

CONFIG = """\
model: fraud
reference: {path: reference.csv}
columns: {prediction_id: id, timestamp: scored_at, score: score, target: label}
positive_label: 1
threshold: 0.5
protected_attributes:
  group: {}
window: 12h
policy: policy.yaml
actions:
  error: [notify, rollback]
  consecutive_windows: 2
bootstrap: {replicates: 200}
"""
POLICY = """\
policy_name: Fraud monitoring
version: "1.0"
gates:
  - name: Selection-rate gap
    metric: demographic_parity_difference
    threshold: 0.2
    comparison: less_than
    severity: error
"""
ROWS = 2000  # one day: a row every 43.2 s


def _day(day: int, *, gap: bool) -> pd.DataFrame:
    frame = make_batch(ROWS, seed=50 + day)
    if gap:  # g2's scores collapse: its selection rate falls far below g1's
        g2 = frame["group"] == "g2"
        frame.loc[g2, "score"] = frame.loc[g2, "score"] * 0.2
    start = pd.Timestamp("2026-11-01T00:00:00Z") + pd.Timedelta(days=day)
    stamps = start + pd.to_timedelta(np.arange(ROWS) * 43.2, unit="s")
    frame["scored_at"] = stamps.strftime("%Y-%m-%dT%H:%M:%SZ")
    return frame.drop(columns=["label"])


@pytest.fixture
def scene(world: Any, receiver: Any, database_url: str, tmp_path: Path) -> dict[str, Any]:
    def settings(g: dict) -> None:
        g["emergency"]["review_due_hours"] = 0  # due at once: the test sees it overdue
        g["webhooks"] = [
            {
                "url": receiver.url + "/hook",
                "events": ["monitor.alert", "model.rolled_back", "emergency.opened"],
            }
        ]

    proposed = world.w.propose_governance(world.governance(settings, "monitored"), actor="admin")
    world.w.decide_governance(f"G-{proposed.number}", actor="admin2", approve=True)
    world.deployed("1.0")
    world.clock.advance(days=1)
    world.deployed("2.0")
    world.r.add_user("watcher", "watcher@example.org", ["monitor"], actor="admin")
    make_batch(4000, seed=7).drop(columns=["id"]).to_csv(tmp_path / "reference.csv", index=False)
    (tmp_path / "monitor.yaml").write_text(CONFIG)
    (tmp_path / "policy.yaml").write_text(POLICY)
    for day in range(3):
        _day(day, gap=day == 2).to_csv(tmp_path / f"day{day + 1}.csv", index=False)
    env = {
        "SIGNOFF_DATABASE_URL": database_url,
        "SIGNOFF_HOME": str(tmp_path),
        "SIGNOFF_USER": "watcher",
    }
    return {"world": world, "receiver": receiver, "tmp": tmp_path, "env": env}


def _cli(scene: dict[str, Any], *args: str, user: str | None = None) -> Any:
    env = dict(scene["env"])
    if user:
        env["SIGNOFF_USER"] = user
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def _monitor(scene: dict[str, Any], day: int) -> dict[str, Any]:
    tmp = scene["tmp"]
    result = _cli(
        scene, "monitor", "run", str(tmp / "monitor.yaml"), "--batch", str(tmp / f"day{day}.csv"),
        "--output", str(tmp / f"out{day}"), "--json",
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_two_failing_windows_roll_production_back_through_the_workflow(scene: dict[str, Any]):
    world, receiver, tmp = scene["world"], scene["receiver"], scene["tmp"]
    first, second = _monitor(scene, 1), _monitor(scene, 2)
    for document in (first, second):
        assert document["version"] == "2.0"
        assert [w["verdict"] for w in document["windows"]] == ["PASS", "PASS"]
        assert all(w["actions"] == [] for w in document["windows"])
    third = _monitor(scene, 3)
    morning, evening = third["windows"]
    assert morning["verdict"] == evening["verdict"] == "FAIL"
    gap = evening["fairness"]["group"]["demographic_parity_difference"]
    assert gap["value"] >= 0.2
    assert gap["ci"][0] <= gap["value"] <= gap["ci"][1]
    assert morning["actions"] == []  # one failing window: not yet
    notify, rollback = evening["actions"]
    assert (notify["action"], notify["status"], notify["failing_windows"]) == ("notify", "done", 2)
    assert rollback["status"] == "done", rollback
    incident = "MON-fraud-2026-11-03T12:00:00Z"
    assert rollback["incident"] == incident
    assert rollback["detail"] == "production rolled back to fraud@1.0"

    # production is back on 1.0, recorded as an automatic emergency change by the monitor
    shown = json.loads(_cli(scene, "model", "show", "fraud", "--json").stdout)
    stages = {v["version"]: v["stage"] for v in shown["versions"]}
    assert stages == {"1.0": "production", "2.0": "archived"}
    cr = rollback["change_request"]
    overdue = json.loads(_cli(scene, "cr", "list", "--overdue", "--json").stdout)
    assert [c["id"] for c in overdue] == [cr]
    (emergency,) = overdue
    assert emergency["requester"] == "watcher"
    assert emergency["state"] == "deployed"
    assert emergency["details"]["emergency"]["incident"] == incident
    assert emergency["details"]["emergency"]["automatic"] is True
    assert emergency["overdue"] is True

    # the monitor identity can roll back, never sign; a person closes the review
    refused = _cli(scene, "cr", "sign", cr, "--role", "approver", "--decision", "approve",
                   "--comment", "looks fine to the monitor")  # fmt: skip
    assert refused.exit_code == 4
    own = _cli(scene, "emergency", "review", cr, "--findings", "g2 scores collapsed after 2.0",
               "--actions", "add a per-group score check to CI")  # fmt: skip
    assert own.exit_code == 4
    assert "cannot close its post-incident review" in own.stderr
    reviewed = _cli(scene, "emergency", "review", cr, "--findings", "g2 scores collapsed after 2.0",
                    "--actions", "add a per-group score check to CI", user="carl")  # fmt: skip
    assert reviewed.exit_code == 0, reviewed.output
    assert json.loads(_cli(scene, "cr", "list", "--overdue", "--json").stdout) == []

    # the real receiver got the alert, the emergency change and the rollback
    events = [json.loads(r.body)["event"] for r in receiver.requests]
    assert events.count("monitor.alert") == 1
    assert "emergency.opened" in events
    assert "model.rolled_back" in events
    alert = next(json.loads(r.body) for r in receiver.requests if b"monitor.alert" in r.body)
    assert alert["payload"]["gates"] == ["Selection-rate gap"]
    assert alert["ledger_seq"] == notify["ledger_seq"]

    # status, history, report and the Prometheus file read back what was recorded
    (status,) = json.loads(_cli(scene, "monitor", "status", "--json").stdout)
    assert status["production"] == "1.0"
    assert status["latest_window"]["status"] == "error"
    assert status["latest_window"]["version"] == "2.0"
    assert status["alerts"] == 1
    history = json.loads(
        _cli(scene, "monitor", "history", "fraud", "--metric", "demographic_parity_difference",
             "--attribute", "group", "--chart", str(tmp / "gap.svg"), "--json").stdout
    )  # fmt: skip
    assert [h["failed"] for h in history] == [False] * 4 + [True] * 2
    windows = first["windows"] + second["windows"] + third["windows"]
    expected = [w["fairness"]["group"]["demographic_parity_difference"]["value"] for w in windows]
    assert [h["value"] for h in history] == pytest.approx(expected, abs=1e-12)
    assert [h["ledger_seq"] for h in history] == [w["ledger_seq"] for w in windows]
    assert (tmp / "gap.svg").read_text().startswith("<svg")
    assert _cli(scene, "monitor", "report", "fraud", "-o", str(tmp / "m.html")).exit_code == 0
    page = (tmp / "m.html").read_text()
    assert incident in page
    assert f">{notify['ledger_seq']}<" in page
    assert _cli(scene, "monitor", "export", "--prometheus", str(tmp / "s.prom")).exit_code == 0
    prom = (tmp / "s.prom").read_text()
    assert 'signoff_monitor_status{model="fraud"} 3' in prom
    assert 'signoff_monitor_alerts_total{model="fraud"} 1' in prom

    # the portfolio reads the same events: fraud is back on 1.0, its monitoring recorded
    (row,) = json.loads(_cli(scene, "portfolio", "--json").stdout)["models"]
    assert row["production"] == "1.0"
    assert row["monitoring"] is None  # 1.0 has not been watched since it came back
    assert row["last_approval"] == "2026-01-06T09:00:00+00:00"  # 2.0's, not the rollback's

    # every run, alert and action is in the ledger, and the tables agree with it
    verified = _cli(scene, "ledger", "verify")
    assert verified.exit_code == 0, verified.output
    assert world is not None
