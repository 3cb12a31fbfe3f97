"""``cr withdraw`` and ``cr override-risk`` over HTTP take If-Match like the other CR
transitions, on SQLite and PostgreSQL: 428 without it, 412 when malformed or stale (the
core checks the revision under the same write lock as the write), the refusal recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import bearer, populate, settings
from signoff.errors import WorkflowRefused
from signoff.ledger import verify_ledger

RISK = {"level": "high", "justification": "the fraud team's own models drift within weeks"}
WITHDRAW = {"reason": "superseded by the 1.1 retraining"}


@pytest.fixture
def app(api):
    from signoff.server import create_app

    return create_app(api, settings())


@pytest.fixture
def cr(api, tmp_path: Path) -> str:
    return populate(api, tmp_path)


def _client(app, api, user: str):
    from fastapi.testclient import TestClient

    return TestClient(app, headers=bearer(api, user, "write"))


def _count(api, action: str) -> int:
    query = "SELECT count(*) FROM ledger_events WHERE action = :action"
    with api.store.engine.connect() as conn:
        return int(conn.execute(text(query), {"action": action}).scalar_one())


def _refusals(api) -> list[dict]:
    query = "SELECT payload FROM ledger_events WHERE action = 'cr.refused'"
    with api.store.engine.connect() as conn:
        return [json.loads(p) for (p,) in conn.execute(text(query))]


@pytest.mark.parametrize(
    ("step", "user", "body"), [("override-risk", "rita", RISK), ("withdraw", "alice", WITHDRAW)]
)
def test_if_match_is_required_and_checked(app, api, cr, step, user, body):
    client = _client(app, api, user)
    before = api.workflow.get_cr(cr)
    missing = client.post(f"/api/crs/{cr}/{step}", json=body)
    assert (missing.status_code, missing.json()["rule"]) == (428, "if_match")
    assert missing.headers["content-type"] == "application/problem+json"
    assert step in missing.json()["detail"]
    bad = client.post(f"/api/crs/{cr}/{step}", json=body, headers={"If-Match": "yesterday"})
    assert (bad.status_code, bad.json()["rule"]) == (412, "if_match")
    stale_tag = f'"r{before.revision - 1}"'
    stale = client.post(f"/api/crs/{cr}/{step}", json=body, headers={"If-Match": stale_tag})
    assert (stale.status_code, stale.json()["rule"]) == (412, "stale_page")
    rule = step.replace("-", "_")
    assert {"rule": rule, "message": stale.json()["detail"]} in _refusals(api)
    assert api.workflow.get_cr(cr).revision == before.revision  # nothing changed
    fresh = client.get(f"/api/crs/{cr}").headers["etag"]
    assert fresh == f'"r{before.revision}"'
    done = client.post(f"/api/crs/{cr}/{step}", json=body, headers={"If-Match": fresh})
    assert done.status_code == 200, done.text
    assert done.headers["etag"] == f'"r{api.workflow.get_cr(cr).revision}"'
    assert done.headers["etag"] != fresh
    verify_ledger(api.store)


def test_two_people_on_one_stale_page_cannot_both_win(app, api, cr):
    """Rita overrides the risk from the page she read; Alice, who read the same page before
    it, cannot withdraw on it — she must read the CR again, and then she can."""
    rita, alice = _client(app, api, "rita"), _client(app, api, "alice")
    page = rita.get(f"/api/crs/{cr}").headers["etag"]
    assert alice.get(f"/api/crs/{cr}").headers["etag"] == page
    won = rita.post(f"/api/crs/{cr}/override-risk", json=RISK, headers={"If-Match": page})
    assert won.status_code == 200, won.text
    lost = alice.post(f"/api/crs/{cr}/withdraw", json=WITHDRAW, headers={"If-Match": page})
    assert (lost.status_code, lost.json()["rule"]) == (412, "stale_page")
    assert api.workflow.get_cr(cr).state == "submitted"
    again = rita.post(f"/api/crs/{cr}/override-risk", json=RISK, headers={"If-Match": page})
    assert (again.status_code, again.json()["rule"]) == (412, "stale_page")
    assert _count(api, "cr.risk_overridden") == 1
    now = alice.get(f"/api/crs/{cr}").headers["etag"]
    done = alice.post(f"/api/crs/{cr}/withdraw", json=WITHDRAW, headers={"If-Match": now})
    assert done.status_code == 200, done.text
    assert api.workflow.get_cr(cr).state == "withdrawn"
    verify_ledger(api.store)


def test_the_core_checks_the_revision_under_the_write_lock(api, cr):
    """The Python API takes ``if_match`` too; the CLI (local) passes none and is unchanged."""
    read = api.workflow.get_cr(cr).revision
    api.workflow.override_risk(
        cr, level="high", justification=RISK["justification"], actor="rita", if_match=read
    )
    with pytest.raises(WorkflowRefused) as raised:
        api.workflow.withdraw(cr, actor="alice", reason=WITHDRAW["reason"], if_match=read)
    assert raised.value.rule == "stale_page"
    assert f"revision {read}, now {api.workflow.get_cr(cr).revision}" in raised.value.message
    with pytest.raises(WorkflowRefused) as again:
        api.workflow.override_risk(
            cr, level="high", justification=RISK["justification"], actor="rita", if_match=read
        )
    assert again.value.rule == "stale_page"
    done = api.workflow.withdraw(cr, actor="alice", reason=WITHDRAW["reason"])
    assert done.state == "withdrawn"
