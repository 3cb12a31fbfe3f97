"""The JSON API of ``signoff serve`` on SQLite and PostgreSQL: the core's rules over HTTP,
problem details carrying the CLI's message, ETag/If-Match, pagination, health."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import LOCAL, bearer, csrf, login, populate, settings
from signoff.errors import NotFound
from signoff.ledger import iter_events, verify_ledger


@pytest.fixture
def app(api):
    from signoff.server import create_app

    return create_app(api, settings())


@pytest.fixture
def cr(api, tmp_path: Path) -> str:
    return populate(api, tmp_path)


def _events(api, action: str) -> list:
    with api.store.transaction() as session:
        return [e for e in iter_events(session) if e.action == action]


def test_health_readiness_and_openapi(app, api):
    from fastapi.testclient import TestClient

    client = TestClient(app)
    assert client.get("/healthz").json() == {"status": "ok"}
    from signoff.store import head_revision

    assert client.get("/readyz").json() == {"status": "ready", "schema": head_revision()}
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/crs/{cr}/sign" in spec["paths"]


def test_errors_are_problem_details_with_the_cli_message(app, api, cr):
    from fastapi.testclient import TestClient

    anonymous = TestClient(app).get("/api/models")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert anonymous.headers["www-authenticate"] == 'Bearer realm="signoff"'
    reader = TestClient(app, headers=bearer(api, "audrey", "read"))
    missing = reader.get("/api/models/nope")
    with pytest.raises(NotFound) as raised:
        api.registry.get_model("nope")
    assert missing.status_code == 404
    assert missing.json()["detail"] == raised.value.render()  # what the CLI prints
    assert missing.json()["title"] == "NotFound"


def test_pagination(app, api, cr):
    for name in ("m1", "m2"):
        api.registry.register_model(
            name, owner="alice", team="risk", use_case="x", risk_tier="low", actor="alice"
        )
    from fastapi.testclient import TestClient

    reader = TestClient(app, headers=bearer(api, "audrey", "read"))
    first = reader.get("/api/models", params={"limit": 2}).json()
    assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
    assert [m["name"] for m in first["items"]] == ["fraud", "m1"]
    second = reader.get(first["next"]).json()
    assert [m["name"] for m in second["items"]] == ["m2"]
    assert second["next"] is None
    assert reader.get("/api/models", params={"limit": 0}).status_code == 422


def test_tokens_are_ledgered_hashed_scoped_and_revocable(app, api, clock, cr):
    from fastapi.testclient import TestClient

    token, secret = api.registry.tokens.create_token(
        "alice", scope="read", expires=__import__("datetime").timedelta(days=90), actor="alice"
    )
    created = _events(api, "token.created")[-1]
    assert created.payload["secret_sha256"] == hashlib.sha256(secret.encode()).hexdigest()
    with api.store.transaction() as session:
        assert all(secret not in json.dumps(e.payload) for e in iter_events(session))
    listed = api.registry.tokens.list_tokens("alice")
    assert [t.id for t in listed] == [token.id]
    assert not any(secret in repr(t) for t in listed)
    client = TestClient(app, headers={"Authorization": f"Bearer {secret}"})
    assert client.get("/api/crs").json()["total"] == 1
    refused = client.post(f"/api/crs/{cr}/deploy", headers={"If-Match": '"r1"'})
    assert (refused.status_code, refused.json()["rule"]) == (403, "token_scope")
    recorded = _events(api, "access.refused")[-1]
    assert (recorded.actor, recorded.payload["rule"]) == ("alice", "token_scope")
    api.registry.tokens.revoke_token(token.id, actor="admin")
    assert client.get("/api/crs").status_code == 401
    verify_ledger(api.store)  # server_tokens is re-derived from the events


def test_tokens_expire(app, api, clock, cr):
    from fastapi.testclient import TestClient

    client = TestClient(app, headers=bearer(api, "alice", "read", days=1))
    assert client.get("/api/me").json()["user"] == "alice"
    clock.advance(days=1, seconds=1)
    assert client.get("/api/me").status_code == 401


def test_a_read_only_user_gets_only_read_tokens(api, cr):
    from signoff.errors import WorkflowRefused

    with pytest.raises(WorkflowRefused, match="audrey holds only read-only roles"):
        api.registry.tokens.create_token(
            "audrey",
            scope="write",
            expires=__import__("datetime").timedelta(days=1),
            actor="audrey",
        )
    with pytest.raises(WorkflowRefused, match="only alice or an admin can"):
        api.registry.tokens.create_token(
            "alice", scope="read", expires=__import__("datetime").timedelta(days=1), actor="olga"
        )


def test_a_token_can_never_sign(app, api, cr):
    from fastapi.testclient import TestClient

    writer = TestClient(app, headers=bearer(api, "anna", "write"))
    etag = writer.get(f"/api/crs/{cr}").headers["etag"]
    body = {"role": "approver", "decision": "approve", "comment": "checked the validation report"}
    refused = writer.post(f"/api/crs/{cr}/sign", json=body, headers={"If-Match": etag})
    assert (refused.status_code, refused.json()["rule"]) == (403, "token_cannot_sign")
    assert api.workflow.get_cr(cr).signoffs == ()


def test_sign_in_a_session_records_login_and_evidence(app, api, clock, cr):
    anna = login(app, api, "anna")
    page = anna.get(f"/api/crs/{cr}")
    etag = page.headers["etag"]
    body = {"role": "approver", "decision": "approve", "comment": "checked the validation report"}
    no_csrf = anna.post(f"/api/crs/{cr}/sign", json=body, headers={"If-Match": etag})
    assert (no_csrf.status_code, no_csrf.json()["rule"]) == (403, "csrf")
    headers = {"If-Match": etag, "X-CSRF-Token": csrf(anna)}
    no_match = anna.post(f"/api/crs/{cr}/sign", json=body, headers={"X-CSRF-Token": csrf(anna)})
    assert (no_match.status_code, no_match.json()["rule"]) == (428, "if_match")
    signed = anna.post(f"/api/crs/{cr}/sign", json=body, headers=headers)
    assert signed.status_code == 200, signed.text
    assert signed.json()["signoffs"][0]["user"] == "anna"
    event = _events(api, "cr.signed")[-1]
    login_at = api.core.clock().isoformat().replace("+00:00", "Z")
    assert event.payload["login"] == {
        "login_at": login_at,
        "identity_provider": "login-link",
        "subject": "anna",
        "shown_evidence": None,
    }
    # the same page, posted again: the CR moved on, the stale page cannot win
    again = anna.post(f"/api/crs/{cr}/sign", json=body, headers=headers)
    assert (again.status_code, again.json()["rule"]) == (412, "stale_page")
    assert len(_events(api, "cr.signed")) == 1
    verify_ledger(api.store)


def test_sign_needs_a_fresh_login_and_sessions_expire(app, api, clock, cr):
    anna = login(app, api, "anna")
    token = csrf(anna)
    clock.advance(minutes=16)
    etag = anna.get(f"/api/crs/{cr}").headers["etag"]
    body = {"role": "approver", "decision": "approve", "comment": "checked the validation report"}
    stale = anna.post(
        f"/api/crs/{cr}/sign", json=body, headers={"If-Match": etag, "X-CSRF-Token": token}
    )
    assert (stale.status_code, stale.json()["rule"]) == (403, "fresh_login_required")
    assert _events(api, "access.refused")[-1].payload["rule"] == "fresh_login_required"
    clock.advance(minutes=31)  # idle for longer than 30 minutes: the session is over
    assert anna.get("/api/me").status_code == 401


def test_sessions_end_after_eight_hours_however_busy(app, api, clock, cr):
    anna = login(app, api, "anna")
    for _ in range(17):  # active every 29 minutes: 8 h 13 min in all
        clock.advance(minutes=29)
        last = anna.get("/api/me")
    assert last.status_code == 401


def test_requester_is_refused_with_the_rule_and_the_refusal_recorded(app, api, cr):
    alice = login(app, api, "alice")
    etag = alice.get(f"/api/crs/{cr}").headers["etag"]
    body = {"role": "approver", "decision": "approve", "comment": "checked the validation report"}
    refused = alice.post(
        f"/api/crs/{cr}/sign", json=body, headers={"If-Match": etag, "X-CSRF-Token": csrf(alice)}
    )
    assert refused.status_code == 403
    assert refused.json()["rule"] == "role_not_held"
    assert refused.json()["detail"] == "alice does not hold the role approver"
    assert _events(api, "cr.refused")[-1].payload["message"] == refused.json()["detail"]


def test_shown_evidence_must_be_the_current_evidence(app, api, cr):
    anna = login(app, api, "anna")
    etag = anna.get(f"/api/crs/{cr}").headers["etag"]
    body = {
        "role": "approver",
        "decision": "approve",
        "comment": "checked the validation report",
        "shown_evidence": {
            "audit_results_sha256": None,
            "report_sha256": None,
            "model_card_sha256": "0" * 64,
        },
    }
    refused = anna.post(
        f"/api/crs/{cr}/sign", json=body, headers={"If-Match": etag, "X-CSRF-Token": csrf(anna)}
    )
    assert (refused.status_code, refused.json()["rule"]) == (403, "evidence_not_shown")


def test_login_links_are_single_use_and_expire(app, api, clock, cr):
    from fastapi.testclient import TestClient

    _, secret = api.registry.tokens.create_login_link("anna", actor="anna")
    client = TestClient(app, client=LOCAL)
    assert (
        client.post("/login/link", data={"token": secret}, follow_redirects=False).status_code
        == 303
    )
    assert client.post("/login/link", data={"token": secret}).status_code == 401
    _, later = api.registry.tokens.create_login_link("anna", actor="anna")
    clock.advance(minutes=10, seconds=1)
    assert (
        TestClient(app, client=LOCAL).post("/login/link", data={"token": later}).status_code == 401
    )
    verify_ledger(api.store)


def test_login_links_work_only_on_loopback(api, cr):
    from fastapi.testclient import TestClient

    from signoff.server import create_app

    _, secret = api.registry.tokens.create_login_link("anna", actor="anna")
    off = TestClient(create_app(api, settings(login_links=False)), client=LOCAL)
    remote = TestClient(create_app(api, settings()), client=("203.0.113.7", 40000))
    proxied = TestClient(create_app(api, settings()), client=LOCAL)
    for client, headers in ((off, {}), (remote, {}), (proxied, {"X-Forwarded-For": "203.0.113.7"})):
        refused = client.post("/login/link", data={"token": secret}, headers=headers)
        assert (refused.status_code, refused.json()["rule"]) == (403, "login_links")
    # refused before it was spent: it still works from this machine
    assert (
        proxied.post("/login/link", data={"token": secret}, follow_redirects=False).status_code
        == 303
    )


def test_ledger_page_verifies_and_serves_proofs(app, api, cr):
    from signoff.ledger import check_inclusion_doc

    audrey = login(app, api, "audrey")
    page = audrey.get("/ledger")
    assert page.status_code == 200
    assert 'name="csrf"' in page.text
    size = api.ledger.verify().size
    verified = audrey.post("/ledger", data={"csrf": csrf(audrey)})
    assert f"Verified: {size} event(s)" in verified.text
    bad = audrey.post("/ledger", data={"csrf": csrf(audrey), "checkpoint": "not a note"})
    assert bad.status_code == 400
    assert "a checkpoint needs the public key" in bad.text
    proof = audrey.get("/ledger/proof", params={"seq": 1})
    assert proof.headers["content-disposition"] == 'attachment; filename="signoff-proof-1.json"'
    check_inclusion_doc(
        proof.json(), public_key_text=None
    )  # what `ledger check-proof` runs, offline


def test_pages_show_the_form_only_to_who_may_sign(app, api, cr):
    anna, alice = login(app, api, "anna"), login(app, api, "alice")
    assert 'action="/crs/CR-1/sign"' in anna.get(f"/crs/{cr}").text
    mine = alice.get(f"/crs/{cr}").text
    assert "first fraud model" in mine
    assert 'action="/crs/CR-1/sign"' not in mine
    for path in ("/crs", "/models", "/models/fraud", "/models/fraud/versions/1.0"):
        assert alice.get(path).status_code == 200, path


def test_a_person_with_no_role_reads_and_is_refused_writes(app, api, cr):
    """Least privilege: no role (e.g. removed from every mapped group) is read-only."""
    api.registry.add_user("nora", "nora@example.org", [], actor="admin")
    nora = login(app, api, "nora")
    page = nora.get(f"/crs/{cr}")
    assert page.status_code == 200
    assert "first fraud model" in page.text
    assert 'action="/crs/CR-1/sign"' not in page.text
    refused = nora.post(
        "/api/models",
        json={"name": "x", "owner": "nora", "team": "risk", "use_case": "y", "risk_tier": "low"},
        headers={"X-CSRF-Token": csrf(nora)},
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["rule"] == "read_only_role"
    assert refused.json()["detail"].startswith("nora holds no role and cannot change the registry")
    assert [m.name for m in api.registry.list_models()] == ["fraud"]
