"""``Idempotency-Key`` on POST, on SQLite and PostgreSQL: a repeated request is answered
from the first answer (not run twice), per caller, refused when the key is reused for
another request or still in progress, released when the request failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import LOCAL, bearer, csrf, login, populate, settings
from signoff.ledger import iter_events, verify_ledger


@pytest.fixture
def app(api, tmp_path: Path):
    from signoff.server import create_app

    populate(api, tmp_path)
    return create_app(api, settings())


def _client(app, headers: dict[str, str]):
    from fastapi.testclient import TestClient

    return TestClient(app, client=LOCAL, headers=headers)


def _opened(api) -> int:
    with api.store.transaction() as session:
        return len(list(iter_events(session, action="cr.opened")))


ASK = {"version": "fraud@1.0", "to_stage": "staging", "summary": "try it in staging"}


def test_a_repeated_post_is_answered_once(app, api):
    alice = _client(app, bearer(api, "alice", "write"))
    before = _opened(api)
    first = alice.post("/api/crs", json=ASK, headers={"Idempotency-Key": "open-1"})
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = alice.post("/api/crs", json=ASK, headers={"Idempotency-Key": "open-1"})
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    for header in ("etag", "location", "content-type"):
        assert again.headers[header] == first.headers[header]
    assert _opened(api) == before + 1  # one CR, not two
    without = alice.post("/api/crs", json=ASK)  # no key: a new CR, as always
    assert without.json()["id"] != first.json()["id"]
    verify_ledger(api.store)


def test_a_transition_retried_after_it_succeeded_is_not_stale(app, api):
    alice = _client(app, bearer(api, "alice", "write"))
    cr = alice.post("/api/crs", json=ASK).json()
    headers = {"If-Match": cr["etag"], "Idempotency-Key": "submit-1"}
    first = alice.post(f"/api/crs/{cr['id']}/submit", headers=headers)
    assert first.status_code == 200, first.text
    retried = alice.post(f"/api/crs/{cr['id']}/submit", headers=headers)
    assert (retried.status_code, retried.json()) == (200, first.json())  # not 412
    fresh = alice.post(f"/api/crs/{cr['id']}/submit", headers={"If-Match": cr["etag"]})
    assert (fresh.status_code, fresh.json()["rule"]) == (412, "stale_page")


def test_a_key_reused_for_another_request_is_refused(app, api):
    alice = _client(app, bearer(api, "alice", "write"))
    assert alice.post("/api/crs", json=ASK, headers={"Idempotency-Key": "k"}).status_code == 201
    other = alice.post(
        "/api/crs", json={**ASK, "summary": "another"}, headers={"Idempotency-Key": "k"}
    )
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["rule"] == "idempotency_key_reused"


def test_keys_belong_to_their_caller(app, api):
    headers = {"Idempotency-Key": "shared"}
    one = _client(app, bearer(api, "alice", "write")).post("/api/crs", json=ASK, headers=headers)
    two = _client(app, bearer(api, "alice", "write")).post("/api/crs", json=ASK, headers=headers)
    assert one.status_code == two.status_code == 201
    assert one.json()["id"] != two.json()["id"]  # another token: its own keys


def test_a_session_is_a_caller_too(app, api):
    anna = login(app, api, "anna")
    headers = {"Idempotency-Key": "from-the-browser", "X-CSRF-Token": csrf(anna)}
    first = anna.post("/api/crs", json=ASK, headers=headers)
    again = anna.post("/api/crs", json=ASK, headers=headers)
    assert (first.status_code, again.headers["idempotent-replayed"]) == (201, "true")
    assert again.json()["id"] == first.json()["id"]


def test_a_failed_request_releases_its_key(app, api):
    alice = _client(app, bearer(api, "alice", "write"))
    headers = {"Idempotency-Key": "try-again"}
    bad = alice.post("/api/crs", json={**ASK, "to_stage": "moon"}, headers=headers)
    assert bad.status_code == 400
    good = alice.post("/api/crs", json=ASK, headers=headers)
    assert good.status_code == 201
    assert "idempotent-replayed" not in good.headers


def test_a_request_still_running_gets_409(app, api):
    from signoff.server._idempotency import KEEP, caller_of_token, fingerprint
    from signoff.store import claim_key

    token = bearer(api, "alice", "write")
    body = json.dumps(ASK).encode()
    headers = {"Idempotency-Key": "busy", "Content-Type": "application/json"}
    running = fingerprint("POST", "/api/crs", "", "", "application/json", body)
    caller = caller_of_token(token["Authorization"].removeprefix("Bearer "))
    claim_key(api.store, caller, "busy", running, now=api.core.clock(), keep=KEEP)  # claimed
    before = _opened(api)
    answer = _client(app, token).post("/api/crs", content=body, headers=headers)
    assert (answer.status_code, answer.json()["rule"]) == (409, "idempotency_in_progress")
    assert _opened(api) == before  # nothing ran
    changed = _client(app, token).post("/api/crs", content=body + b" ", headers=headers)
    assert changed.json()["rule"] == "idempotency_key_reused"  # another body, another request


def test_answers_expire_after_a_day(app, api, clock):
    alice = _client(app, bearer(api, "alice", "write", days=3))
    first = alice.post("/api/crs", json=ASK, headers={"Idempotency-Key": "daily"})
    clock.advance(hours=25)
    later = alice.post("/api/crs", json=ASK, headers={"Idempotency-Key": "daily"})
    assert later.status_code == 201
    assert later.json()["id"] != first.json()["id"]


def test_a_malformed_key_is_refused(app, api):
    alice = _client(app, bearer(api, "alice", "write"))
    answer = alice.post("/api/crs", json=ASK, headers={"Idempotency-Key": "x" * 256})
    assert (answer.status_code, answer.json()["rule"]) == (400, "idempotency_key")
