"""The server's writer key on SQLite and PostgreSQL: every event the server appends is
signed, so rows a database administrator inserts, edits or deletes are named by
``ledger verify --writer-key`` even after the last checkpoint."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

pytest.importorskip("fastapi", reason="the server extra is not installed")

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from server_helpers import bearer, csrf, login, populate, settings
from signoff.cli import app as cli_app
from signoff.errors import ConfigError, LedgerVerificationError
from signoff.ledger import WRITER_SIGNATURE, append_event, generate_key, verify_ledger
from signoff.ledger._writer import WRITER_INVALID, WRITER_MISSING, WRITER_NONE


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    private, public = generate_key("signoff-writer")
    (tmp_path / "writer.key").write_text(private + "\n")
    (tmp_path / "writer.pub").write_text(public + "\n")
    return {"key": tmp_path / "writer.key", "pub": tmp_path / "writer.pub"}


@pytest.fixture
def served(api, keys, tmp_path: Path):
    """The app with the writer key, a populated registry and a CR one reviewer signed."""
    from signoff.server import create_app

    app = create_app(api, settings(writer_key=keys["key"].read_text().strip()))
    cr = populate(api, tmp_path)
    client = login(app, api, "rita")
    etag = client.get(f"/api/crs/{cr}").headers["etag"]
    signed = client.post(
        f"/api/crs/{cr}/sign",
        json={
            "role": "risk_reviewer",
            "decision": "approve",
            "comment": "Risk rating and rollback plan reviewed; fine to ship.",
        },
        headers={"If-Match": etag, "X-CSRF-Token": csrf(client)},
    )
    assert signed.status_code == 200, signed.text
    return app


def _public(keys: dict[str, Path]) -> str:
    return keys["pub"].read_text().strip()


def _rows(api) -> list[tuple]:
    with api.store.engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT seq, ts, actor, action, subject, payload, leaf_hash FROM ledger_events"
                )
            )
        )


def _check_independently(rows: list[tuple], public_text: str) -> None:
    """Each signature checked with `cryptography` directly over JSON we build ourselves."""
    raw = base64.b64decode(public_text.split("+", 2)[2])[1:]
    key = Ed25519PublicKey.from_public_bytes(raw)
    prev = ""
    for seq, ts, actor, action, subject, payload_text, leaf in sorted(rows):
        payload = json.loads(payload_text)
        signature = base64.b64decode(payload.pop(WRITER_SIGNATURE))
        statement = {"seq": seq, "ts": ts, "actor": actor, "action": action}
        statement |= {"subject": subject, "payload": payload, "prev": prev}
        key.verify(signature, _jcs(statement))  # raises when it does not verify
        prev = leaf


def _jcs(value: object) -> bytes:
    # our payloads hold strings, integers, booleans and null: sorted keys, no spaces is JCS
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _raw(store, *statements: str, params: dict | None = None) -> None:
    """As a database administrator would: around the triggers."""
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS ledger_events_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS ledger_events_no_delete")
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")  # projections cite seqs
        else:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for statement in statements:
            conn.execute(text(statement), params or {})


def _cli_verify(api, *args: str):
    env = {"SIGNOFF_DATABASE_URL": str(api.store.engine.url.render_as_string(False))}
    return CliRunner().invoke(cli_app, ["ledger", "verify", *args], env=env)


def test_every_event_the_server_appends_is_signed_and_verifies(served, api, keys):
    rows = _rows(api)
    assert {r[3] for r in rows} >= {"user.added", "cr.opened", "login_link.used", "cr.signed"}
    _check_independently(rows, _public(keys))
    result = verify_ledger(api.store, writer_key=_public(keys))
    assert result.writer_signed == result.size == len(rows)
    verified = _cli_verify(api, "--writer-key", str(keys["pub"]), "--json")
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.stdout)["writer_signed"] == len(rows)


def test_a_direct_sql_insert_with_a_correct_leaf_is_named(served, api, keys):
    rows = _rows(api)
    seq = len(rows) + 1
    payload = {"cr": "CR-1", "rule": "requester_cannot_sign", "user": "alice"}
    event = {"seq": seq, "ts": "2026-01-05T09:30:00Z", "actor": "alice"}
    event |= {"action": "cr.refused", "subject": "CR-1", "payload": payload}
    leaf = hashlib.sha256(b"\x00" + _jcs(event)).hexdigest()  # a correct Merkle leaf
    insert = (
        "INSERT INTO ledger_events (seq, ts, actor, action, subject, payload, leaf_hash) "
        "VALUES (:seq, :ts, :actor, :action, :subject, :payload, :leaf)"
    )
    _raw(
        api.store,
        insert,
        params={**event, "payload": _jcs(payload).decode(), "leaf": leaf},
    )
    assert verify_ledger(api.store).size == seq  # without the writer key: a valid log
    with pytest.raises(LedgerVerificationError) as raised:
        verify_ledger(api.store, writer_key=_public(keys))
    assert str(raised.value) == WRITER_MISSING.format(seq=seq, actor="alice", action="cr.refused")
    result = _cli_verify(api, "--writer-key", str(keys["pub"]))
    assert result.exit_code == 5
    assert f"seq {seq}: alice's cr.refused carries no writer signature" in " ".join(
        result.output.split()
    )


def test_an_event_appended_without_the_key_with_its_tables_is_named(served, api, keys):
    size = len(_rows(api))
    with api.store.transaction(write=True) as session:  # a writer without the key
        append_event(
            session,
            actor="alice",
            action="user.role_granted",
            subject="user:alice",
            payload={"name": "alice", "role": "approver"},
            at=api.core.clock(),
        )
    verify_ledger(api.store)  # the tables agree with the events: only the signature tells
    with pytest.raises(LedgerVerificationError, match=rf"^seq {size + 1}: alice's user"):
        verify_ledger(api.store, writer_key=_public(keys))


def test_an_edited_event_with_its_leaf_recomputed_is_named(served, api, keys):
    row = next(r for r in sorted(_rows(api)) if r[3] == "user.added" and "rita@" in r[5])
    seq, ts, actor, action, subject, payload_text, _ = row
    edited = payload_text.replace("rita@example.org", "rita@evil.example")
    assert edited != payload_text
    event = {"seq": seq, "ts": ts, "actor": actor, "action": action, "subject": subject}
    leaf = hashlib.sha256(b"\x00" + _jcs(event | {"payload": json.loads(edited)})).hexdigest()
    _raw(
        api.store,
        "UPDATE ledger_events SET payload = :payload, leaf_hash = :leaf WHERE seq = :seq",
        params={"payload": edited, "leaf": leaf, "seq": seq},
    )
    with pytest.raises(LedgerVerificationError) as raised:
        verify_ledger(api.store, writer_key=_public(keys))
    assert str(raised.value) == WRITER_INVALID.format(seq=seq, actor=actor, action=action)


def test_a_deleted_event_with_the_log_renumbered_is_named(served, api, keys):
    from signoff.store._models import Base

    rows = sorted(_rows(api))
    victim = rows[-3][0]
    statements = []
    for table in Base.metadata.sorted_tables:  # the rows citing seqs follow them, as a careful
        for fk in table.foreign_keys:  # administrator would make them
            if fk.column.table.name == "ledger_events":
                column = fk.parent.name
                statements.append(f"DELETE FROM {table.name} WHERE {column} = {victim}")
                statements.append(
                    f"UPDATE {table.name} SET {column} = {column} - 1 WHERE {column} > {victim}"
                )
    statements.append(f"DELETE FROM ledger_events WHERE seq = {victim}")
    for seq, ts, actor, action, subject, payload_text, _ in rows[victim:]:
        event = {"seq": seq - 1, "ts": ts, "actor": actor, "action": action, "subject": subject}
        leaf = hashlib.sha256(b"\x00" + _jcs(event | {"payload": json.loads(payload_text)}))
        statements.append(
            f"UPDATE ledger_events SET seq = {seq - 1}, leaf_hash = '{leaf.hexdigest()}' "
            f"WHERE seq = {seq}"
        )
    _raw(api.store, *statements)
    with pytest.raises(LedgerVerificationError) as raised:
        verify_ledger(api.store, writer_key=_public(keys))
    after = rows[victim]  # now at seq `victim`, its signature says victim + 1
    assert str(raised.value).startswith(f"seq {victim}: the writer signature on {after[2]}'s")


def test_events_before_the_server_need_no_signature_but_some_must_have_one(api, keys, tmp_path):
    from signoff.server import create_app

    populate(api, tmp_path)  # written before the server, by the CLI, say
    with pytest.raises(LedgerVerificationError) as raised:
        verify_ledger(api.store, writer_key=_public(keys))
    assert str(raised.value) == WRITER_NONE
    before = verify_ledger(api.store).size
    app = create_app(api, settings(writer_key=keys["key"].read_text().strip()))
    client = login(app, api, "dave")  # login_link.created and .used: signed
    assert client.get("/api/me").status_code == 200
    result = verify_ledger(api.store, writer_key=_public(keys))
    assert result.writer_signed == result.size - before == 2
    _, other = generate_key("another-writer")
    with pytest.raises(LedgerVerificationError, match=rf"^seq {before + 1}: the writer signature"):
        verify_ledger(api.store, writer_key=other)


def test_the_cli_on_the_servers_host_signs_with_the_same_key(served, api, keys):
    env = {
        "SIGNOFF_DATABASE_URL": str(api.store.engine.url.render_as_string(False)),
        "SIGNOFF_WRITER_KEY": str(keys["key"]),
    }
    created = CliRunner().invoke(
        cli_app, ["token", "create", "dave", "--scope", "read", "--as", "admin"], env=env
    )
    assert created.exit_code == 0, created.output
    assert verify_ledger(api.store, writer_key=_public(keys)).writer_signed == len(_rows(api))
    del env["SIGNOFF_WRITER_KEY"]  # the same command without the key: named
    token_id = created.stdout.split()[-1]
    revoked = CliRunner().invoke(cli_app, ["token", "revoke", token_id, "--as", "admin"], env=env)
    assert revoked.exit_code == 0, revoked.output
    with pytest.raises(LedgerVerificationError, match=r"admin's token\.revoked carries no writer"):
        verify_ledger(api.store, writer_key=_public(keys))


def test_the_api_verifies_with_the_writer_key(served, api, keys):
    from fastapi.testclient import TestClient

    auditor = TestClient(served, headers=bearer(api, "audrey", "read"))
    body = auditor.post("/api/ledger/verify", json={"writer_key": _public(keys)}).json()
    assert body["writer_signed"] == body["size"] == len(_rows(api))
    wrong = auditor.post("/api/ledger/verify", json={"writer_key": "not a key"})
    assert wrong.status_code == 400


def test_writer_key_setting_names_a_bad_file(tmp_path, keys, monkeypatch):
    from signoff.server import Settings

    monkeypatch.setenv("SIGNOFF_WRITER_KEY", str(keys["pub"]))
    with pytest.raises(ConfigError) as public:
        Settings.from_env()
    assert str(keys["pub"]) in public.value.render()
    monkeypatch.setenv("SIGNOFF_WRITER_KEY", str(tmp_path / "missing.key"))
    with pytest.raises(ConfigError) as missing:
        Settings.from_env()
    assert "missing.key" in missing.value.render()
    monkeypatch.setenv("SIGNOFF_WRITER_KEY", str(keys["key"]))
    assert Settings.from_env().writer_key == keys["key"].read_text().strip()


def test_the_ledger_page_verifies_with_the_writer_key(served, api, keys):
    audrey = login(served, api, "audrey")
    token = csrf(audrey)
    page = audrey.post("/ledger", data={"csrf": token, "writer_key": _public(keys)})
    assert page.status_code == 200
    size = len(_rows(api))
    assert f"{size} event(s) signed by the writer key" in page.text
    _, other = generate_key("another-writer")
    wrong = audrey.post("/ledger", data={"csrf": token, "writer_key": other})
    assert wrong.status_code == 409  # a LedgerVerificationError
    assert "seq 1: the writer signature" in wrong.text
