"""Every route × every kind of caller → allowed or refused, generated from the app's own
route list: a new route without an access rule fails here (and the app refuses to start).
A route that refuses by a rule of its own beyond its level (a token creating tokens, a
non-admin reading the webhook outbox) declares it, and the table counts it too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import bearer, cli_login, csrf, login, populate, settings

TOKENS = {"read_token", "write_token", "monitor_token"}
PEOPLE = {"auditor", "approver", "stale_login", "cli_session", "admin"}
#: Which callers each access level lets through (the rest get 401/403 from the server).
ALLOWED = {
    "public": {"anonymous", *TOKENS, *PEOPLE},
    "read": {*TOKENS, *PEOPLE},
    "write": {"write_token", "approver", "stale_login", "cli_session", "admin"},
    "sign": {"approver", "cli_session", "admin"},  # `signoff login` with a fresh browser login
    "monitor": {"monitor_token", "approver", "stale_login", "cli_session", "admin"},
}
ACCESS_RULES = {
    "sign_in",
    "token_scope",
    "read_only_role",
    "token_cannot_sign",
    "fresh_login_required",
}
#: Whom each route's own rule refuses, among the callers its level lets through.
ROUTE_REFUSES = {
    "tokens_from_people": TOKENS,
    "admin": {*TOKENS, *PEOPLE} - {"admin"},  # the tokens are anna's and moe's
    "browser_session_required": {*TOKENS, "cli_session"},
    "cli_session": {*TOKENS, *PEOPLE} - {"cli_session"},
}


def route_table(app) -> list[tuple[str, str, str, str | None]]:
    """``(method, path, level, route rule)`` for every route; AssertionError names one
    without an access rule, or with a route rule this table does not know."""
    from signoff.server import ROUTE_RULES, api_routes, route_access, route_rule

    assert set(ROUTE_REFUSES) == set(ROUTE_RULES)
    table = []
    for route in api_routes(app.routes):
        level = route_access(route)
        assert level in ALLOWED, f"{sorted(route.methods)} {route.path} has no access rule"
        rule = route_rule(route)
        assert rule is None or rule in ROUTE_REFUSES, (route.path, rule)
        for method in sorted(route.methods - {"HEAD"}):
            table.append((method, route.path, level, rule))
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
        "admin": login(app, api, "admin"),
    }
    tokens = {
        name: csrf(c)
        for name, c in callers.items()
        if name in ("auditor", "approver", "stale_login", "admin")
    }
    signing_out = {"/api/cli-login/logout": 1, "/logout": 2}
    table = sorted(route_table(app), key=lambda r: signing_out.get(r[1], 0))  # sign out last
    assert len(table) >= 30
    outcome = {}
    for method, path, level, rule in table:
        rules = ACCESS_RULES | ({rule} if rule else set())
        for name, client in callers.items():
            headers = {"If-Match": '"r0"', "Accept": "application/json"}
            if name in tokens:
                headers["X-CSRF-Token"] = tokens[name]
            response = client.request(
                method, _fill(path, cr), headers=headers, json={}, follow_redirects=False
            )
            refused = response.status_code in (401, 403) and (response.json().get("rule") in rules)
            outcome[(method, path, name)] = not refused
            expected = name in ALLOWED[level] and name not in ROUTE_REFUSES.get(rule, set())
            assert refused != expected, (
                method,
                path,
                name,
                response.status_code,
                response.text,
            )
    # the table is real: every level both lets someone through and refuses someone
    for level in ("read", "write", "sign", "monitor"):
        rows = [(m, p) for (m, p, lv, _) in table if lv == level]
        assert rows, level
        assert any(outcome[(m, p, "approver")] for m, p in rows)
        assert not any(outcome[(m, p, "anonymous")] for m, p in rows)
    # and so is every route rule: it refuses whom it names and lets someone through
    ruled = {(m, p): r for (m, p, _, r) in table if r}
    assert set(ruled.values()) == set(ROUTE_REFUSES), ruled
    for (m, p), rule in ruled.items():
        assert not any(outcome[(m, p, name)] for name in ROUTE_REFUSES[rule])
        assert any(outcome[(m, p, name)] for name in callers), (m, p)
