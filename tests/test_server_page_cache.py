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
    before, stale = cache.misses, cache.stale
    clock.advance(minutes=1)  # time-dependent flags (a waiver lapsing) are at most a minute old
    reader.get("/crs", headers=HTML)  # the same tree size: last minute's, while this one computes
    assert cache.stale == stale + 2
    _settled(cache, before + 2)  # the reader's record and the list, recomputed in the background
    reader.get("/crs", headers=HTML)
    assert (cache.misses, cache.stale) == (before + 2, stale + 2)


def _settled(cache, misses: int) -> None:
    """Wait (at most 10 s) until the cache has computed ``misses`` values in all."""
    import time

    deadline = time.monotonic() + 10
    while cache.misses < misses and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.misses == misses


def test_an_unknown_cr_is_not_cached(api, tmp_path: Path):
    from signoff.server import create_app

    populate(api, tmp_path)
    app = create_app(api, settings())
    reader = login(app, api, "audrey")
    for _ in range(2):
        assert reader.get("/crs/CR-99", headers=HTML).status_code == 404
    assert app.state.page_cache.hits == 1  # the reader's record only, never the page


def _more_crs(api, count: int, first: int = 1) -> list[str]:
    """``count`` more submitted CRs (fraud 1.FIRST, …, each to staging)."""
    from signoff.registry import VersionRef

    ids = []
    for i in range(first, first + count):
        ref = VersionRef("fraud", f"1.{i}")
        api.registry.add_version(ref, framework="sklearn", actor="alice")
        for kind in ("model_card", "validation_report", "rollback_plan"):
            content = f"{kind} {ref.version}".encode()
            api.registry.add_artifact(ref, kind, content, filename=f"{kind}.md", actor="alice")
        cr = api.workflow.open_cr(ref, to_stage="staging", summary=f"try {i}", actor="alice")
        api.workflow.submit(cr.id, actor="alice")
        ids.append(str(cr.id))
    return ids


def test_the_cr_list_is_paged_newest_first_and_a_new_cr_shows_at_once(
    api, tmp_path: Path, monkeypatch
):
    import re

    from signoff.server import _pages, create_app

    populate(api, tmp_path)
    _more_crs(api, 4)
    everything = [c.id for c in api.workflow.list_crs()]  # the unpaged list, independently
    assert len(everything) == 5
    monkeypatch.setattr(_pages, "PAGE_SIZE", 2)
    app = create_app(api, settings())
    reader = login(app, api, "audrey")

    def shown(path: str) -> tuple[list[str], str]:
        text = reader.get(path, headers=HTML).text
        return re.findall(r'<td><a href="/crs/(CR-\d+)">', text), text

    pages, offset = [], 0
    while True:
        ids, text = shown(f"/crs?offset={offset}")
        pages.append(ids)
        if 'rel="next"' not in text:
            break
        offset += 2
    assert pages == [everything[0:2], everything[2:4], everything[4:5]]
    assert 'href="/crs?offset=2" rel="prev"' in text  # the last page leads back
    # the database pages the same way whatever the filter (state in SQL, waiting_for after)
    for filters in ({}, {"state": "submitted"}, {"waiting_for": "approver"}):
        full = [c.id for c in api.workflow.list_crs(**filters)]
        for start in range(0, 6):
            paged = api.workflow.list_crs(**filters, limit=2, offset=start)
            assert [c.id for c in paged] == full[start : start + 2]
    newest = _more_crs(api, 1, first=5)[0]  # not yet read at this state: the next request shows it
    assert shown("/crs")[0] == [newest, everything[0]]
    assert reader.get("/crs?offset=-1", headers=HTML).status_code == 422


def test_the_dashboard_is_shared_but_each_person_gets_their_own_frame(api, tmp_path: Path):
    from signoff.server import create_app

    populate(api, tmp_path)
    app = create_app(api, settings())
    cache = app.state.page_cache
    audrey, dave = login(app, api, "audrey"), login(app, api, "dave")
    first = audrey.get("/portfolio", headers=HTML)
    misses = cache.misses
    second = dave.get("/portfolio", headers=HTML)
    assert cache.misses == misses + 1  # dave's own record only: the dashboard was kept
    assert csrf(audrey) in first.text
    assert csrf(audrey) not in second.text
    assert csrf(dave) in second.text
    assert "audrey" not in second.text
    assert "fraud" in second.text
    assert "scoring" not in second.text
    api.registry.register_model(
        "scoring", owner="alice", team="risk", use_case="credit", risk_tier="low", actor="alice"
    )
    assert "scoring" in dave.get("/portfolio", headers=HTML).text  # the next request
    # a bad filter is said above the form, and never kept
    bad = dave.get("/portfolio?status=nonsense", headers=HTML)
    assert bad.status_code == 400
    assert "nonsense" in bad.text


def test_a_role_granted_shows_on_the_persons_next_request(api, tmp_path: Path):
    from signoff.server import create_app

    populate(api, tmp_path)
    app = create_app(api, settings())
    olga = login(app, api, "olga")
    assert olga.get("/api/me").json()["roles"] == ["operator"]
    api.registry.grant_role("olga", "requester", actor="admin")
    assert olga.get("/api/me").json()["roles"] == ["operator", "requester"]


def test_concurrent_misses_of_one_key_compute_it_once(api, tmp_path: Path):
    import threading
    import time

    from signoff.server._cache import PageCache

    populate(api, tmp_path)
    cache = PageCache(api)
    calls: list[int] = []
    start = threading.Barrier(8)

    def compute() -> list[int]:
        calls.append(1)
        time.sleep(0.2)  # slow enough that the other seven arrive while it runs
        return [len(calls)]

    got: list[object] = []

    def reader() -> None:
        start.wait()
        got.append(cache.get(("slow",), compute))

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert cache.misses == 1
    assert cache.hits == 7
    assert all(value is got[0] for value in got)
