"""Every route × every kind of caller → allowed or refused, generated from the app's own
route list: a new route without an access rule fails here (and the app refuses to start)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import bearer, cli_login, csrf, login, populate, settings

#: Which callers each access level lets through (the rest get 401/403 from the server).
ALLOWED = {
    "public": {
        "anonymous",
        "read_token",
        "write_token",
        "monitor_token",
        "auditor",
        "approver",
        "stale_login",
        "cli_session",
    },
    "read": {
        "read_token",
        "write_token",
        "monitor_token",
        "auditor",
        "approver",
        "stale_login",
        "cli_session",
    },
    "write": {"write_token", "approver", "stale_login", "cli_session"},
    "sign": {"approver", "cli_session"},  # `signoff login` with a fresh browser login
    "monitor": {"monitor_token", "approver", "stale_login", "cli_session"},
}
ACCESS_RULES = {
    "sign_in",
    "token_scope",
    "read_only_role",
    "token_cannot_sign",
    "fresh_login_required",
}


def route_table(app) -> list[tuple[str, str, str]]:
    """``(method, path, level)`` for every route; AssertionError names one without a rule."""
    from signoff.server import api_routes, route_access

    table = []
    for route in api_routes(app.routes):
        level = route_access(route)
        assert level in ALLOWED, f"{sorted(route.methods)} {route.path} has no access rule"
        for method in sorted(route.methods - {"HEAD"}):
            table.append((method, route.path, level))
    return table


def test_a_route_without_a_rule_is_caught(api):
    from signoff.server import create_app

    app = create_app(api, settings())
    app.add_api_route("/api/new-thing", lambda: {"ok": True}, methods=["GET"])
    with pytest.raises(
        AssertionError, match=re.escape("['GET'] /api/new-thing has no access rule")
    ):
        route_table(app)


def _fill(path: str, cr: str) -> str:
    values = {"cr": cr, "model": "fraud", "version": "1.0", "seq": "1", "waiver": "W-1"}
    values |= {"sha256": "0" * 64, "user": "anna", "gid": "G-1", "token_id": "tok-0"}
    values["request_blob"] = "not-a-login-request"
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def test_route_by_role(api, clock, tmp_path: Path):
    from fastapi.testclient import TestClient

    from signoff.server import create_app

    cr = populate(api, tmp_path)
    api.registry.add_user("moe", "moe@example.org", ["monitor"], actor="admin")
    app = create_app(api, settings())
    stale = login(app, api, "anna")
    clock.advance(minutes=16)
    callers = {
        "anonymous": TestClient(app),
        "read_token": TestClient(app, headers=bearer(api, "anna", "read")),
        "write_token": TestClient(app, headers=bearer(api, "anna", "write")),
        "monitor_token": TestClient(app, headers=bearer(api, "moe", "monitor")),
        "auditor": login(app, api, "audrey"),
        "approver": login(app, api, "anna"),
        "stale_login": stale,
        "cli_session": cli_login(app, api, "anna"),
    }
    tokens = {
        name: csrf(c)
        for name, c in callers.items()
        if name in ("auditor", "approver", "stale_login")
    }
    signing_out = {"/api/cli-login/logout": 1, "/logout": 2}
    table = sorted(route_table(app), key=lambda r: signing_out.get(r[1], 0))  # sign out last
    assert len(table) >= 30
    outcome = {}
    for method, path, level in table:
        for name, client in callers.items():
            headers = {"If-Match": '"r0"', "Accept": "application/json"}
            if name in tokens:
                headers["X-CSRF-Token"] = tokens[name]
            response = client.request(
                method, _fill(path, cr), headers=headers, json={}, follow_redirects=False
            )
            refused = response.status_code in (401, 403) and (
                response.json().get("rule") in ACCESS_RULES
            )
            outcome[(method, path, name)] = not refused
            expected = name in ALLOWED[level]
            assert refused != expected, (
                method,
                path,
                name,
                response.status_code,
                response.text,
            )
    # the table is real: every level both lets someone through and refuses someone
    for level in ("read", "write", "sign", "monitor"):
        rows = [(m, p) for (m, p, lv) in table if lv == level]
        assert rows, level
        assert any(outcome[(m, p, "approver")] for m, p in rows)
        assert not any(outcome[(m, p, "anonymous")] for m, p in rows)
