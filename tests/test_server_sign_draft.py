"""A sign-off form refused for a stale login keeps what the reviewer typed — through the
refusal and signing in again — and only for that reviewer (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import login, populate, settings
from signoff.ledger import iter_events

HTML = {"accept": "text/html"}
COMMENT = "Read the validation report & rollback plan <twice>; fine to ship."


def _form(client, cr: str, comment: str) -> dict[str, str]:
    """The sign-off form as the page gives it (hidden fields: CSRF, revision, evidence)."""
    page = client.get(f"/crs/{cr}", headers=HTML).text
    form = page[page.index(f'action="/crs/{cr}/sign"') :]
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)
    return {**dict(hidden), "role": "approver", "decision": "approve", "comment": comment}


def _signed(api) -> list:
    with api.store.transaction() as session:
        return [e for e in iter_events(session) if e.action == "cr.signed"]


def test_a_stale_login_refusal_keeps_the_comment_for_the_same_person(api, clock, tmp_path: Path):
    from signoff.server import create_app

    cr = populate(api, tmp_path)
    app = create_app(api, settings())
    anna = login(app, api, "anna")
    form = _form(anna, cr, COMMENT)
    clock.advance(minutes=16)  # the reviewer read on: the login is no longer fresh
    refused = anna.post(f"/crs/{cr}/sign", data=form, headers=HTML, follow_redirects=False)
    assert refused.status_code == 403
    assert "fresh_login_required" in refused.text
    assert "What you typed is kept" in refused.text
    back = anna.get(f"/crs/{cr}", headers=HTML).text
    assert f">{html.escape(COMMENT)}</textarea>" in back  # escaped, in the form again
    assert 'value="approve" checked' in back
    assert _session(anna)["draft"]["comment"] == COMMENT
    # another person on the same machine never sees it
    rita = login(app, api, "rita")
    assert COMMENT not in rita.get(f"/crs/{cr}", headers=HTML).text
    # signing in again as anna (same browser) keeps it; the sign-off then goes through
    _, secret = api.registry.tokens.create_login_link("anna", actor="anna")
    again = anna.post("/login/link", data={"token": secret}, follow_redirects=False)
    assert again.status_code == 303
    page = anna.get(f"/crs/{cr}", headers=HTML).text
    assert f">{html.escape(COMMENT)}</textarea>" in page
    form = _form(anna, cr, COMMENT)
    done = anna.post(f"/crs/{cr}/sign", data=form, headers=HTML, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert [(e.actor, e.payload["comment"]) for e in _signed(api)] == [("anna", COMMENT)]
    assert "draft" not in _session(anna)  # recorded: nothing left to keep


def _session(client) -> dict:
    """What the signed session cookie carries (its payload is base64 JSON)."""
    payload = client.cookies["signoff_session"].split(".")[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))


def test_a_draft_is_not_carried_to_another_persons_login(api, clock, tmp_path: Path):
    from signoff.server import create_app

    cr = populate(api, tmp_path)
    app = create_app(api, settings())
    anna = login(app, api, "anna")
    form = _form(anna, cr, COMMENT)
    clock.advance(minutes=16)
    anna.post(f"/crs/{cr}/sign", data=form, headers=HTML, follow_redirects=False)
    # the same browser now signs in as someone else: the draft is gone
    _, secret = api.registry.tokens.create_login_link("rita", actor="rita")
    assert anna.post("/login/link", data={"token": secret}, follow_redirects=False).is_redirect
    assert COMMENT not in anna.get(f"/crs/{cr}", headers=HTML).text


def test_a_comment_too_long_for_a_cookie_is_shown_to_copy(api, clock, tmp_path: Path):
    from signoff.server import create_app
    from signoff.server._drafts import KEEP_CHARS

    cr = populate(api, tmp_path)
    app = create_app(api, settings())
    anna = login(app, api, "anna")
    long = "checked the validation report line by line; " * (KEEP_CHARS // 40)
    assert len(long) > KEEP_CHARS
    form = _form(anna, cr, long)
    clock.advance(minutes=16)
    refused = anna.post(f"/crs/{cr}/sign", data=form, headers=HTML, follow_redirects=False)
    assert refused.status_code == 403
    assert f"readonly>{html.escape(long)}</textarea>" in refused.text
    assert html.escape(long) not in anna.get(f"/crs/{cr}", headers=HTML).text
