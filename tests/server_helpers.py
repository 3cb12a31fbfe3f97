"""What the server tests share: a registry with people and a CR, clients signed in as them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from conftest import without_policies, write_governance
from signoff.registry import VersionRef

#: A browser on the server's own machine (login links are accepted only from loopback).
LOCAL = ("127.0.0.1", 50000)
PEOPLE = {
    "alice": "requester",
    "dave": "data_reviewer",
    "rita": "risk_reviewer",
    "oscar": "ops_reviewer",
    "anna": "approver",
    "olga": "operator",
    "audrey": "auditor",
}


def settings(**overrides: Any) -> Any:
    from signoff.server import Settings

    values: dict[str, Any] = {
        "secret_key": "test-secret-key-of-at-least-32-characters",
        "public_url": "http://testserver",
        "secure_cookies": False,
        "login_links": True,
    }
    values.update(overrides)
    return Settings(**values)


def populate(api: Any, folder: Path) -> str:
    """Admin, the people above, the model ``fraud`` and a submitted high-risk CR; its id."""
    registry = api.registry
    registry.add_user("admin", "admin@example.org", ["admin"], actor=None)
    api.workflow.propose_governance(write_governance(folder, without_policies), actor="admin")
    for name, role in PEOPLE.items():
        registry.add_user(name, f"{name}@example.org", [role], actor="admin")
    registry.register_model(
        "fraud", owner="alice", team="risk", use_case="card fraud", risk_tier="high", actor="alice"
    )
    ref = VersionRef("fraud", "1.0")
    registry.add_version(ref, framework="sklearn", actor="alice")
    for kind in ("model_card", "validation_report", "rollback_plan"):
        registry.add_artifact(
            ref, kind, f"{kind} 1.0".encode(), filename=f"{kind}.md", actor="alice"
        )
    cr = api.workflow.open_cr(
        ref, to_stage="production", summary="first fraud model", actor="alice"
    )
    api.workflow.submit(cr.id, actor="alice")
    return str(cr.id)


def login(app: Any, api: Any, user: str) -> Any:
    """A TestClient signed in as ``user`` through a one-time login link."""
    from fastapi.testclient import TestClient

    client = TestClient(app, client=LOCAL)
    _, secret = api.registry.tokens.create_login_link(user, actor=user)
    response = client.post("/login/link", data={"token": secret}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def csrf(client: Any) -> str:
    """The session's CSRF token (what the pages put in their forms)."""
    return str(client.get("/api/me").json()["csrf"])


def bearer(api: Any, user: str, scope: str, days: int = 30) -> dict[str, str]:
    _, secret = api.registry.tokens.create_token(
        user, scope=scope, expires=dt.timedelta(days=days), actor=user
    )
    return {"Authorization": f"Bearer {secret}"}


def cli_login(app: Any, api: Any, user: str) -> Any:
    """A TestClient acting as ``user``'s `signoff login` session: the device flow started,
    confirmed in ``user``'s browser session (a login link), then polled."""
    from fastapi.testclient import TestClient

    anonymous = TestClient(app, client=LOCAL)
    started = anonymous.post("/api/cli-login").json()
    browser = login(app, api, user)
    page = started["verification_uri_complete"].removeprefix("http://testserver")
    assert browser.post(page, data={"csrf": csrf(browser)}).status_code == 200
    body = {"request": started["request"], "device_code": started["device_code"]}
    answer = anonymous.post("/api/cli-login/token", json=body)
    assert answer.status_code == 200, answer.text
    headers = {
        "Authorization": f"Bearer {started['device_code']}",
        "Signoff-Session": answer.json()["stamp"],
    }
    return TestClient(app, client=LOCAL, headers=headers)
