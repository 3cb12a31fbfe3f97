"""The refusals routes make by a rule of their own, on SQLite and PostgreSQL: each a 403
naming its rule and recorded in the ledger (``access.refused``) like every refusal, the
same caller of another kind let through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import bearer, cli_login, csrf, login, populate, settings
from signoff.ledger import verify_ledger


@pytest.fixture
def app(api, tmp_path: Path):
    from signoff.server import create_app

    populate(api, tmp_path)
    return create_app(api, settings())


def _recorded(api) -> list[dict]:
    query = "SELECT payload FROM ledger_events WHERE action = 'access.refused' ORDER BY seq"
    with api.store.engine.connect() as conn:
        return [json.loads(p) for (p,) in conn.execute(text(query))]


def _refused(api, response, rule: str, message: str, method: str, path: str) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["rule"] == rule
    assert response.json()["detail"] == message
    recorded = {"rule": rule, "message": message, "method": method, "path": path}
    assert _recorded(api)[-1] == recorded


def test_a_token_cannot_create_tokens(app, api):
    from fastapi.testclient import TestClient

    ask = {"user": "anna", "scope": "read", "expires": "1d"}
    token = TestClient(app, headers=bearer(api, "anna", "write"))
    refused = token.post("/api/tokens", json=ask)
    message = "a token cannot create tokens: a person creates them (signed in, or `signoff login`)"
    _refused(api, refused, "tokens_from_people", message, "POST", "/api/tokens")
    assert [t.user for t in api.registry.tokens.list_tokens("anna")] == ["anna"]  # only the one
    anna = login(app, api, "anna")
    made = anna.post("/api/tokens", json=ask, headers={"X-CSRF-Token": csrf(anna)})
    assert made.status_code == 201, made.text
    verify_ledger(api.store)


@pytest.mark.parametrize(
    ("method", "path", "what"),
    [
        ("GET", "/api/notifications", "read"),
        ("POST", "/api/notifications/deliver", "deliver"),
    ],
)
def test_the_webhook_outbox_is_for_admins(app, api, method, path, what):
    anna = login(app, api, "anna")
    refused = anna.request(method, path, json={}, headers={"X-CSRF-Token": csrf(anna)})
    message = f"only an admin can {what} the webhook outbox (anna is not one)"
    _refused(api, refused, "admin", message, method, path)
    admin = login(app, api, "admin")
    done = admin.request(method, path, json={}, headers={"X-CSRF-Token": csrf(admin)})
    assert done.status_code == 200, done.text


def test_cli_logins_are_confirmed_in_a_browser_and_ended_by_the_cli(app, api):
    from fastapi.testclient import TestClient

    token = TestClient(app, headers=bearer(api, "anna", "read"))
    refused = token.post("/cli-login/whatever")  # refused before the request is even read
    message = "a CLI login is confirmed by a person signed in in a browser, not by a token"
    _refused(api, refused, "browser_session_required", message, "POST", "/cli-login/whatever")
    browser = login(app, api, "anna")
    ended = browser.post("/api/cli-login/logout", headers={"X-CSRF-Token": csrf(browser)})
    message = "only a CLI session (`signoff login`) can log out here"
    _refused(api, ended, "cli_session", message, "POST", "/api/cli-login/logout")
    cli = cli_login(app, api, "anna")
    assert cli.post("/api/cli-login/logout").status_code == 200
    verify_ledger(api.store)
