"""Webhook addresses may carry their receiver's secret: `governance show`/`list` and
`GET /api/governance[/versions]` show them as scheme and host to anyone but an admin, in
full to admins — locally, over HTTP and in remote mode, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from conftest import without_policies, write_governance
from server_helpers import bearer, settings
from signoff.workflow import GovernanceConfigWarning

SECRET = "https://hooks.slack.com:8443/services/T000/B000/XXSECRETXX?token=hunter2"
PLAIN = "https://alerts.example.org/signoff"


def _hooks(data: dict[str, Any]) -> None:
    without_policies(data)
    data["webhooks"] = [
        {"url": SECRET, "events": ["cr.approved"]},
        {"url": PLAIN},
        {"url_env": "SIGNOFF_TEST_HOOK_URL"},
    ]


@pytest.fixture
def api_with_hooks(api: Any, tmp_path: Path) -> Any:
    r = api.registry
    r.add_user("admin", "admin@example.org", ["admin"], actor=None)
    r.add_user("root", "root@example.org", ["admin"], actor="admin")
    r.add_user("audrey", "audrey@example.org", ["auditor"], actor="admin")
    r.add_user("anna", "anna@example.org", ["approver"], actor="admin")
    risky = write_governance(tmp_path, _hooks)  # recorded on purpose: the tests read it back
    with pytest.warns(GovernanceConfigWarning, match=r"webhooks\[0\]\.url"):
        proposed = api.workflow.propose_governance(risky, actor="admin")
    if proposed.state != "applied":
        api.workflow.decide_governance(
            f"G-{proposed.number}", actor="root", approve=True, comment="webhooks for the team"
        )
    return api


def _urls(document: dict[str, Any]) -> list[str | None]:
    return [h.get("url") for h in document["webhooks"]]


def _independent(url: str) -> str:
    """Scheme and host, by hand: what a non-admin may see."""
    scheme, rest = url.split("://", 1)
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
    return f"{scheme}://{host}"


def test_redact_url_keeps_scheme_and_host_only():
    from signoff.workflow import redact_url

    assert redact_url(SECRET) == "https://hooks.slack.com" == _independent(SECRET)
    assert redact_url("https://u:p@h.example.org:1/a?b#c") == "https://h.example.org"
    assert redact_url("http://[::1]:9/x") == "http://::1"
    assert redact_url("not a url") == "(redacted)"
    assert redact_url("https://") == "(redacted)"
    assert urlsplit(redact_url(SECRET)).path == ""


def test_the_api_shows_webhooks_in_full_to_admins_only(api_with_hooks: Any):
    from fastapi.testclient import TestClient

    from signoff.server import create_app

    api = api_with_hooks
    app = create_app(api, settings())
    full = [SECRET, PLAIN, None]
    shown = [_independent(SECRET), _independent(PLAIN), None]
    for user, scope, expected in (
        ("admin", "read", full),
        ("audrey", "read", shown),
        ("anna", "write", shown),
    ):
        client = TestClient(app, headers=bearer(api, user, scope))
        document = client.get("/api/governance").json()
        assert _urls(document) == expected, user
        assert document["webhooks"][2]["url_env"] == "SIGNOFF_TEST_HOOK_URL"
        assert document["sha256"] == api.workflow.rules().sha256  # the hash of the real one
        versions = client.get("/api/governance/versions").json()["items"]
        assert _urls(versions[-1]["document"]) == expected, user
        body = json.dumps([document, versions])
        assert ("hunter2" in body) == (user == "admin")
        assert ("XXSECRETXX" in body) == (user == "admin")


def test_governance_show_and_list_locally(api_with_hooks: Any, cli, tmp_path: Path):
    api = api_with_hooks
    env = {
        "SIGNOFF_DATABASE_URL": api.store.engine.url.render_as_string(hide_password=False),
        "SIGNOFF_HOME": str(tmp_path / "home"),
    }
    for args, user, secret in (
        (("governance", "show", "--json"), "admin", True),
        (("governance", "show", "--json"), "audrey", False),
        (("governance", "show"), "audrey", False),
        (("governance", "show", "--json"), None, False),  # nobody named: nobody's an admin
        (("governance", "list", "--json"), "admin", True),
        (("governance", "list", "--json"), "anna", False),
    ):
        named = ("--as", user) if user else ()
        done = cli(*args, *named, env=env)
        assert done.exit_code == 0, done.output
        assert ("hunter2" in done.stdout) == secret, (args, user)
        assert ("XXSECRETXX" in done.stdout) == secret, (args, user)
        assert "hooks.slack.com" in done.stdout
    data = json.loads(cli("governance", "show", "--json", "--as", "anna", env=env).stdout)
    assert _urls(data) == [_independent(SECRET), _independent(PLAIN), None]


def test_remote_mode_shows_what_the_server_shows_the_person(
    api_with_hooks: Any, cli, tmp_path: Path
):
    from remote_cli import live_app, serve

    api = api_with_hooks
    with live_app(serve(api)) as url:
        for user, secret in (("admin", True), ("audrey", False)):
            token = bearer(api, user, "read")["Authorization"].removeprefix("Bearer ")
            env = {
                "SIGNOFF_URL": url,
                "SIGNOFF_TOKEN": token,
                "SIGNOFF_HOME": str(tmp_path / "no-database"),
                "SIGNOFF_DATABASE_URL": "",
                "SIGNOFF_USER": "",
            }
            for args in (("governance", "show", "--json"), ("governance", "list", "--json")):
                done = cli(*args, env=env)
                assert done.exit_code == 0, done.output
                assert ("XXSECRETXX" in done.stdout) == secret, (args, user)
                assert "hooks.slack.com" in done.stdout
            other = cli("governance", "show", "--as", "admin", env=env)
            assert other.exit_code == (0 if user == "admin" else 4), other.output
    assert not (tmp_path / "no-database").exists()
