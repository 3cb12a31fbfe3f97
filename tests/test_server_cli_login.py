"""`signoff login`'s server side: the device-authorization flow, the CLI session it yields
(the browser login's time, 8 h / 30 min idle, revocable, ledgered, stored hashed), and
sign-offs from it needing a login at most 15 minutes old — on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import LOCAL, csrf, login, populate, settings
from signoff.ledger import iter_events, verify_ledger


@pytest.fixture
def app(api):
    from signoff.server import create_app

    return create_app(api, settings())


@pytest.fixture
def cr(api, tmp_path: Path) -> str:
    return populate(api, tmp_path)


def _start(app) -> dict:
    from fastapi.testclient import TestClient

    started = TestClient(app, client=LOCAL).post("/api/cli-login")
    assert started.status_code == 200, started.text
    return started.json()


def _confirm(browser, started: dict) -> None:
    page = started["verification_uri_complete"].removeprefix("http://testserver")
    shown = browser.get(page)
    assert shown.status_code == 200
    assert started["user_code"] in shown.text
    done = browser.post(page, data={"csrf": csrf(browser)})
    assert done.status_code == 200, done.text
    assert "Return to it" in done.text


def _poll(app, started: dict):
    from fastapi.testclient import TestClient

    body = {"request": started["request"], "device_code": started["device_code"]}
    return TestClient(app, client=LOCAL).post("/api/cli-login/token", json=body)


def _cli_client(app, started: dict, stamp: str):
    from fastapi.testclient import TestClient

    headers = {"Authorization": f"Bearer {started['device_code']}", "Signoff-Session": stamp}
    return TestClient(app, client=LOCAL, headers=headers)


def test_login_flow_session_sign_and_logout(app, api, cr, clock):
    started = _start(app)
    assert started["device_code"].startswith("sod_")
    assert len(started["user_code"]) == 9
    assert started["user_code"][4] == "-"
    pending = _poll(app, started)
    assert pending.status_code == 400
    assert pending.json()["rule"] == "authorization_pending"

    anna = login(app, api, "anna")  # her browser login: the CLI session's login time
    browser_login = clock.now
    clock.advance(minutes=2)
    _confirm(anna, started)
    got = _poll(app, started)
    assert got.status_code == 200, got.text
    answer = got.json()
    assert answer["user"] == "anna"
    assert answer["login_at"] == browser_login.isoformat().replace("+00:00", "Z")
    # polling again, or confirming again, makes no second session
    assert _poll(app, started).json()["session"] == answer["session"]
    page = started["verification_uri_complete"].removeprefix("http://testserver")
    again = anna.post(page, data={"csrf": csrf(anna)}, headers={"Accept": "application/json"})
    assert again.status_code == 409
    assert again.json()["rule"] == "already_confirmed"

    # ledgered, hashed: the event carries the SHA-256 of the device code, never the code
    with api.store.transaction() as session:
        created = [e for e in iter_events(session) if e.action == "cli_session.created"]
    assert len(created) == 1
    payload = created[0].payload
    expected = hashlib.sha256(started["device_code"].encode()).hexdigest()
    assert payload["secret_sha256"] == expected
    assert payload["identity_provider"] == "login-link"
    assert payload["subject"] == "anna"
    assert started["device_code"] not in repr(payload)
    verify_ledger(api.store)  # raises when a table differs from the replay

    cli = _cli_client(app, started, answer["stamp"])
    me = cli.get("/api/me")
    assert me.status_code == 200
    assert me.json()["user"] == "anna"
    assert me.json()["via"] == "cli"
    stamp = me.headers["Signoff-Session"]

    # a sign-off from the CLI session: its login (the browser's) is 2 minutes old
    cli = _cli_client(app, started, stamp)
    shown = cli.get(f"/api/crs/{cr}")
    signed = cli.post(
        f"/api/crs/{cr}/sign",
        json={"role": "approver", "decision": "approve", "comment": "validation report read"},
        headers={"If-Match": shown.headers["ETag"]},
    )
    assert signed.status_code == 200, signed.text
    with api.store.transaction() as session:
        sign = [e for e in iter_events(session) if e.action == "cr.signed"][-1]
    assert sign.payload["login"]["login_at"] == answer["login_at"]

    # 15 minutes after the browser login: no sign-off (exactly as in the browser)
    clock.advance(minutes=14)
    cli = _cli_client(app, started, signed.headers["Signoff-Session"])
    stale = cli.post(
        f"/api/crs/{cr}/sign",
        json={"role": "approver", "decision": "approve", "comment": "validation report read"},
        headers={"If-Match": cli.get(f"/api/crs/{cr}").headers["ETag"]},
    )
    assert stale.status_code == 403
    assert stale.json()["rule"] == "fresh_login_required"

    # the request expired (10 minutes), and logout revokes the session
    assert _poll(app, started).json()["rule"] == "expired_token"
    out = _cli_client(app, started, stale.headers["Signoff-Session"]).post("/api/cli-login/logout")
    assert out.status_code == 200, out.text
    after = _cli_client(app, started, out.headers.get("Signoff-Session", stamp)).get("/api/me")
    assert after.status_code == 401
    assert after.json()["rule"] == "cli_session"
    verify_ledger(api.store)  # raises when a table differs from the replay


def test_idle_and_lifetime_limits_and_forgeries(app, api, cr, clock):
    started = _start(app)
    _confirm(login(app, api, "rita"), started)
    stamp = _poll(app, started).json()["stamp"]
    clock.advance(minutes=29)
    alive = _cli_client(app, started, stamp).get("/api/me")
    assert alive.status_code == 200
    clock.advance(minutes=31)  # 31 minutes after the last request: idle
    idle = _cli_client(app, started, alive.headers["Signoff-Session"]).get("/api/me")
    assert idle.status_code == 401
    assert idle.json()["rule"] == "cli_session"
    assert "run `signoff login` again" in idle.json()["detail"]

    # a stamp is needed, and a stamp of another session does not do
    other = _start(app)
    _confirm(login(app, api, "olga"), other)
    other_stamp = _poll(app, other).json()["stamp"]
    assert _cli_client(app, started, other_stamp).get("/api/me").status_code == 401
    assert _cli_client(app, other, "forged").get("/api/me").status_code == 401

    # a device code that does not match its request, a forged request, an old request
    fake = {**other, "device_code": "sod_" + "0" * 64}
    assert _poll(app, fake).json()["rule"] == "invalid_request"
    assert _poll(app, {**other, "request": other["request"] + "x"}).status_code == 400
    clock.advance(minutes=11)
    assert _poll(app, other).json()["rule"] == "expired_token"

    # 8 hours after the browser login the session ends, however busy
    third = _start(app)
    _confirm(login(app, api, "dave"), third)
    stamp = _poll(app, third).json()["stamp"]
    for _ in range(17):
        clock.advance(minutes=29)
        answer = _cli_client(app, third, stamp).get("/api/me")
        if answer.status_code != 200:
            break
        stamp = answer.headers["Signoff-Session"]
    assert answer.status_code == 401
    assert clock.now - dt_of(api, "dave") > settings().session_max


def dt_of(api, user: str):
    with api.store.transaction() as session:
        made = [
            e
            for e in iter_events(session)
            if e.action == "cli_session.created" and e.payload["user"] == user
        ]
    import datetime as dt

    return dt.datetime.fromisoformat(made[-1].payload["login_at"])


def test_only_a_browser_session_confirms_and_tokens_cannot(app, api, cr):
    from fastapi.testclient import TestClient

    from server_helpers import bearer

    started = _start(app)
    page = started["verification_uri_complete"].removeprefix("http://testserver")
    anonymous = TestClient(app, client=LOCAL).post(page)
    assert anonymous.status_code == 401
    token = TestClient(app, client=LOCAL, headers=bearer(api, "alice", "write"))
    refused = token.post(page)
    assert refused.status_code == 403
    assert refused.json()["rule"] == "browser_session_required"
    no_csrf = login(app, api, "alice").post(page)
    assert no_csrf.status_code == 403
    assert no_csrf.json()["rule"] == "csrf"
    assert _poll(app, started).json()["rule"] == "authorization_pending"
