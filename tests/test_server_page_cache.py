"""The pages' cache (keyed by the ledger's tree size and the minute): a page read again
at the same state is served from it, and any write — from this app or another worker —
shows at once (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import csrf, login, populate, settings

COMMENT = "Risk rating and rollback plan reviewed; fine to ship."
HTML = {"accept": "text/html"}


def test_a_page_is_recomputed_exactly_when_the_ledger_grows(api, clock, tmp_path: Path):
    import signoff
    from signoff.server import create_app

    cr = populate(api, tmp_path)
    app = create_app(api, settings())
    cache = app.state.page_cache
    reader = login(app, api, "audrey")
    first = reader.get(f"/crs/{cr}", headers=HTML)
    misses, hits = cache.misses, cache.hits
    again = reader.get(f"/crs/{cr}", headers=HTML)
    # two hits: the reader's own record (their roles) and the page's data, same state
    assert (cache.misses, cache.hits) == (misses, hits + 2)
    assert again.text.replace(again.headers["etag"], "") == first.text.replace(
        first.headers["etag"], ""
    )
    assert "rita" not in first.text
    # another worker (its own connection, its own cache) records a sign-off
    other = signoff.connect(
        api.store.engine.url.render_as_string(False), artifacts=tmp_path / "artifacts", clock=clock
    )
    with other:
        rita = login(create_app(other, settings()), other, "rita")
        etag = rita.get(f"/api/crs/{cr}").headers["etag"]
        body = {"role": "risk_reviewer", "decision": "approve", "comment": COMMENT}
        signed = rita.post(
            f"/api/crs/{cr}/sign", json=body, headers={"If-Match": etag, "X-CSRF-Token": csrf(rita)}
        )
        assert signed.status_code == 200, signed.text
    after = reader.get(f"/crs/{cr}", headers=HTML)
    assert cache.misses == misses + 2  # the reader's record and the page, read again
    assert "by rita as risk_reviewer" in " ".join(after.text.split())
    assert after.headers["etag"] != first.headers["etag"]
    listed = reader.get("/crs", headers=HTML)
    assert cr in listed.text
    before = cache.misses
    clock.advance(minutes=1)  # time-dependent flags (a waiver lapsing) are at most a minute old
    reader.get("/crs", headers=HTML)
    assert cache.misses == before + 2


def test_an_unknown_cr_is_not_cached(api, tmp_path: Path):
    from signoff.server import create_app

    populate(api, tmp_path)
    app = create_app(api, settings())
    reader = login(app, api, "audrey")
    for _ in range(2):
        assert reader.get("/crs/CR-99", headers=HTML).status_code == 404
    assert app.state.page_cache.hits == 1  # the reader's record only, never the page
