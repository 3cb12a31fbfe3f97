"""``GET /api/crs`` pages in SQL, on SQLite and PostgreSQL: the same filters and order as
``cr list``, totals checked against an independent count over the tables, and a page
reads only its own rows (a LIMIT in the query, the same number of statements whatever
the number of CRs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import bearer, populate, settings
from signoff.registry import VersionRef

#: CRs of their latest state, by SQL over the tables (not the repository's query).
COUNT = """
SELECT count(*) FROM change_requests c
WHERE (SELECT t.to_state FROM cr_transitions t WHERE t.cr_id = c.id
       ORDER BY t.id DESC LIMIT 1) = :state
"""


def _grow(api: Any, start: int, n: int) -> None:
    """``n`` more versions of fraud, each with a CR: drafts, submitted, withdrawn."""
    r, w = api.registry, api.workflow
    for k in range(start, start + n):
        ref = VersionRef("fraud", f"2.{k}")
        r.add_version(ref, framework="sklearn", actor="alice")
        for kind in ("model_card", "validation_report", "rollback_plan"):
            r.add_artifact(ref, kind, f"{kind} {k}".encode(), filename=f"{kind}.md", actor="alice")
        cr = w.open_cr(ref, to_stage="staging", summary=f"retrained {k}", actor="alice")
        if k % 3 == 1:
            w.submit(cr.id, actor="alice")
        elif k % 3 == 2:
            w.withdraw(cr.id, actor="alice", reason="superseded by the next one")


def _sql_count(api: Any, state: str) -> int:
    with api.store.engine.connect() as conn:
        return int(conn.execute(text(COUNT), {"state": state}).scalar_one())


def _walk(client: Any, **params: Any) -> tuple[list[str], list[int]]:
    """Every id, following ``next``; and each page's ``total``."""
    ids, totals = [], []
    url: str | None = "/api/crs"
    query: dict[str, Any] | None = {**params, "limit": 3}
    while url:
        page = client.get(url, params=query).json()
        ids += [c["id"] for c in page["items"]]
        totals.append(page["total"])
        url, query = page["next"], None
        assert len(page["items"]) <= 3
    return ids, totals


@pytest.fixture
def client(api: Any, tmp_path: Path):
    from fastapi.testclient import TestClient

    from signoff.server import create_app

    populate(api, tmp_path)
    _grow(api, 0, 10)
    app = create_app(api, settings())
    return TestClient(app, headers=bearer(api, "audrey", "read"))


@pytest.mark.parametrize("state", [None, "draft", "submitted", "withdrawn", "approved"])
def test_pages_match_the_list_and_an_independent_count(api, client, state):
    ids, totals = _walk(client, **({"state": state} if state else {}))
    listed = [c.id for c in api.workflow.list_crs(state=state)]
    assert ids == listed  # same filter, same order (newest first)
    if state is None:
        with api.store.engine.connect() as conn:
            expected = int(conn.execute(text("SELECT count(*) FROM change_requests")).scalar_one())
    else:
        expected = _sql_count(api, state)
    assert set(totals) == {expected}
    assert len(ids) == expected
    assert [int(i.removeprefix("CR-")) for i in ids] == sorted(
        (int(i.removeprefix("CR-")) for i in ids), reverse=True
    )


def test_requester_and_waiting_for_filter_as_cr_list_does(api, client):
    anna = api.workflow.open_cr(
        VersionRef("fraud", "2.0"), to_stage="production", summary="anna's", actor="admin"
    )
    mine, totals = _walk(client, requester="ALICE")  # names match case-insensitively
    assert mine == [c.id for c in api.workflow.list_crs(mine="alice")]
    assert anna.id not in mine
    assert set(totals) == {len(mine)}
    waiting, totals = _walk(client, waiting_for="approver")
    assert waiting == [c.id for c in api.workflow.list_crs(waiting_for="approver")]
    assert waiting
    assert set(totals) == {len(waiting)}
    assert client.get("/api/crs", params={"waiting_for": "approver", "state": "draft"}).json()[
        "total"
    ] == len(api.workflow.list_crs(waiting_for="approver", state="draft"))
    unknown = client.get("/api/crs", params={"requester": "nobody"})
    assert unknown.status_code == 404
    assert "no user named 'nobody'" in unknown.json()["detail"]


def test_a_page_reads_its_own_rows_in_sql(api, client):
    def statements(**params: Any) -> list[str]:
        seen: list[str] = []

        def keep(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            seen.append(statement)

        event.listen(api.store.engine, "before_cursor_execute", keep)
        try:
            assert client.get("/api/crs", params={"limit": 2, **params}).status_code == 200
        finally:
            event.remove(api.store.engine, "before_cursor_execute", keep)
        return seen

    small = statements(offset=2)
    listing = [s for s in small if "FROM change_requests" in s and "LIMIT" in s.upper()]
    assert listing, small  # the page is cut in the database, not in memory
    _grow(api, 10, 12)
    assert len(statements(offset=2)) == len(small)
    page = client.get("/api/crs", params={"limit": 2, "offset": 20}).json()
    assert [c["id"] for c in page["items"]] == [c.id for c in api.workflow.list_crs()][20:22]
    assert page["total"] == len(api.workflow.list_crs())
