"""People and the rules over HTTP, on SQLite and PostgreSQL: only admins add users and
grant roles (never to themselves), a governance version proposed by one admin is put in
force by another, and every refusal is a 403 naming the rule with the core's message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from conftest import write_governance
from server_helpers import LOCAL, bearer, settings
from signoff.errors import WorkflowRefused


@pytest.fixture
def app(world: Any):
    from signoff.server import create_app

    return create_app(world.api, settings())


def _client(app: Any, world: Any, user: str, scope: str = "write") -> Any:
    from fastapi.testclient import TestClient

    return TestClient(app, client=LOCAL, headers=bearer(world.api, user, scope))


def _json(value: Any) -> Any:
    from signoff.server._present import plain

    return json.loads(json.dumps(plain(value)))


def test_users_added_granted_and_listed_by_admins_only(app, world):
    admin, alice = _client(app, world, "admin"), _client(app, world, "alice")
    added = admin.post(
        "/api/users", json={"name": "vera", "email": "vera@example.org", "roles": ["approver"]}
    )
    assert added.status_code == 201, added.text
    assert added.json() == {**_json(world.r.get_user("vera")), "id": "vera"}
    with pytest.raises(WorkflowRefused) as raised:
        world.r.add_user("zed", "zed@example.org", ["approver"], actor="alice")
    refused = alice.post(
        "/api/users", json={"name": "zed", "email": "zed@example.org", "roles": ["approver"]}
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == raised.value.render()
    assert refused.json()["rule"]
    unknown = admin.post(
        "/api/users", json={"name": "zed", "email": "zed@example.org", "roles": ["wizard"]}
    )
    assert unknown.status_code == 400
    assert "wizard" in unknown.json()["detail"]

    granted = admin.post("/api/users/vera/roles", json={"role": "risk_reviewer"})
    assert granted.status_code == 200, granted.text
    assert granted.json()["roles"] == list(world.r.get_user("vera").roles)
    assert "risk_reviewer" in granted.json()["roles"]
    assert alice.post("/api/users/vera/roles", json={"role": "admin"}).status_code == 403
    self_grant = admin.post("/api/users/admin/roles", json={"role": "approver"})
    assert self_grant.status_code == 403
    assert "admin" not in world.r.get_user("vera").roles

    listed = _client(app, world, "erin", "read").get("/api/users", params={"limit": 200}).json()
    assert listed["items"] == _json(world.r.list_users())
    assert listed["total"] == len(world.r.list_users())


def test_governance_proposed_by_one_admin_approved_by_another(app, world, tmp_path: Path):
    admin, admin2 = _client(app, world, "admin"), _client(app, world, "admin2")
    shown = _client(app, world, "erin", "read").get("/api/governance").json()
    rules = world.w.rules()
    assert shown["sha256"] == rules.sha256
    assert shown["in_force"] == rules.label

    folder = tmp_path / "proposal"
    path = write_governance(folder, lambda g: g.update(governance_name="Tighter"))
    policies = sorted((folder / "policies").glob("*.yaml"))
    files = [("governance", ("governance.yaml", path.read_bytes()))] + [
        ("policies", (f"policies/{p.name}", p.read_bytes())) for p in policies
    ]
    proposed = admin.post("/api/governance", files=files)
    assert proposed.status_code == 201, proposed.text
    gid = proposed.json()["id"]
    assert proposed.json()["state"] == "proposed"  # two admins: four eyes
    own = admin.post(f"/api/governance/{gid}/approve", json={"comment": "mine"})
    assert own.status_code == 403
    assert own.json()["rule"]
    done = admin2.post(f"/api/governance/{gid}/approve", json={"comment": "checked the diff"})
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "applied"
    assert world.w.rules().governance.governance_name == "Tighter"
    versions = admin.get("/api/governance/versions").json()["items"]
    assert versions == _json(world.w.governance.versions())
    assert versions[-1]["state"] == "applied"

    missing = admin.post("/api/governance", files=files[:1])  # the policies left behind
    assert missing.status_code == 400
    outside = write_governance(
        tmp_path / "outside",
        lambda g: g["stages"]["production"].update(policy=str(policies[0].resolve())),
    )
    refused = admin.post(
        "/api/governance",
        files=[("governance", ("governance.yaml", outside.read_bytes())), *files[1:]],
    )
    assert refused.status_code == 400
    assert "outside the uploaded files" in refused.json()["detail"]
    hostile = [files[0], ("policies", ("../evil.yaml", b"gates: []"))]
    assert admin.post("/api/governance", files=hostile).status_code == 400


def test_a_governance_id_in_other_digits_is_a_bad_request(app, world):
    """'²' is a digit to str.isdigit but not to int(): named, never a 500 (nor exit 70)."""
    admin = _client(app, world, "admin")
    for gid in ("²", "G-٣"):
        answer = admin.post(f"/api/governance/{gid}/approve", json={})
        assert answer.status_code == 400, answer.text
        assert gid in answer.json()["detail"]
