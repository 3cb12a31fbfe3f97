"""Remote mode itself, against a live `signoff serve` on loopback over SQLite and
PostgreSQL: `signoff login` (the real command, in its own process) confirmed in a
browser session, `whoami`, `logout`; `--as` refused unless it is the person signed in;
the same `--json` as the local command; tokens that cannot sign; what the API does not
offer refused by name; a database administrator's edit found by a remote `ledger
verify`; a proof from the server checked offline."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from remote_cli import live_server, login_through_browser
from server_helpers import bearer, populate


@pytest.fixture
def world(database_url: str, tmp_path: Path):
    """A populated registry (real clock) and a live server over it: ``(url, api, cr)``."""
    import signoff

    artifacts = tmp_path / "artifacts"
    api = signoff.connect(database_url, artifacts=artifacts)
    cr = populate(api, tmp_path)
    with live_server(database_url, artifacts) as url:
        yield url, api, cr
    api.close()


def _env(url: str, folder: Path, **more: str) -> dict[str, str]:
    # no database within reach: remote commands must not need one
    return {
        "SIGNOFF_URL": url,
        "SIGNOFF_CONFIG_DIR": str(folder),
        "SIGNOFF_HOME": str(folder / "no-database"),
        "SIGNOFF_DATABASE_URL": "",
        "SIGNOFF_USER": "",
        "SIGNOFF_TOKEN": "",
        **more,
    }


def _confirm_in_browser(url: str, api, page: str, code: str) -> None:
    """anna, signed in in her browser (a login link), opens the page and confirms the code."""
    _, secret = api.registry.tokens.create_login_link("anna", actor="anna")
    with httpx.Client(base_url=url, timeout=60) as browser:
        assert browser.post("/login/link", data={"token": secret}).status_code in (200, 303)
        shown = browser.get(page)
        assert code in shown.text
        assert "anna" in shown.text
        csrf = browser.get("/api/me").json()["csrf"]
        assert browser.post(page, data={"csrf": csrf}).status_code == 200


def test_signoff_login_whoami_as_and_logout(world, cli, tmp_path: Path):
    url, api, cr = world
    folder = tmp_path / "anna-config"
    src = str(Path(__file__).resolve().parents[1] / "src")  # this checkout's signoff
    env = {**os.environ, **_env(url, folder), "PYTHONPATH": src}
    process = subprocess.Popen(
        [sys.executable, "-c", "from signoff.cli import main; main()", "login"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        page = process.stdout.readline().strip()
        code = process.stdout.readline().strip().removeprefix("code: ")
        assert page.startswith(f"{url}/cli-login/"), process.stderr.read() if process.stderr else ""
        _confirm_in_browser(url, api, page, code)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert out.strip().splitlines()[-1] == "anna"
    stored = folder / "credentials.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert json.loads(stored.read_text())[url]["user"] == "anna"

    me = cli("whoami", "--json", env=_env(url, folder))
    assert me.exit_code == 0, me.output
    assert json.loads(me.stdout)["user"] == "anna"
    assert json.loads(me.stdout)["via"] == "cli"
    plain = cli("whoami", env=_env(url, folder))
    assert "anna (approver) via `signoff login`, logged in at" in plain.stdout

    # --as another person: refused (exit 4); --as herself: the sign-off goes through
    other = cli(
        *("cr", "sign", cr, "--role", "approver", "--decision", "approve"),
        *("--comment", "validation report read", "--as", "rita"),
        env=_env(url, folder),
    )
    assert other.exit_code == 4
    assert "rita cannot be acted as here" in other.stderr
    assert "(anna, by `signoff login`)" in (other.stderr)
    signed = cli(
        *("cr", "sign", cr, "--role", "approver", "--decision", "approve"),
        *("--comment", "validation report read", "--as", "anna", "--json"),
        env=_env(url, folder),
    )
    assert signed.exit_code == 0, signed.output
    assert [s["user"] for s in json.loads(signed.stdout)["signoffs"]] == ["anna"]
    assert api.workflow.get_cr(cr).signoffs[0].user == "anna"

    out = cli("logout", env=_env(url, folder))
    assert out.exit_code == 0
    assert "the session is ended" in out.stderr
    assert url not in json.loads(stored.read_text())
    after = cli("whoami", env=_env(url, folder))
    assert after.exit_code == 2
    assert "not signed in to" in after.stderr
    assert "signoff login" in after.stderr
    revoked = [t for t in api.registry.tokens.list_tokens() if t.kind == "cli_session"]
    assert revoked == []  # API tokens only (`token list` adds the CLI sessions, marked)


def test_same_json_as_local_and_tokens_cannot_sign(world, cli, tmp_path: Path):
    url, api, cr = world
    headers = bearer(api, "alice", "write")
    token = headers["Authorization"].removeprefix("Bearer ")
    remote = _env(url, tmp_path / "cfg", SIGNOFF_TOKEN=token)
    local = {
        "SIGNOFF_DATABASE_URL": api.store.engine.url.render_as_string(hide_password=False),
        "SIGNOFF_HOME": str(tmp_path),
        "SIGNOFF_ARTIFACT_ROOT": str(tmp_path / "artifacts"),
    }
    past = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()  # both read the same
    for args in (
        ("model", "list", "--json"),
        ("model", "show", "fraud", "--json"),
        ("version", "show", "fraud@1.0", "--json"),
        ("cr", "show", cr, "--json"),
        ("cr", "list", "--json"),
        ("model", "list"),
        ("model", "show", "fraud"),
        ("model", "history", "fraud"),
        ("model", "history", "fraud", "--json"),
        ("version", "list", "fraud"),
        ("version", "show", "fraud@1.0"),
        ("waiver", "list", "fraud@1.0", "--json"),
        ("cr", "show", cr),
        ("cr", "list"),
        ("cr", "list", "--state", "submitted", "--waiting-for", "approver", "--json"),
        ("ledger", "verify", "--json"),
        ("user", "list"),
        ("user", "list", "--json"),
        ("governance", "show"),
        ("governance", "show", "--json"),
        ("governance", "list"),
        ("governance", "list", "--json"),
        ("model", "history", "fraud", "--at", "2020-01-01"),
        ("model", "history", "fraud", "--at", "2999-01-01T00:00:00", "--json"),
        ("portfolio", "--csv"),
        ("portfolio", "--at", past, "--json"),
        ("portfolio", "--at", past, "--team", "risk"),
        ("portfolio", "trends", "--by", "team"),
        ("inventory", "export"),
        ("inventory", "export", "--format", "json"),
        ("log", "export"),
    ):
        there, here = cli(*args, env=remote), cli(*args, env=local)
        assert there.exit_code == here.exit_code == 0, there.output
        assert there.stdout == here.stdout, args
    there, here = (
        json.loads(cli("portfolio", "trends", "--json", env=e).stdout) for e in (remote, local)
    )
    assert there.pop("as_of") <= here.pop("as_of")  # the moment each was computed
    assert there == here
    # a token never signs: refused by the server, exit 4, the rule's message
    refused = cli(
        *("cr", "sign", cr, "--role", "approver", "--decision", "approve"),
        *("--comment", "validation report read"),
        env=remote,
    )
    assert refused.exit_code == 4
    assert "a token cannot sign or approve" in refused.stderr
    missing = cli("cr", "show", "CR-99", env=remote)
    there = cli("cr", "show", "CR-99", env=local)
    assert missing.exit_code == there.exit_code == 2
    assert missing.stderr == there.stderr


def test_what_the_api_does_not_offer_is_refused_by_name(world, cli, tmp_path: Path):
    url, api, _ = world
    token = bearer(api, "alice", "write")["Authorization"].removeprefix("Bearer ")
    remote = _env(url, tmp_path / "cfg", SIGNOFF_TOKEN=token)
    for args in (
        ("db", "status"),
        ("login-link", "anna"),
    ):
        refused = cli(*args, env=remote)
        assert refused.exit_code == 2, (args, refused.output)
        assert "is not available in remote mode yet" in refused.stderr, args
        assert f"`signoff {args[0]}" in refused.stderr
    assert not (tmp_path / "cfg" / "no-database").exists()
    away = cli("model", "list", env={**remote, "SIGNOFF_URL": "http://127.0.0.1:9"})
    assert away.exit_code == 2
    assert "cannot reach the signoff server" in away.stderr
    bad = cli("model", "list", env={**remote, "SIGNOFF_URL": "ftp://x"})
    assert bad.exit_code == 2
    assert "SIGNOFF_URL must be an http://" in bad.stderr
    forged = cli("model", "list", env={**remote, "SIGNOFF_TOKEN": "sot_nope"})
    assert forged.exit_code == 2
    assert "unknown, expired or revoked" in forged.stderr


def test_remote_ledger_verify_finds_a_dba_edit_and_proofs_check_offline(world, cli, tmp_path: Path):
    url, api, _ = world
    folder = tmp_path / "audrey"
    login_through_browser(url, api, "audrey", folder)
    remote = _env(url, folder)
    verified = cli("ledger", "verify", "--json", env=remote)
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.stdout)["verified"] is True
    proof = cli("ledger", "prove", "3", env=remote)
    assert proof.exit_code == 0, proof.output
    (tmp_path / "proof.json").write_text(proof.stdout)
    checked = cli("ledger", "check-proof", str(tmp_path / "proof.json"), "--unauthenticated")
    assert checked.exit_code == 0, checked.output
    # a database administrator edits an event straight in the database
    with api.store.engine.begin() as conn:
        if api.store.dialect == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS ledger_events_no_update")
        else:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.exec_driver_sql("UPDATE ledger_events SET actor = 'mallory' WHERE seq = 2")
    tampered = cli("ledger", "verify", env=remote)
    assert tampered.exit_code == 5
    assert "seq 2: the stored event does not match its leaf hash" in tampered.stderr


def test_a_remote_command_loads_no_database_layer_and_no_web_framework(world, tmp_path: Path):
    """Remote `model list` in a fresh interpreter: the server's answer, and none of
    SQLAlchemy, FastAPI, httpx or the audit engine imported (start-up: bench_cli.py)."""
    from test_startup import _WRAPPER, HEAVY

    url, api, _ = world
    token = bearer(api, "audrey", "read")["Authorization"].removeprefix("Bearer ")
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, **_env(url, tmp_path / "cfg", SIGNOFF_TOKEN=token)}
    env.update(PYTHONPATH=src, NO_COLOR="1")
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, "model", "list", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    assert [m["name"] for m in json.loads(done.stdout)] == ["fraud"]
    roots = {m.split(".")[0] for m in report["modules"]}
    assert roots & {"sqlalchemy", "alembic", "fastapi", "starlette", "httpx", *HEAVY} == set()
    assert "signoff.store" not in report["modules"]
