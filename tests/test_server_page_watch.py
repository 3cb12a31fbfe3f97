"""The pages' cache learns the ledger's size without asking: a kept page costs no database
query on PostgreSQL (LISTEN/NOTIFY) and one on SQLite; a write from another process shows
once its notification arrives; a person's own write shows on their next page whatever the
worker; the minute's roll-over serves the previous minute's page while the next computes,
but never hides a new event."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import csrf, login, populate, settings

HTML = {"accept": "text/html"}
COMMENT = "Risk rating and rollback plan reviewed; fine to ship."


def _until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _max_seq(api) -> int:
    """The ledger's size, asked of the database directly (not through the cache)."""
    from sqlalchemy import text

    with api.store.engine.connect() as conn:
        return int(conn.execute(text("SELECT max(seq) FROM ledger_events")).scalar_one())


class Statements:
    """Every SQL statement the store's engine sends while counting."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.sent: list[str] = []
        self._engine = engine
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.sent.append(statement)

    def close(self) -> None:
        from sqlalchemy import event

        event.remove(self._engine, "before_cursor_execute", self._count)


def _watching(api) -> None:
    """On PostgreSQL, wait until the watch listens (it starts on the first page read)."""
    if api.store.dialect == "postgresql":
        assert _until(lambda: api.store.watch.size() is not None)


def test_a_kept_page_costs_no_query_on_postgresql_and_one_on_sqlite(api, tmp_path: Path):
    from signoff.server import create_app

    cr = populate(api, tmp_path)
    app = create_app(api, settings())
    reader = login(app, api, "audrey")
    for path in (f"/crs/{cr}", "/portfolio"):
        reader.get(path, headers=HTML)
    _watching(api)
    assert api.store.watch.latest() == _max_seq(api)
    counted = Statements(api.store.engine)
    try:
        for _ in range(3):
            for path in (f"/crs/{cr}", "/portfolio"):
                answer = reader.get(path, headers=HTML)
                assert answer.status_code == 200
                assert "fraud" in answer.text
    finally:
        counted.close()
    if api.store.dialect == "postgresql":
        assert counted.sent == []
    else:  # the size only (another process may have written the file), in its transaction
        queries = [s for s in counted.sent if not s.startswith("BEGIN")]
        assert len(queries) == 6
        assert all("max(ledger_events.seq)" in s for s in queries)


def test_a_write_from_another_process_shows_once_its_notification_arrives(
    api, database_url: str, tmp_path: Path
):
    from signoff.server import create_app

    populate(api, tmp_path)
    app = create_app(api, settings())
    reader = login(app, api, "dave")
    assert "scoring" not in reader.get("/portfolio", headers=HTML).text
    _watching(api)
    before = _max_seq(api)
    script = (
        "import sys, signoff\n"
        "with signoff.connect(sys.argv[1], artifacts=sys.argv[2]) as api:\n"
        "    api.registry.register_model('scoring', owner='alice', team='risk',\n"
        "        use_case='credit', risk_tier='low', actor='alice')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run(
        [sys.executable, "-c", script, database_url, str(tmp_path / "artifacts")],
        check=True,
        env=env,
    )
    after = _max_seq(api)
    assert after == before + 1
    if api.store.dialect == "postgresql":  # the NOTIFY, milliseconds after the commit
        assert _until(lambda: api.store.watch.latest() == after)
    assert "scoring" in reader.get("/portfolio", headers=HTML).text


def _session(client) -> dict:
    """The session cookie's content (signed by the server, readable by its holder)."""
    cookie = client.cookies["signoff_session"]
    payload = cookie.split(".")[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))


def test_a_persons_write_shows_on_their_next_page_on_any_worker(api, tmp_path: Path):
    from starlette.requests import Request

    from signoff.server import create_app

    cr = populate(api, tmp_path)
    app = create_app(api, settings())
    rita = login(app, api, "rita")
    etag = rita.get(f"/api/crs/{cr}").headers["etag"]
    body = {"role": "risk_reviewer", "decision": "approve", "comment": COMMENT}
    signed = rita.post(
        f"/api/crs/{cr}/sign", json=body, headers={"If-Match": etag, "X-CSRF-Token": csrf(rita)}
    )
    assert signed.status_code == 200, signed.text
    written = _session(rita)["w"]
    assert written == _max_seq(api)  # their sign-off was the last event
    # a worker whose watch has not heard of that size yet asks the database
    cache = app.state.page_cache
    _watching(api)
    known = api.store.watch.latest()
    for floor, reads in ((known, 0), (known + 5, 1)):
        scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
        scope["session"] = {"user": "rita", "w": floor}
        before = cache.size_reads
        size, _ = cache.state(Request(scope))
        on_sqlite = api.store.dialect == "sqlite"  # SQLite always asks
        assert cache.size_reads == before + (1 if on_sqlite else reads)
        assert size == _max_seq(api)


def test_a_new_minute_serves_the_last_dashboard_while_the_next_computes(api, clock, tmp_path: Path):
    from signoff.server import create_app

    populate(api, tmp_path)
    app = create_app(api, settings())
    cache = app.state.page_cache
    reader = login(app, api, "audrey")
    first = reader.get("/portfolio", headers=HTML).text
    misses, stale = cache.misses, cache.stale
    clock.advance(minutes=1)
    rolled = reader.get("/portfolio", headers=HTML).text
    assert cache.stale == stale + 3  # the reader's record, the teams and the dashboard
    assert rolled == first
    assert _until(lambda: cache.misses == misses + 3)  # computed in the background
    reader.get("/portfolio", headers=HTML)
    assert (cache.misses, cache.stale) == (misses + 3, stale + 3)
    # a new minute and a new event: the event shows on the next request, never stale
    clock.advance(minutes=1)
    api.registry.register_model(
        "scoring", owner="alice", team="risk", use_case="credit", risk_tier="low", actor="alice"
    )
    assert "scoring" in reader.get("/portfolio", headers=HTML).text
    assert cache.stale == stale + 3


def test_closing_the_store_waits_for_a_refresh_under_way(api, clock, tmp_path: Path):
    from signoff.server._cache import PageCache

    populate(api, tmp_path)
    cache = PageCache(api)
    finished: list[bool] = []

    def slow() -> int:  # holds a database connection while it computes
        with api.core.read() as repo:
            time.sleep(0.3)
            size = repo.ledger_size()
        finished.append(True)
        return size

    first = cache.get(("slow",), slow)
    clock.advance(minutes=1)
    assert cache.get(("slow",), slow) == first  # last minute's, the next one computing
    assert cache.stale == 1
    api.store.dispose()  # returns only once the refresh has given its connection back
    assert finished == [True, True]
    clock.advance(minutes=1)
    assert cache.get(("slow",), slow) == first  # closed: computed in the caller, no thread
    assert finished == [True, True, True]
