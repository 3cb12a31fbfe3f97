"""Rotating the server's writer key (SQLite and PostgreSQL): ``writer_key.rotated``, signed
by the old key and naming (and signed by) the new one; ``ledger verify --writer-key
FIRST.pub`` follows the chain; a forged rotation, or an event signed with the retired key
after the rotation, is named by its seq."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

pytest.importorskip("fastapi", reason="the server extra is not installed")

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from server_helpers import csrf, login, populate, settings
from signoff.cli import app as cli_app
from signoff.errors import ConfigError, LedgerVerificationError, WorkflowRefused
from signoff.ledger import (
    WRITER_ROTATED,
    WRITER_SIGNATURE,
    append_event,
    generate_key,
    rotation_payload,
    verify_ledger,
)
from signoff.ledger._writer import ROTATED_AWAY, ROTATION_NOT_NEW, WRITER_INVALID

SIGNOFF = "import sys; from signoff.cli import run; run(sys.argv[1:])"
COMMENT = "Risk rating and rollback plan reviewed; fine to ship."


def _pair(folder: Path, name: str) -> dict[str, str | Path]:
    private, public = generate_key(name)
    (folder / f"{name}.key").write_text(private + "\n")
    return {"key": private, "pub": public, "file": folder / f"{name}.key"}


@pytest.fixture
def old(tmp_path: Path) -> dict:
    return _pair(tmp_path, "writer-2026")


@pytest.fixture
def new(tmp_path: Path) -> dict:
    return _pair(tmp_path, "writer-2027")


@pytest.fixture
def served(api, old, tmp_path: Path):
    """The app signing with the old key over a populated registry; the CR's id."""
    from signoff.server import create_app

    app = create_app(api, settings(writer_key=old["key"]))
    cr = populate(api, tmp_path)
    return app, cr


def _env(api) -> dict[str, str]:
    return {"SIGNOFF_DATABASE_URL": api.store.engine.url.render_as_string(False)}


def _rotate(api, old: dict, new: dict, actor: str = "admin", **env: str):
    args = ["ledger", "rotate-writer-key", "--old-key", str(old["file"])]
    args += ["--new-key", str(new["file"]), "--as", actor, "--json"]
    return CliRunner().invoke(cli_app, args, env={**_env(api), **env})


def _sign(app, api, cr: str, user: str, role: str) -> None:
    client = login(app, api, user)
    etag = client.get(f"/api/crs/{cr}").headers["etag"]
    body = {"role": role, "decision": "approve", "comment": COMMENT}
    answer = client.post(
        f"/api/crs/{cr}/sign", json=body, headers={"If-Match": etag, "X-CSRF-Token": csrf(client)}
    )
    assert answer.status_code == 200, answer.text


def _rows(api) -> list[tuple]:
    query = "SELECT seq, ts, actor, action, subject, payload, leaf_hash FROM ledger_events"
    with api.store.engine.connect() as conn:
        return sorted(conn.execute(text(query)))


def _jcs(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _key(public_text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(public_text.split("+", 2)[2])[1:])


def _signers(rows: list[tuple], keys: dict[str, str]) -> list[str]:
    """Which named key signed each event, checked with `cryptography` directly."""
    names, prev = [], ""
    for seq, ts, actor, action, subject, payload_text, leaf in rows:
        payload = json.loads(payload_text)
        signature = base64.b64decode(payload.pop(WRITER_SIGNATURE))
        statement = {"seq": seq, "ts": ts, "actor": actor, "action": action}
        statement |= {"subject": subject, "payload": payload, "prev": prev}
        found = []
        for name, public in keys.items():
            try:
                _key(public).verify(signature, _jcs(statement))
                found.append(name)
            except InvalidSignature:  # another key
                pass
        names.append("+".join(found) or "none")
        prev = leaf
    return names


def test_rotation_keeps_verify_with_the_first_key(served, api, old, new):
    app, cr = served
    _sign(app, api, cr, "rita", "risk_reviewer")
    rotated = _rotate(api, old, new)
    assert rotated.exit_code == 0, rotated.output
    seq = json.loads(rotated.stdout)["seq"]
    api.core.writer_key = new["key"]  # the server restarted with SIGNOFF_WRITER_KEY=new
    _sign(app, api, cr, "dave", "data_reviewer")
    rows = _rows(api)
    event = next(r for r in rows if r[0] == seq)
    assert (event[2], event[3]) == ("admin", WRITER_ROTATED)
    payload = json.loads(event[5])
    assert (payload["previous_public_key"], payload["public_key"]) == (old["pub"], new["pub"])
    signers = _signers(rows, {"old": old["pub"], "new": new["pub"]})
    assert signers == ["old"] * seq + ["new"] * (len(rows) - seq)  # the rotation: the old key
    result = verify_ledger(api.store, writer_key=old["pub"])
    assert result.writer_signed == result.size == len(rows)
    cli = CliRunner().invoke(
        cli_app,
        ["ledger", "verify", "--writer-key", str(_public_file(old)), "--json"],
        env=_env(api),
    )
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout)["writer_signed"] == len(rows)
    # the chain starts at the first key: the new one alone cannot vouch for the old events
    with pytest.raises(LedgerVerificationError, match=r"^seq 1: "):
        verify_ledger(api.store, writer_key=new["pub"])


def _public_file(pair: dict) -> Path:
    path = Path(str(pair["file"])).with_suffix(".pub")
    path.write_text(str(pair["pub"]) + "\n")
    return path


def test_an_event_signed_with_the_retired_key_after_rotation_is_named(served, api, old, new):
    app, cr = served
    assert _rotate(api, old, new).exit_code == 0
    # a worker that was not restarted goes on signing with the old key
    _sign(app, api, cr, "rita", "risk_reviewer")
    rows = _rows(api)
    rotation = next(r[0] for r in rows if r[3] == WRITER_ROTATED)
    first_after = rows[rotation]  # the event after the rotation
    with pytest.raises(LedgerVerificationError) as raised:
        verify_ledger(api.store, writer_key=old["pub"])
    assert str(raised.value) == ROTATED_AWAY.format(
        seq=first_after[0], actor=first_after[2], action=first_after[3], rotated=rotation
    )
    # and a server started with the retired key is refused before it appends anything
    env = {**os.environ, **_env(api), "SIGNOFF_WRITER_KEY": str(old["file"])}
    started = subprocess.run(
        [sys.executable, "-c", SIGNOFF, "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,  # a server that started would not return
        check=False,
    )
    assert started.returncode == 2
    said = " ".join(started.stderr.split())
    assert "SIGNOFF_WRITER_KEY" in said
    assert f"seq {rotation} rotated to writer-2027" in said


def test_a_rotation_the_old_key_did_not_sign_is_named(served, api, old, tmp_path):
    """A database administrator's own key, slipped in as a rotation."""
    mallory = _pair(tmp_path, "mallory")
    size = len(_rows(api))
    with api.store.transaction(write=True) as session:
        forged = {
            "previous_public_key": old["pub"],
            "public_key": mallory["pub"],
            "new_key_signature": rotation_payload(old["key"], mallory["key"])["new_key_signature"],
        }
        append_event(
            session,
            actor="admin",
            action=WRITER_ROTATED,
            subject="ledger:writer-key",
            payload=forged,
            at=api.core.clock(),
            writer_key=mallory["key"],  # not the key in force
        )
    with pytest.raises(LedgerVerificationError) as raised:
        verify_ledger(api.store, writer_key=old["pub"])
    assert str(raised.value) == WRITER_INVALID.format(
        seq=size + 1, actor="admin", action=WRITER_ROTATED
    )


def test_a_rotation_to_a_key_that_did_not_countersign_is_named(served, api, old, new, tmp_path):
    other = _pair(tmp_path, "other")
    size = len(_rows(api))
    payload = rotation_payload(old["key"], new["key"])
    payload["public_key"] = other["pub"]  # names a key whose holder never signed the hand-over
    with api.store.transaction(write=True) as session:
        append_event(
            session,
            actor="admin",
            action=WRITER_ROTATED,
            subject="ledger:writer-key",
            payload=payload,
            at=api.core.clock(),
            writer_key=old["key"],
        )
    with pytest.raises(LedgerVerificationError) as raised:
        verify_ledger(api.store, writer_key=old["pub"])
    assert str(raised.value) == ROTATION_NOT_NEW.format(seq=size + 1)


def test_rotation_refusals_change_nothing(served, api, old, new, tmp_path):
    size = len(_rows(api))
    stranger = _pair(tmp_path, "stranger")
    wrong = _rotate(api, stranger, new)
    assert wrong.exit_code == 2
    assert "the writer key stranger is not the one in force" in " ".join(wrong.output.split())
    same = _rotate(api, old, old)
    assert same.exit_code == 2
    assert "the new writer key is the old one" in same.output
    not_admin = _rotate(api, old, new, actor="rita")
    assert not_admin.exit_code == 4
    assert "rita cannot rotate the writer key: only an admin can" in not_admin.output
    assert len(_rows(api)) == size
    with pytest.raises(WorkflowRefused):
        api.registry.writer_keys.rotate(old["key"], new["key"], actor="anna")
    with pytest.raises(ConfigError, match="not a private key"):
        api.registry.writer_keys.rotate(str(old["pub"]), new["key"], actor="admin")
    assert len(_rows(api)) == size
    verify_ledger(api.store, writer_key=old["pub"])  # still whole


def test_a_ledger_never_signed_has_no_key_to_rotate(api, old, new, tmp_path):
    api.registry.add_user("admin", "admin@example.org", ["admin"], actor=None)
    refused = _rotate(api, old, new)
    assert refused.exit_code == 2
    assert "no ledger event carries a writer signature yet" in " ".join(refused.output.split())
