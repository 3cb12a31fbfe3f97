"""A ledger prefix read in blocks, on SQLite and PostgreSQL (where a thread fetches the next
block while one is hashed): every block size reads the same events and root as the
ledger's own verification, and a missing or edited event anywhere — in the first block,
the last, past the prefix — is named by its seq, the reading thread gone with the error."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text

from signoff._canonical import canonical_json
from signoff.errors import LedgerVerificationError
from signoff.ledger._blocks import ledger_blocks
from signoff.ledger._prefix import _checked_events
from signoff.ledger._verify import verify_ledger
from signoff.registry import Registry, VersionRef
from signoff.store import Store

VERSIONS = 12  # with the user, the governance applied, the team and the model: 17 events


def _populate(registry: Registry) -> int:
    registry.add_user("alice", "alice@example.org", ["requester"], actor=None)
    registry.register_model(
        "credit", owner="alice", team="risk", use_case="credit", risk_tier="high", actor="alice"
    )
    for n in range(1, VERSIONS + 1):
        registry.add_version(VersionRef("credit", f"{n}.0"), framework="sklearn", actor="alice")
    return VERSIONS + 5


def _tamper(store: Store, *statements: str) -> None:
    """As an attacker with database access would: around the triggers."""
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS ledger_events_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS ledger_events_no_delete")
        else:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for statement in statements:
            conn.execute(text(statement))


def _independent_leaves(store: Store) -> list[bytes]:
    """Each event's leaf hash from its columns, through canonical JSON of the parsed
    payload — not the prefix's text formatting."""
    import json

    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT seq, ts, actor, action, subject, payload FROM ledger_events ORDER BY seq")
        ).all()
    return [
        hashlib.sha256(
            b"\x00"
            + canonical_json(
                {
                    "seq": seq,
                    "ts": ts,
                    "actor": actor,
                    "action": action,
                    "subject": subject,
                    "payload": json.loads(payload),
                }
            )
        ).digest()
        for seq, ts, actor, action, subject, payload in rows
    ]


@pytest.mark.parametrize("block", [1, 3, 5, 14, 100])
def test_every_block_size_reads_the_same_leaves_and_events(registry: Registry, block: int):
    size = _populate(registry)
    expected = _independent_leaves(registry.store)
    assert len(expected) == size
    with registry.store.transaction() as session:
        sizes = [len(rows) for rows in ledger_blocks(session, block)]
        leaves, events = _checked_events(session, 9, block)
    assert sizes == [min(block, size - start) for start in range(0, size, block)]
    assert leaves == expected
    assert [e.seq for e in events] == list(range(1, 10))
    assert [e.action for e in events][:2] == ["user.added", "governance.proposed"]
    assert events[5].action == "version.added"
    assert events[5].payload["version"] == "1.0"
    with registry.store.transaction() as session:
        assert _checked_events(session, None, block)[0] == expected


@pytest.mark.parametrize("block", [2, 4, 100])
@pytest.mark.parametrize("seq", [1, 6, 17])
def test_an_edited_event_is_named_in_any_block(registry: Registry, block: int, seq: int):
    _populate(registry)
    _tamper(
        registry.store,
        f"UPDATE ledger_events SET payload = REPLACE(payload, 'sklearn', 'torch') WHERE seq = {seq}"
        if seq > 5
        else f"UPDATE ledger_events SET actor = 'mallory' WHERE seq = {seq}",
    )
    with pytest.raises(LedgerVerificationError, match=rf"^seq {seq}: the stored event does not"):
        verify_ledger(registry.store)  # the reference check names the same seq
    with registry.store.transaction() as session:
        with pytest.raises(LedgerVerificationError, match=rf"^seq {seq}: the stored event does"):
            _checked_events(session, 3, block)  # past the prefix too
        assert session.execute(text("SELECT count(*) FROM ledger_events")).scalar() == 17


@pytest.mark.parametrize("block", [2, 3, 100])
def test_a_missing_event_is_named_before_a_later_edit(registry: Registry, block: int):
    _populate(registry)
    _tamper(
        registry.store,
        "DELETE FROM stage_transitions WHERE ledger_seq = 8",
        "DELETE FROM ledger_events WHERE seq = 8",
        "UPDATE ledger_events SET payload = REPLACE(payload, 'sklearn', 'torch') WHERE seq = 9",
    )
    with (
        registry.store.transaction() as session,
        pytest.raises(LedgerVerificationError, match=r"^seq 8: missing — .* from 7 to 9"),
    ):
        _checked_events(session, None, block)
    _tamper(registry.store, "UPDATE ledger_events SET actor = 'mallory' WHERE seq = 5")
    with (
        registry.store.transaction() as session,
        pytest.raises(LedgerVerificationError, match=r"^seq 5: the stored event does not"),
    ):
        _checked_events(session, None, block)


def test_a_stored_leaf_hash_split_across_rows_is_caught(registry: Registry):
    """Each stored hash is compared whole: moving a character from one row's hash to the
    next keeps the block's hashes joined equal, and is still an edit.  (PostgreSQL's
    ``varchar(64)`` refuses the longer one: there the lengths cannot differ.)"""
    if registry.store.dialect != "sqlite":
        pytest.skip("PostgreSQL refuses a leaf hash longer than 64 characters")
    _populate(registry)
    with registry.store.engine.connect() as conn:
        four, five = (
            conn.execute(text(f"SELECT leaf_hash FROM ledger_events WHERE seq = {n}")).scalar()
            for n in (4, 5)
        )
    _tamper(
        registry.store,
        f"UPDATE ledger_events SET leaf_hash = '{four[:-1]}' WHERE seq = 4",
        f"UPDATE ledger_events SET leaf_hash = '{four[-1] + five}' WHERE seq = 5",
    )
    with (
        registry.store.transaction() as session,
        pytest.raises(LedgerVerificationError, match=r"^seq 4: the stored event does not"),
    ):
        _checked_events(session, None, 100)


@pytest.mark.parametrize("chunked", [True, False])
def test_postgresql_reads_the_same_streamed_or_through_a_cursor(
    registry: Registry, monkeypatch: pytest.MonkeyPatch, chunked: bool
):
    """The server streams the rows in chunks (libpq 17 on); an older libpq reads them a
    block per round trip through a server-side cursor: the same leaves either way, an
    edit named either way, and the transaction still usable after an early stop."""
    if registry.store.dialect != "postgresql":
        pytest.skip("PostgreSQL's two ways of reading")
    from signoff.ledger import _leafcheck

    if not chunked:  # as with a libpq before 17
        monkeypatch.setattr(_leafcheck, "CHUNKED_ROWS", 10**9)
    size = _populate(registry)
    expected = _independent_leaves(registry.store)
    with registry.store.transaction() as session:
        assert _checked_events(session, None, 4)[0] == expected
    _tamper(registry.store, "UPDATE ledger_events SET actor = 'mallory' WHERE seq = 2")
    with registry.store.transaction() as session:
        with pytest.raises(LedgerVerificationError, match=r"^seq 2: the stored event does"):
            _checked_events(session, None, 3)
        assert session.execute(text("SELECT count(*) FROM ledger_events")).scalar() == size
