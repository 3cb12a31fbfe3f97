"""What happened and how the portfolio stands, over HTTP, on SQLite and PostgreSQL: every
answer equals the core call the CLI's ``--json`` prints (stage history, the holder at a
date, waivers, emergencies, the portfolio as of a date, trends, the inventory export and
the audit log), and the CSV is cross-checked by reading it back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import LOCAL, bearer, settings
from signoff.registry import VersionRef


@pytest.fixture
def app(world: Any):
    from signoff.server import create_app

    world.deployed("1.0")
    world.clock.advance(days=2)
    world.deployed("2.0")
    return create_app(world.api, settings())


@pytest.fixture
def reader(app: Any, world: Any) -> Any:
    from fastapi.testclient import TestClient

    return TestClient(app, client=LOCAL, headers=bearer(world.api, "erin", "read"))


def _json(value: Any) -> Any:
    from signoff.server._present import plain

    return json.loads(json.dumps(plain(value)))


def test_stage_history_and_what_was_in_production_on_a_date(reader, world):
    history = reader.get("/api/models/fraud/history").json()
    assert history["items"] == _json(world.r.history("fraud"))
    assert [c["version"] for c in history["items"] if c["to_stage"] == "production"] == [
        "1.0",
        "2.0",
    ]
    day_one = (world.clock() - dt.timedelta(days=2)).date().isoformat()
    then = reader.get("/api/models/fraud/at", params={"when": day_one}).json()
    moment = dt.datetime.fromisoformat(day_one).replace(tzinfo=dt.UTC)
    moment += dt.timedelta(days=1, microseconds=-1)  # a bare date: the end of that day
    assert then["holder"] == world.w.holder_at("fraud", moment)
    assert then["holder"]["version"] == "1.0"
    assert {a["role"] for a in then["holder"]["approved_by"]} == {
        "data_reviewer",
        "risk_reviewer",
        "ops_reviewer",
        "approver",
    }
    now = reader.get("/api/models/fraud/at", params={"when": world.clock().isoformat()}).json()
    assert now["holder"]["version"] == "2.0"
    before = reader.get("/api/models/fraud/at", params={"when": "2000-01-01"}).json()
    assert before["holder"] is None
    bad = reader.get("/api/models/fraud/at", params={"when": "yesterday"})
    assert bad.status_code == 400
    assert "expected a date or time like 2026-11-01" in bad.json()["detail"]


def test_waivers_and_emergencies(reader, world, app):
    waivers = reader.get("/api/models/fraud/versions/1.0/waivers").json()
    assert waivers["items"] == _json(world.w.list_waivers(VersionRef("fraud", "1.0")))
    assert [w["state"] for w in waivers["items"]] == ["granted"]
    assert reader.get("/api/emergencies").json()["items"] == []
    ref = world.version("3.0")
    cr = world.w.open_emergency(
        ref, to_stage="production", incident="INC-7", reason="fraud spike now", actor="alice"
    )
    found = reader.get("/api/emergencies").json()
    assert [c["id"] for c in found["items"]] == [cr.id]
    assert found["items"][0]["details"]["emergency"]["incident"] == "INC-7"
    assert reader.get("/api/emergencies", params={"overdue": True}).json()["items"] == []
    world.clock.advance(days=3)  # the post-incident review was due within 48 hours
    overdue = reader.get("/api/emergencies", params={"overdue": True}).json()
    assert [c["id"] for c in overdue["items"]] == [cr.id]


def test_the_portfolio_as_the_cli_prints_it(reader, world):
    now = reader.get("/api/portfolio").json()
    assert now == json.loads(json.dumps(world.api.portfolio.view().to_dict()))
    (row,) = now["models"]
    assert (row["model"], row["production"]) == ("fraud", "2.0")
    day_one = (world.clock() - dt.timedelta(days=2)).date().isoformat()
    then = reader.get("/api/portfolio", params={"at": day_one}).json()
    assert then == json.loads(json.dumps(world.api.portfolio.view(at=day_one).to_dict()))
    assert then["models"][0]["production"] == "1.0"
    team = reader.get("/api/portfolio", params={"team": "risk", "status": row["status"]}).json()
    assert [r["model"] for r in team["models"]] == ["fraud"]
    nobody = reader.get("/api/portfolio", params={"team": "nobody"})
    assert nobody.status_code == 400
    assert nobody.json()["detail"].endswith("unknown team 'nobody'; teams: risk")
    bad = reader.get("/api/portfolio", params={"status": "fine"})
    assert bad.status_code == 400
    trends = reader.get("/api/portfolio/trends", params={"by": "team"}).json()
    assert trends == json.loads(json.dumps(world.api.portfolio.trends(by="team")))
    assert trends["change_failure"]["deploys"] == 2


def test_inventory_export_and_the_audit_log(reader, world):
    from signoff.regulatory import inventory, inventory_bytes

    expected = inventory_bytes(inventory(world.api.core), "csv", created=world.clock())
    got = reader.get("/api/inventory")
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv")
    assert got.content == expected
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert [(r["name"], r["team"], r["risk_tier"]) for r in rows] == [("fraud", "risk", "high")]
    as_json = reader.get("/api/inventory", params={"format": "json"})
    assert as_json.content == inventory_bytes(
        inventory(world.api.core), "json", created=world.clock()
    )
    assert reader.get("/api/inventory", params={"format": "xml"}).status_code == 422

    log = reader.get("/api/log")
    assert log.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in log.text.splitlines()]
    assert lines == [json.loads(json.dumps(r)) for r in world.r.audit_log()]
    assert len(lines) == 2  # one audit attached to each deployed version
