"""Emergency changes, their review and rollback over HTTP, on SQLite and PostgreSQL: the
CLI's rules (operator rolls back, one on-call approver, no self-review), recorded alike."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import LOCAL, bearer, settings
from signoff.ledger import verify_ledger
from signoff.registry import VersionRef


@pytest.fixture
def app(world: Any):
    from signoff.server import create_app

    world.deployed("1.0")
    world.clock.advance(days=1)
    world.deployed("2.0")
    return create_app(world.api, settings())


def _client(app, headers: dict[str, str] | None = None):
    from fastapi.testclient import TestClient

    return TestClient(app, client=LOCAL, headers=headers or {})


def _stage(world: Any, version: str) -> str:
    return str(world.r.get_version(VersionRef("fraud", version)).stage)


def _refusals(world: Any) -> list[dict]:
    """What the ledger recorded as refused (the CLI's refusals and the server's)."""
    query = "SELECT payload FROM ledger_events WHERE action LIKE '%.refused'"
    with world.api.store.engine.connect() as conn:
        return [json.loads(p) for (p,) in conn.execute(text(query))]


def test_the_operator_rolls_production_back(app, world):
    assert _stage(world, "2.0") == "production"
    alice = _client(app, bearer(world.api, "alice", "write"))
    refused = alice.post("/api/models/fraud/rollback", json={"reason": "errors spiked"})
    assert refused.status_code == 403
    assert refused.json()["rule"] == "cannot_roll_back"
    recorded = {"rule": "rollback", "message": refused.json()["detail"]}  # as from the CLI
    assert recorded in _refusals(world)
    assert _stage(world, "2.0") == "production"
    olga = _client(app, bearer(world.api, "olga", "write"))
    done = olga.post("/api/models/fraud/rollback", json={"reason": "errors spiked after 2.0"})
    assert done.status_code == 200, done.text
    assert done.json() == {
        "model": "fraud",
        "version": "1.0",
        "changed": True,
        "rolled_back_from": "fraud@2.0",
    }
    assert _stage(world, "1.0") == "production"
    assert _stage(world, "2.0") != "production"
    assert world.r.history("fraud")[-1].actor == "olga"
    again = olga.post("/api/models/fraud/rollback", json={"reason": "errors spiked after 2.0"})
    assert again.json()["changed"] is False  # a retry changes nothing
    verify_ledger(world.api.store)


def test_an_emergency_opened_signed_deployed_and_reviewed(app, world):
    olga = _client(app, bearer(world.api, "olga", "write"))
    ask = {"version": "fraud@1.0", "to_stage": "production", "incident": "INC-7", "reason": ""}
    ask["reason"] = "2.0 declines every card from one issuer"
    opened = olga.post("/api/emergencies", json=ask)
    assert opened.status_code == 201, opened.text
    cr = opened.json()["id"]
    assert opened.headers["location"] == f"/api/crs/{cr}"
    assert opened.json()["state"] == "submitted"
    assert [o["role"] for o in opened.json()["outstanding"]] == ["on_call"]
    # carl, on call, signs in a browser session (a token never can)
    carl = _client(app)
    _, secret = world.api.registry.tokens.create_login_link("carl", actor="carl")
    carl.post("/login/link", data={"token": secret})
    headers = {
        "If-Match": opened.headers["etag"],
        "X-CSRF-Token": carl.get("/api/me").json()["csrf"],
    }
    body = {"role": "on_call", "decision": "approve", "comment": "INC-7 confirmed, roll back now"}
    signed = carl.post(f"/api/crs/{cr}/sign", json=body, headers=headers)
    assert signed.status_code == 200, signed.text
    assert signed.json()["state"] == "approved"
    deployed = olga.post(f"/api/crs/{cr}/deploy", headers={"If-Match": signed.headers["etag"]})
    assert deployed.status_code == 200, deployed.text
    assert _stage(world, "1.0") == "production"
    review = {"findings": "an issuer-specific feature broke", "actions": "add the issuer to tests"}
    own = olga.post(f"/api/crs/{cr}/review", json=review)
    assert (own.status_code, own.json()["rule"]) == (403, "own_review")
    recorded = {"rule": "review_emergency", "message": own.json()["detail"]}
    assert recorded in _refusals(world)
    anna = _client(app, bearer(world.api, "anna", "write"))
    closed = anna.post(f"/api/crs/{cr}/review", json=review)
    assert closed.status_code == 200, closed.text
    assert closed.json()["review"]["findings"] == review["findings"]
    verify_ledger(world.api.store)


def test_an_emergency_needs_an_incident(app, world):
    olga = _client(app, bearer(world.api, "olga", "write"))
    ask = {"version": "fraud@1.0", "to_stage": "production", "incident": " ", "reason": "x"}
    answer = olga.post("/api/emergencies", json=ask)
    assert answer.status_code == 400
    assert "incident" in answer.json()["detail"]
