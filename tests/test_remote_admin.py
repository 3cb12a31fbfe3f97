"""Remote mode for tokens, the ledger's events and checkpoints, and the CR transitions
the first remote wiring left out (`cr override-risk`, `cr withdraw`): against a live
`signoff serve` on loopback over SQLite and PostgreSQL, people logged in through the
real flow, compared with the same command run locally on the same database."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from remote_cli import live_server, login_through_browser
from server_helpers import bearer, populate
from test_remote_mode import _env


@pytest.fixture
def world(database_url: str, tmp_path: Path):
    """A populated registry and a live server over it: ``(url, api, cr, local env)``."""
    import signoff

    artifacts = tmp_path / "artifacts"
    api = signoff.connect(database_url, artifacts=artifacts)
    cr = populate(api, tmp_path)
    local = {
        "SIGNOFF_DATABASE_URL": api.store.engine.url.render_as_string(hide_password=False),
        "SIGNOFF_HOME": str(tmp_path),
        "SIGNOFF_ARTIFACT_ROOT": str(artifacts),
    }
    with live_server(database_url, artifacts) as url:
        yield url, api, cr, local
    api.close()


def test_tokens_from_people_sessions_listed_and_revoked(world, cli, tmp_path: Path):
    url, api, _, local = world
    session = login_through_browser(url, api, "alice", tmp_path / "alice")
    alice = _env(url, tmp_path / "alice")
    made = cli(
        "token", "create", "alice", "--scope", "write", "--expires", "1d", "--json", env=alice
    )
    assert made.exit_code == 0, made.output
    created = json.loads(made.stdout)
    assert created["secret"].startswith("sot_")
    assert created["kind"] == "token"
    assert created["created_by"] == "alice"
    assert created["scope"] == "write"
    # the secret works, and is stored only hashed: the token list never shows it
    machine = _env(url, tmp_path / "machine", SIGNOFF_TOKEN=created["secret"])
    assert json.loads(cli("whoami", "--json", env=machine).stdout)["via"] == "token"
    # a token cannot mint tokens (a leaked one could outlive its revocation)
    minted = cli("token", "create", "alice", env=machine)
    assert minted.exit_code == 4
    assert "a token cannot create tokens" in minted.stderr
    # anyone else's: only an admin
    other = cli("token", "create", "anna", env=alice)
    assert other.exit_code == 4
    assert "alice cannot create a token for anna" in other.stderr
    bad = cli("token", "create", "alice", "--expires", "forever", env=alice)
    assert bad.exit_code == 2
    assert "expected a duration like 90d" in bad.stderr

    # `token list`: the same rows as locally, CLI sessions marked as such
    for args in (("token", "list", "--user", "alice", "--json"),
                 ("token", "list", "--user", "alice")):  # fmt: skip
        there, here = cli(*args, env=alice), cli(*args, env=local)
        assert there.exit_code == here.exit_code == 0, there.output
        assert there.stdout == here.stdout, args
    rows = json.loads(cli("token", "list", "--json", env=alice).stdout)
    assert {r["user"] for r in rows} == {"alice"}  # not an admin: her own only
    [mine] = [r for r in rows if r["kind"] == "cli_session"]
    assert mine["id"] == session["session"]
    assert mine["scope"] is None
    assert "cli session" in cli("token", "list", env=alice).stdout
    everyone = json.loads(cli("token", "list", "--json", env=local).stdout)
    assert {r["id"] for r in rows} <= {r["id"] for r in everyone}

    # revoke the token, then her own CLI session: each stops working at once
    gone = cli("token", "revoke", created["id"], env=alice)
    assert gone.exit_code == 0, gone.output
    assert f"revoked {created['id']} (alice)" in gone.stdout
    assert cli("whoami", env=machine).exit_code == 2
    ended = cli("token", "revoke", mine["id"], env=alice)
    assert ended.exit_code == 0, ended.output
    after = cli("whoami", env=alice)
    assert after.exit_code == 2
    revoked = [t for t in api.registry.tokens.list_tokens(sessions=True) if t.id == mine["id"]]
    assert revoked[0].revoked_at is not None
    assert [e.action for e in _events(api)][-2:] == ["token.revoked", "cli_session.revoked"]


def _events(api):
    from signoff.ledger import iter_events

    with api.store.transaction() as session:
        return list(iter_events(session))


def test_ledger_show_export_and_a_checkpoint_signed_here(world, cli, tmp_path: Path):
    url, api, _, local = world
    token = bearer(api, "audrey", "read")["Authorization"].removeprefix("Bearer ")
    auditor = _env(url, tmp_path / "audrey", SIGNOFF_TOKEN=token)
    for args in (
        ("ledger", "show"),
        ("ledger", "show", "--json"),
        ("ledger", "show", "--start", "3", "--subject", "user:", "--json"),
        ("ledger", "export"),
    ):
        there, here = cli(*args, env=auditor), cli(*args, env=local)
        assert there.exit_code == here.exit_code == 0, there.output
        assert there.stdout == here.stdout, args
    size = len(_events(api))
    lines = cli("ledger", "export", env=auditor).stdout.splitlines()
    assert [json.loads(line)["seq"] for line in lines] == list(range(1, size + 1))
    # the events route pages by seq: following next_start gives every event once
    paged, start = [], 1
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        while start is not None:
            page = http.get("/api/ledger/events", params={"start": start, "limit": 4}).json()
            paged += page["items"]
            start = page["next_start"]
        nul = http.get("/api/ledger/events", params={"subject": "user:\x00"})
    assert paged == [json.loads(line) for line in lines]
    assert nul.status_code == 422  # PostgreSQL text cannot hold NUL: refused up front

    keys = tmp_path / "keys"
    keys.mkdir()
    assert cli("ledger", "keygen", "acme", "--out", str(keys / "k")).exit_code == 0
    login_through_browser(url, api, "alice", tmp_path / "alice")
    alice = _env(url, tmp_path / "alice")
    signed = cli("ledger", "checkpoint", "--key", str(keys / "k.key"), env=alice)
    assert signed.exit_code == 0, signed.output
    assert "the key is named 'acme' but signs the log 'signoff.ledger/" in signed.stderr
    note = tmp_path / "cp.txt"
    note.write_text(signed.stdout)
    # the note checks out against the database, locally and remotely
    for env in (local, auditor):
        verified = cli("ledger", "verify", "--checkpoint", str(note), "--key",
                       str(keys / "k.pub"), "--json", env=env)  # fmt: skip
        assert verified.exit_code == 0, verified.output
        assert json.loads(verified.stdout)["checkpoint_size"] == len(_events(api))
    # the server kept a copy, as the local command does
    from sqlalchemy import select

    from signoff.store import CheckpointRow

    with api.store.transaction() as session:
        kept = session.scalars(select(CheckpointRow)).all()
    assert [r.note for r in kept] == [signed.stdout]
    # a read token cannot ask the server to keep one
    refused = cli("ledger", "checkpoint", "--key", str(keys / "k.key"), env=auditor)
    assert refused.exit_code == 4


def test_override_risk_and_withdraw(world, cli, tmp_path: Path):
    url, api, cr, local = world
    login_through_browser(url, api, "rita", tmp_path / "rita")
    rita = _env(url, tmp_path / "rita")
    low = cli("cr", "override-risk", cr, "--level", "low", "--justification",
              "the model only scores a shadow queue", env=rita)  # fmt: skip
    assert low.exit_code == 0, low.output
    assert f"proposed lowering {cr} to low: a second risk reviewer must confirm" in low.stderr
    assert api.workflow.get_cr(cr).risk_level == "high"  # one reviewer cannot lower it alone
    raised = cli("cr", "override-risk", cr, "--level", "medium", "--justification", "x",
                 "--json", env=rita)  # fmt: skip
    here = cli("cr", "override-risk", cr, "--level", "medium", "--justification", "x",
               "--json", "--as", "rita", env=local)  # fmt: skip
    assert raised.exit_code == here.exit_code, (raised.output, here.output)
    assert raised.stderr == here.stderr

    login_through_browser(url, api, "anna", tmp_path / "anna")
    anna = _env(url, tmp_path / "anna")
    refused = cli("cr", "withdraw", cr, "--reason", "not mine", env=anna)
    there = cli("cr", "withdraw", cr, "--reason", "not mine", "--as", "anna", env=local)
    assert refused.exit_code == there.exit_code == 4
    assert refused.stderr == there.stderr
    login_through_browser(url, api, "alice", tmp_path / "alice")
    alice = _env(url, tmp_path / "alice")
    done = cli("cr", "withdraw", cr, "--reason", "superseded by 1.1", "--json", env=alice)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["state"] == "withdrawn"
    assert api.workflow.get_cr(cr).state == "withdrawn"
    shown = cli("cr", "show", cr, "--json", env=local)
    assert json.loads(shown.stdout) == json.loads(done.stdout)


def test_a_sign_off_signed_with_the_persons_key_on_their_machine(world, cli, tmp_path: Path):
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from signoff._canonical import canonical_json
    from signoff.ledger import generate_key

    url, api, cr, _ = world
    private, public = generate_key("anna")
    other, _ = generate_key("mallory")
    api.registry.set_public_key("anna", public, actor="admin")
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "anna.key").write_text(private + "\n")
    (keys / "other.key").write_text(other + "\n")
    login_through_browser(url, api, "anna", tmp_path / "anna")
    anna = _env(url, tmp_path / "anna")
    sign = ("cr", "sign", cr, "--role", "approver", "--decision", "approve",
            "--comment", "validation report   read\u200b, limits checked")  # fmt: skip
    unsigned = cli(*sign, env=anna)
    assert unsigned.exit_code == 4
    assert "anna registered a signing key: sign with --key" in unsigned.stderr
    wrong = cli(*sign, "--key", str(keys / "other.key"), env=anna)
    assert wrong.exit_code == 4
    assert "the key given is not the one anna registered" in wrong.stderr
    stamp = cli(*sign[:-1], "ok", "--key", str(keys / "anna.key"), env=anna)
    assert stamp.exit_code == 4  # judged here before signing, as the core judges it
    signed = cli(*sign, "--key", str(keys / "anna.key"), "--json", env=anna)
    assert signed.exit_code == 0, signed.output
    [event] = [e for e in _events(api) if e.action == "cr.signed"]
    payload = dict(event.payload)
    assert payload["comment"] == "validation report read, limits checked"  # as recorded
    statement = {k: payload[k] for k in ("cr", "user", "role", "decision", "comment", "evidence")}
    # checked independently: Ed25519 over the canonical JSON, under the registered key
    raw = base64.b64decode(public.split("+", 2)[2])[-32:]
    Ed25519PublicKey.from_public_bytes(raw).verify(
        base64.b64decode(payload["signature"]), canonical_json(statement)
    )
    assert payload["login"]["identity_provider"] is not None  # the fresh login, recorded
    assert api.ledger.verify().size == len(_events(api))  # verify_signoffs passes


def test_notify_list_and_deliver_by_an_admin(world, cli, tmp_path: Path, receiver):
    import datetime as dt

    from conftest import without_policies, write_governance
    from signoff.workflow import load_governance
    from test_notify import _announce

    url, api, _, local = world
    receiver.plan = [400]
    folder = tmp_path / "hooks"
    folder.mkdir()

    def hooked(settings: dict) -> None:
        without_policies(settings)
        settings["webhooks"] = [{"url": receiver.url}]

    path = write_governance(folder, hooked)
    api.workflow.propose_governance(path, actor="admin")
    governance = load_governance(path).governance
    with api.store.transaction() as session:
        _announce(session, governance, lambda: dt.datetime.now(dt.UTC), subject="CR-1")
        _announce(session, governance, lambda: dt.datetime.now(dt.UTC), subject="CR-2")
    login_through_browser(url, api, "admin", tmp_path / "admin")
    admin = _env(url, tmp_path / "admin")
    login_through_browser(url, api, "alice", tmp_path / "alice")
    alice = _env(url, tmp_path / "alice")
    for args in (("notify", "list", "--json"), ("notify", "list")):
        there, here = cli(*args, env=admin), cli(*args, env=local)
        assert there.exit_code == here.exit_code == 0, there.output
        assert there.stdout == here.stdout, args
    refused = cli("notify", "list", env=alice)  # webhook addresses carry secrets
    assert refused.exit_code == 4
    assert "only an admin can read the webhook outbox (alice is not one)" in refused.stderr
    assert cli("notify", "deliver", env=alice).exit_code == 4
    done = cli("notify", "deliver", "--json", env=admin)
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert (report["delivered"], report["failed"], report["pending"]) == (1, 1, 0)
    assert len(receiver.requests) == 2  # the server sent both (the first was refused: 400)
    listed = cli("notify", "list", "--failed", "--json", env=admin)
    [failed] = json.loads(listed.stdout)
    assert (failed["subject"], failed["status"], failed["attempts"]) == ("CR-1", "failed", 1)
    assert listed.stdout == cli("notify", "list", "--failed", "--json", env=local).stdout
    plain = cli("notify", "deliver", env=admin)
    assert "delivered 0, failed 0, pending 0" in plain.stdout


def test_user_key_first_by_an_admin_then_rotated_by_the_person_signed_here(
    world, cli, tmp_path: Path
):
    """`user key` through the server: an admin registers anna's first key; anna rotates it,
    the rotation signed on her machine with the old key (never sent), checked
    independently; a wrong old key and a first key of her own are refused, as locally."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from signoff._canonical import canonical_json
    from signoff.ledger import generate_key

    url, api, _, _ = world
    keys = tmp_path / "keys"
    keys.mkdir()
    pairs = {name: generate_key("anna") for name in ("first", "second", "stranger")}
    for name, (private, public) in pairs.items():
        (keys / f"{name}.key").write_text(private + "\n")
        (keys / f"{name}.pub").write_text(public + "\n")
    login_through_browser(url, api, "anna", tmp_path / "anna")
    login_through_browser(url, api, "admin", tmp_path / "admin")
    anna, admin = _env(url, tmp_path / "anna"), _env(url, tmp_path / "admin")

    own_first = cli("user", "key", "anna", "--public-key", str(keys / "first.pub"), env=anna)
    assert own_first.exit_code == 4, own_first.output
    assert "anna's first signing key must be registered by another admin" in own_first.stderr
    registered = cli(
        "user", "key", "anna", "--public-key", str(keys / "first.pub"), "--json", env=admin
    )
    assert registered.exit_code == 0, registered.output
    assert api.registry.get_user("anna").public_key == pairs["first"][1]

    rotate = ("user", "key", "anna", "--public-key", str(keys / "second.pub"), "--old-key")
    wrong = cli(*rotate, str(keys / "stranger.key"), env=anna)
    assert wrong.exit_code == 4
    assert "the old key given is not the one anna registered" in wrong.stderr
    assert api.registry.get_user("anna").public_key == pairs["first"][1]
    rotated = cli(*rotate, str(keys / "first.key"), env=anna)
    assert rotated.exit_code == 0, rotated.output
    assert api.registry.get_user("anna").public_key == pairs["second"][1]

    [event] = [e for e in _events(api) if e.action == "user.key_registered"][-1:]
    payload = dict(event.payload)
    assert event.actor == "anna"
    statement = {"rotate_key": "anna", "public_key": payload["public_key"]}
    raw = base64.b64decode(pairs["first"][1].split("+", 2)[2])[-32:]  # the OLD key verifies
    Ed25519PublicKey.from_public_bytes(raw).verify(
        base64.b64decode(payload["signed_by_old_key"]), canonical_json(statement)
    )
    assert api.ledger.verify().size == len(_events(api))
