"""The leaf check in a child process (``signoff.ledger._aside``), on SQLite and PostgreSQL:
the same prefix and root as the check in the process, in the same view of the database
(a commit that lands meanwhile is not in it), an edit named by the child and winning over
what it broke in the caller, and a child that cannot start or dies handled."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from typing import Any

import pytest
from sqlalchemy import func, select, text

from signoff._gc import mark_long_lived, mark_short_lived
from signoff.errors import LedgerVerificationError, StoreError
from signoff.ledger import ledger_prefix
from signoff.ledger._aside import ASIDE_ENV, MIN_EVENTS, AsideCheck, aside_wanted
from signoff.ledger._merkle import root_hash
from signoff.ledger._prefix import one_view
from signoff.registry import Registry, VersionRef
from signoff.store import LedgerEventRow, Store
from test_ledger_prefix import _independent_leaves, _populate, _tamper


def _same(a: Any, b: Any) -> None:
    assert (a.size, a.root, a.first_ts) == (b.size, b.root, b.first_ts)
    assert [e[:5] for e in a.events] == [e[:5] for e in b.events]
    assert [dict(e.payload) for e in a.events] == [dict(e.payload) for e in b.events]


@pytest.mark.parametrize("cut", [None, 1, 9, 16, 17])
def test_the_child_gives_the_prefix_and_root_the_process_gives(registry: Registry, cut: Any):
    size = _populate(registry)
    until = None
    if cut is not None:
        with registry.store.engine.connect() as conn:
            ts = conn.execute(text(f"SELECT ts FROM ledger_events WHERE seq = {cut}")).scalar()
        until = dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    here = ledger_prefix(registry.store, until=until, aside=False)
    with ledger_prefix(registry.store, until=until, aside=True) as aside:
        assert isinstance(aside._root, AsideCheck)  # the check really ran aside
        _same(aside, here)
    assert here.size <= size
    assert here.root == root_hash(_independent_leaves(registry.store)[: here.size])


def _append(registry: Registry, n: int) -> None:
    registry.add_version(VersionRef("credit", f"extra-{n}"), framework="sklearn", actor="alice")


def test_a_commit_during_the_check_is_not_in_the_view_it_checks(registry: Registry):
    """The child reads what the caller's transaction sees: on PostgreSQL a version added
    after the caller's snapshot was taken (and before the child started) is not in it; on
    SQLite the caller holds the write lock until the child has begun, so the same append
    waits."""
    size = _populate(registry)
    store = registry.store
    added = threading.Event()
    with store.transaction() as session:
        one_view(store, session)
        assert session.scalar(select(func.max(LedgerEventRow.seq))) == size
        writer = threading.Thread(target=lambda: (_append(registry, 1), added.set()))
        writer.start()
        if store.dialect == "postgresql":
            assert added.wait(30)  # committed, after this transaction's snapshot
        check = AsideCheck.start(store, session, size)
        assert check is not None
        assert check.ready()
        if store.dialect == "sqlite":
            assert not added.is_set()  # still waiting for the write lock
    writer.join(30)
    assert added.is_set()
    assert check.root(size) == root_hash(_independent_leaves(store)[:size])
    assert check._verdict is not None
    assert check._verdict["leaves"] == size
    assert len(_independent_leaves(store)) == size + 1


@pytest.mark.parametrize("seq", [2, 12, 17])
def test_an_edit_anywhere_is_named_by_the_child(registry: Registry, seq: int):
    """In the prefix or past it (a prefix of the first event alone)."""
    _populate(registry)
    _tamper(registry.store, f"UPDATE ledger_events SET actor = 'mallory' WHERE seq = {seq}")
    with registry.store.engine.connect() as conn:
        first = conn.execute(text("SELECT ts FROM ledger_events WHERE seq = 1")).scalar()
    for until in (None, dt.datetime.fromisoformat(first.replace("Z", "+00:00"))):
        prefix = ledger_prefix(registry.store, until=until, aside=True)
        assert prefix.events  # read unchecked while the child checks
        with pytest.raises(LedgerVerificationError, match=rf"^seq {seq}: the stored event does"):
            prefix.root  # noqa: B018 — the verdict


def test_a_missing_event_is_named_by_the_child(registry: Registry):
    _populate(registry)
    _tamper(
        registry.store,
        "DELETE FROM stage_transitions WHERE ledger_seq = 8",
        "DELETE FROM ledger_events WHERE seq = 8",
    )
    with pytest.raises(LedgerVerificationError, match=r"^seq 8: missing — .* from 7 to 9"):
        ledger_prefix(registry.store, aside=True).root  # noqa: B018


def _fold(prefix: Any) -> None:
    with prefix:
        raise KeyError(prefix.events[2].payload["team"])  # what the edit broke


def test_what_an_edit_breaks_in_the_caller_gives_way_to_the_check(registry: Registry):
    """An edited payload that is no longer JSON fails the caller's read (which parses it)
    before the child has finished: the ledger's error is raised, not the parser's; and
    an error while folding, within the prefix's ``with``, gives way to it too."""
    _populate(registry)
    _tamper(registry.store, "UPDATE ledger_events SET payload = '{\"broken' WHERE seq = 3")
    with pytest.raises(LedgerVerificationError, match=r"^seq 3: the stored event does"):
        ledger_prefix(registry.store, aside=True)
    _tamper(registry.store, "UPDATE ledger_events SET payload = '{\"edited\": 1}' WHERE seq = 3")
    prefix = ledger_prefix(registry.store, aside=True)
    with pytest.raises(LedgerVerificationError, match=r"^seq 3: the stored event does") as found:
        _fold(prefix)
    assert isinstance(found.value.__cause__, KeyError)


def test_a_child_that_cannot_start_leaves_the_check_to_the_process(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
):
    _populate(registry)
    here = ledger_prefix(registry.store, aside=False)
    for missing in ("/nonexistent/python", "/bin/false"):  # no interpreter; one that ends
        monkeypatch.setattr(sys, "executable", missing)
        found = ledger_prefix(registry.store, aside=True)
        assert isinstance(found._root, bytes)  # checked in the process
        _same(found, here)


def test_a_child_refused_a_connection_leaves_the_check_to_the_process(registry: Registry):
    """A role at its connection limit: the caller holds its one connection, the child is
    refused one, the process checks the leaves itself."""
    store = registry.store
    if store.dialect != "postgresql":
        pytest.skip("a connection limit is PostgreSQL's")
    _populate(registry)
    here = ledger_prefix(store, aside=False)
    url = store.engine.url
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP ROLE IF EXISTS signoff_one_conn")
        conn.exec_driver_sql("CREATE ROLE signoff_one_conn LOGIN CONNECTION LIMIT 1")
        conn.exec_driver_sql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO signoff_one_conn")
    limited = Store(url.set(username="signoff_one_conn").render_as_string(hide_password=False))
    try:
        found = ledger_prefix(limited, aside=True)
        assert isinstance(found._root, bytes)
        _same(found, here)
    finally:
        limited.dispose()
        with store.engine.begin() as conn:
            conn.exec_driver_sql("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM signoff_one_conn")
            conn.exec_driver_sql("DROP ROLE signoff_one_conn")


def test_a_child_that_dies_before_its_verdict_is_a_database_failure(registry: Registry):
    """Killed as soon as it is started (it cannot have read, let alone answered, before
    its interpreter is up): no verdict is a database failure, never a root or a tamper
    alarm."""
    size = _populate(registry)
    store = registry.store
    with store.transaction() as session:
        one_view(store, session)
        check = AsideCheck.start(store, session, size)
        assert check is not None
        check._process.kill()
    with pytest.raises(StoreError, match=r"checking the ledger's leaves in a second process"):
        check.root(size)


def test_who_checks_aside(registry: Registry, monkeypatch: pytest.MonkeyPatch):
    store = registry.store
    monkeypatch.delenv(ASIDE_ENV, raising=False)
    assert not aside_wanted(store, 10**6)  # a long-lived process (tests, a server)
    mark_short_lived()
    try:
        assert aside_wanted(store, MIN_EVENTS) == (len(__import__("os").sched_getaffinity(0)) > 1)
        assert not aside_wanted(store, MIN_EVENTS - 1)  # too small to pay
        monkeypatch.setenv(ASIDE_ENV, "0")
        assert not aside_wanted(store, 10**6)
    finally:
        mark_long_lived()
    monkeypatch.setenv(ASIDE_ENV, "1")
    assert aside_wanted(store, 1)
    assert not aside_wanted(Store("sqlite://"), 10**6)  # an in-memory database: no child
