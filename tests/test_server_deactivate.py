"""Removing a person's access (`signoff user deactivate`), on SQLite and PostgreSQL: their
API tokens, CLI sessions and browser session stop working at their very next request
(API call and page), no login brings them back, the core refuses them as an actor, and
the ledger records it all and still verifies. Local and remote CLI alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import LOCAL, bearer, cli_login, csrf, login, populate, settings
from signoff.errors import ConfigError, WorkflowRefused
from signoff.ledger import verify_ledger

REASON = "left the company on 2026-01-31"


@pytest.fixture
def app(api, tmp_path: Path):
    from signoff.server import create_app

    populate(api, tmp_path)
    return create_app(api, settings())


def _actions(api, subject: str) -> list[str]:
    query = "SELECT action FROM ledger_events WHERE subject = :s ORDER BY seq"
    with api.store.engine.connect() as conn:
        return [a for (a,) in conn.execute(text(query), {"s": subject})]


def test_every_credential_stops_at_the_next_request(app, api):
    from fastapi.testclient import TestClient

    token = TestClient(app, headers=bearer(api, "anna", "write"))
    reader = TestClient(app, headers=bearer(api, "anna", "read"))
    browser = login(app, api, "anna")
    cli = cli_login(app, api, "anna")
    _, unspent = api.registry.tokens.create_login_link("anna", actor="anna")
    for client in (token, reader, browser, cli):
        assert client.get("/api/me").json()["user"] == "anna"
    assert browser.get("/crs", follow_redirects=False).status_code == 200
    admin = login(app, api, "admin")
    done = admin.post(
        "/api/users/anna/deactivate",
        json={"reason": REASON},
        headers={"X-CSRF-Token": csrf(admin)},
    )
    assert done.status_code == 200, done.text
    assert done.json()["roles"] == []
    assert done.json()["deactivated_at"] == api.core.clock().isoformat().replace("+00:00", "Z")
    for client in (token, reader, browser, cli):
        refused = client.get("/api/me")
        assert refused.status_code == 401, refused.text
    page = browser.get("/crs", follow_redirects=False)
    assert page.status_code in (302, 303, 401), page.text
    assert "anna" not in page.text
    link = TestClient(app, client=LOCAL).post("/login/link", data={"token": unspent})
    assert link.status_code == 401  # the unspent link was revoked with the rest
    with pytest.raises(WorkflowRefused, match="anna's access was removed"):
        api.registry.tokens.create_login_link("anna", actor="admin")
    with pytest.raises(WorkflowRefused, match="anna's access was removed"):
        api.registry.tokens.create_token("anna", scope="read", expires=_days(1), actor="admin")
    assert all(
        t.revoked_at is not None for t in api.registry.tokens.list_tokens("anna", sessions=True)
    )
    actions = _actions(api, "user:anna")
    assert actions[-1] == "user.deactivated"
    assert actions.count("token.revoked") == 3  # two tokens and the login link
    assert actions.count("cli_session.revoked") == 1
    assert "user.role_revoked" in actions
    verify_ledger(api.store)


def _days(n: int):
    import datetime as dt

    return dt.timedelta(days=n)


def test_the_core_refuses_them_and_their_provider_groups_give_nothing_back(app, api):
    api.registry.deactivate_user("dave", actor="admin", reason=REASON)
    with pytest.raises(WorkflowRefused, match=r"dave's access was removed on .* can no longer act"):
        api.registry.register_model(
            "churn", owner="dave", team="t", use_case="churn", risk_tier="low", actor="dave"
        )
    with pytest.raises(WorkflowRefused) as raised:
        api.workflow.sync_roles("dave", ["data-reviewers"], issuer="https://idp", subject="d1")
    assert raised.value.rule == "access_removed"
    assert api.registry.get_user("dave").roles == ()
    query = "SELECT payload FROM ledger_events WHERE action = 'access.refused'"
    with api.store.engine.connect() as conn:
        recorded = [json.loads(p) for (p,) in conn.execute(text(query))]
    assert recorded[-1]["rule"] == "access_removed"
    verify_ledger(api.store)


def test_who_may_remove_access(app, api):
    with pytest.raises(WorkflowRefused, match="only an admin can"):
        api.registry.deactivate_user("dave", actor="anna", reason=REASON)
    with pytest.raises(WorkflowRefused, match="cannot remove their own access"):
        api.registry.deactivate_user("admin", actor="admin", reason=REASON)
    with pytest.raises(ConfigError, match="--reason"):
        api.registry.deactivate_user("dave", actor="admin", reason="bye")
    api.registry.deactivate_user("dave", actor="admin", reason=REASON)
    with pytest.raises(WorkflowRefused, match="already removed"):
        api.registry.deactivate_user("dave", actor="admin", reason=REASON)
    assert api.registry.get_user("anna").deactivated_at is None


def test_the_cli_removes_access_locally_and_remotely(app, api, cli, tmp_path: Path):
    from remote_cli import live_app, serve

    local = {
        "SIGNOFF_DATABASE_URL": api.store.engine.url.render_as_string(hide_password=False),
        "SIGNOFF_HOME": str(tmp_path / "home"),
    }
    here = cli("user", "deactivate", "dave", "--reason", REASON, "--as", "admin", env=local)
    assert here.exit_code == 0, here.output
    assert here.stdout.splitlines() == ["removed dave's access; roles, tokens and sessions revoked",
                                        "dave"]  # fmt: skip
    wrote = cli("user", "grant", "anna", "--role", "auditor", "--as", "dave", env=local)
    assert wrote.exit_code == 4
    assert "dave's access was removed" in wrote.stderr
    oscar = bearer(api, "oscar", "read")
    with live_app(serve(api)) as url:
        token = bearer(api, "admin", "write")["Authorization"].removeprefix("Bearer ")
        remote = {
            "SIGNOFF_URL": url,
            "SIGNOFF_TOKEN": token,
            "SIGNOFF_HOME": str(tmp_path / "no-database"),
            "SIGNOFF_DATABASE_URL": "",
            "SIGNOFF_USER": "",
        }
        there = cli("user", "deactivate", "oscar", "--reason", REASON, "--json", env=remote)
        assert there.exit_code == 0, there.output
        shown = json.loads(there.stdout)
        assert (shown["id"], shown["roles"]) == ("oscar", [])
        again = cli("user", "deactivate", "oscar", "--reason", REASON, env=remote)
        assert again.exit_code == 4
        assert "oscar's access was already removed" in again.stderr
        import httpx

        assert httpx.get(f"{url}/api/me", headers=oscar).status_code == 401
    assert not (tmp_path / "no-database").exists()
    verify_ledger(api.store)
