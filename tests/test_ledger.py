"""The ledger on SQLite and PostgreSQL: tampering is caught, concurrent writers keep one log."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from signoff.errors import LedgerVerificationError
from signoff.ledger._checkpoint import generate_key, parse_checkpoint
from signoff.ledger._log import append_event, iter_events
from signoff.ledger._merkle import leaf_hash
from signoff.ledger._proof import check_inclusion_doc
from signoff.ledger._verify import checkpoint_ledger, prove_event, verify_ledger
from signoff.registry import Registry, VersionRef
from signoff.store import Store
from signoff.store._models import LedgerEventRow, VersionRow


def _populate(registry: Registry, versions: int = 6) -> None:
    registry.add_user("alice", "alice@example.org", ["requester"], actor=None)
    registry.register_model(
        "credit", owner="alice", team="risk", use_case="credit", risk_tier="high", actor="alice"
    )
    for n in range(1, versions + 1):
        registry.add_version(VersionRef("credit", f"{n}.0"), framework="sklearn", actor="alice")


def _raw(store: Store, *statements: str) -> None:
    """Tamper as an attacker with database access would: around the triggers."""
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS ledger_events_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS ledger_events_no_delete")
        else:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for statement in statements:
            conn.execute(text(statement))


def _signed(registry: Registry) -> tuple[object, str, str]:
    private, public = generate_key("test-ledger")
    _, note = checkpoint_ledger(registry.store, private_key_text=private, at=registry.clock())
    return parse_checkpoint(note, public), note, public


def test_an_untouched_ledger_verifies_and_grows_consistently(registry: Registry):
    _populate(registry)
    checkpoint, _, _ = _signed(registry)
    registry.add_version(VersionRef("credit", "7.0"), framework="sklearn", actor="alice")
    result = verify_ledger(registry.store, checkpoint=checkpoint)
    assert result.size == checkpoint.size + 1
    assert result.checkpoint_size == checkpoint.size
    assert verify_ledger(registry.store).root == result.root


def test_edited_payload_names_the_seq(registry: Registry):
    _populate(registry)
    _raw(
        registry.store,
        "UPDATE ledger_events SET payload = REPLACE(payload, 'high', 'low') WHERE seq = 5",
    )
    with pytest.raises(
        LedgerVerificationError, match=r"^seq 5: the stored event does not match its leaf hash"
    ):
        verify_ledger(registry.store)


def test_deleted_event_names_the_gap(registry: Registry):
    _populate(registry)
    _raw(
        registry.store,
        "DELETE FROM stage_transitions WHERE ledger_seq = 7",
        "DELETE FROM ledger_events WHERE seq = 7",
    )
    with pytest.raises(
        LedgerVerificationError, match=r"^seq 7: missing — the ledger jumps from 6 to 8"
    ):
        verify_ledger(registry.store)


def test_swapped_events_are_caught(registry: Registry):
    _populate(registry)
    columns = "ts, actor, action, subject, payload, leaf_hash"
    with registry.store.engine.connect() as conn:
        rows = {
            r[0]: r[1:]
            for r in conn.execute(
                text(f"SELECT seq, {columns} FROM ledger_events WHERE seq IN (8, 9)")
            )
        }
    names = columns.split(", ")
    params = {
        f"{n}_{seq}": value
        for seq, row in rows.items()
        for n, value in zip(names, row, strict=True)
    }
    with registry.store.engine.begin() as conn:  # the two events trade places, hashes and all
        if registry.store.dialect == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS ledger_events_no_update")
        else:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for seq, other in ((8, 9), (9, 8)):
            assignments = ", ".join(f"{n} = :{n}_{other}" for n in names)
            conn.execute(text(f"UPDATE ledger_events SET {assignments} WHERE seq = {seq}"), params)
    with pytest.raises(
        LedgerVerificationError,
        match=r"^seq 8: the stored event does not match its leaf hash \(its content was edited, or it was moved",
    ):
        verify_ledger(registry.store)


def test_truncation_is_caught_against_a_checkpoint(registry: Registry):
    _populate(registry)
    checkpoint, _, _ = _signed(registry)
    last = checkpoint.size
    _raw(
        registry.store,
        f"DELETE FROM stage_transitions WHERE ledger_seq >= {last - 1}",
        "DELETE FROM model_versions WHERE version IN ('5.0', '6.0')",
        f"DELETE FROM ledger_events WHERE seq >= {last - 1}",
    )
    verify_ledger(registry.store)  # self-consistent without the checkpoint
    with pytest.raises(
        LedgerVerificationError,
        match=f"the ledger has {last - 2} event\\(s\\) but the checkpoint recorded {last}: events {last - 1}..{last} were removed",
    ):
        verify_ledger(registry.store, checkpoint=checkpoint)


def test_wholesale_rewrite_is_caught_against_a_checkpoint(registry: Registry):
    _populate(registry)
    checkpoint, _, _ = _signed(registry)
    with registry.store.transaction() as session:
        events = list(iter_events(session))
    from signoff.ledger._log import event_bytes

    statements = []
    for event in events:  # rewrite the actor of event 4 (team.created) and every hash
        actor = "mallory" if event.seq == 4 else event.actor
        import json

        payload = json.dumps(
            event.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        digest = leaf_hash(
            event_bytes(event.seq, event.ts, actor, event.action, event.subject, payload)
        ).hex()
        statements.append(
            f"UPDATE ledger_events SET actor = '{actor}', leaf_hash = '{digest}' WHERE seq = {event.seq}"
        )
    _raw(registry.store, *statements)
    verify_ledger(registry.store)  # the rewrite is self-consistent...
    with pytest.raises(
        LedgerVerificationError,
        match=r"^seq 1\.\.\d+: the first \d+ event\(s\) no longer hash to the checkpoint's root",
    ):
        verify_ledger(registry.store, checkpoint=checkpoint)  # ...but not against the checkpoint


def test_inclusion_proofs_check_offline(registry: Registry):
    _populate(registry)
    checkpoint, note, public = _signed(registry)
    for seq in range(1, checkpoint.size + 1):
        doc = prove_event(registry.store, seq, checkpoint=checkpoint, note=note)
        assert check_inclusion_doc(doc, public_key_text=public) == checkpoint
    doc = prove_event(registry.store, 3, checkpoint=checkpoint, note=note)
    doc["event"]["actor"] = "mallory"
    with pytest.raises(LedgerVerificationError):
        check_inclusion_doc(doc, public_key_text=public)


def _append_many(url: str, worker: int, count: int) -> None:
    import datetime as dt

    store = Store(url)
    for n in range(count):
        with store.transaction() as session:
            append_event(
                session,
                actor=f"worker-{worker}",
                action="test.append",
                subject=f"n:{n}",
                payload={"worker": worker, "n": n},
                at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            )
    store.dispose()


@pytest.mark.slow
def test_concurrent_writers_keep_one_gap_free_log(database_url: str):
    workers, each = 8, 500
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_append_many, args=(database_url, w, each)) for w in range(workers)
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=600)
        assert p.exitcode == 0
    store = Store(database_url)
    result = verify_ledger(store)
    assert result.size == workers * each
    with store.transaction() as session:
        per_worker = dict(
            session.execute(
                select(LedgerEventRow.actor, func.count()).group_by(LedgerEventRow.actor)
            ).all()
        )
    assert per_worker == {f"worker-{w}": each for w in range(workers)}
    store.dispose()


def test_a_process_killed_mid_write_leaves_no_change_without_its_event(
    registry: Registry, database_url: str, tmp_path: Path
):
    _populate(registry, versions=1)
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        import signoff
        api = signoff.connect({database_url!r}, artifacts=Path({str(tmp_path / "a")!r}))
        with api.core.write("alice") as unit:
            unit.emit("version.added", "version:credit@9.9",
                      {{"model": "credit", "version": "9.9", "framework": "x"}})
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, check=False, env=os.environ
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    with registry.store.transaction() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(VersionRow).where(VersionRow.version == "9.9")
            )
            == 0
        )
        assert [e.subject for e in iter_events(session)][-1] == "version:credit@1.0"
    verify_ledger(registry.store)
