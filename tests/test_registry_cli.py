"""The registry and ledger through the command line: ids last, JSON, exit codes."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "SIGNOFF_HOME": str(tmp_path / "home"),
        "SIGNOFF_USER": "alice",
        "SIGNOFF_DATABASE_URL": "",
    }


def _run(cli, env, *args: str):
    return cli(*args, env=env)


def test_registry_flow_prints_ids_last_and_json(cli, env, demo: Path, tmp_path: Path):
    added = _run(
        cli, env, "user", "add", "alice", "--email", "alice@example.org", "--role", "requester"
    )
    assert added.exit_code == 0, added.output
    assert added.stdout.strip().splitlines()[-1] == "alice"
    bob = _run(
        cli, env, "user", "add", "bob", "--email", "bob@example.org", "--role", "auditor", "--json"
    )
    assert json.loads(bob.stdout)["id"] == "bob"
    model = _run(
        cli,
        env,
        "model",
        "register",
        "credit",
        "--owner",
        "alice",
        "--team",
        "risk",
        "--use-case",
        "consumer credit",
        "--risk-tier",
        "high",
    )
    assert model.stdout.strip().splitlines()[-1] == "credit"
    version = _run(
        cli,
        env,
        "version",
        "add",
        "credit@1.0",
        "--framework",
        "sklearn",
        "--file",
        str(demo / "model.skops"),
        "--training-data",
        str(demo / "data" / "train.csv"),
        "--hyperparameters",
        '{"C": 1.0}',
    )
    assert version.exit_code == 0, version.output
    assert version.stdout.strip().splitlines()[-1] == "credit@1.0"
    audited = cli(
        "audit",
        str(demo / "audit.yaml"),
        "-o",
        str(tmp_path / "out"),
        "--policy",
        str(demo / "policy.yaml"),
        "--register",
        "credit@1.0",
        env=env,
    )
    assert audited.exit_code == 1  # the demo fails a gate; the audit is attached all the same
    assert "attached audit #1 to credit@1.0" in audited.stderr
    shown = json.loads(_run(cli, env, "version", "show", "credit@1.0", "--json").stdout)
    assert shown["version"]["stage"] == "development"
    assert shown["version"]["hyperparameters"] == {"C": 1.0}
    assert shown["audits"][0]["verdict"] == "FAIL"
    card = tmp_path / "card.md"
    card.write_text("# Model card\n")
    artifact = _run(cli, env, "artifact", "add", "credit@1.0", str(card), "--kind", "model_card")
    assert len(artifact.stdout.strip().splitlines()[-1]) == 64  # the sha256 is the id
    [line] = _run(cli, env, "log", "export", "--jsonl").stdout.strip().splitlines()
    assert json.loads(line)["model_id"] == "credit@1.0"
    history = json.loads(_run(cli, env, "model", "history", "credit", "--json").stdout)
    assert [h["to_stage"] for h in history] == ["development"]
    models = json.loads(_run(cli, env, "model", "list", "--json").stdout)
    assert [m["name"] for m in models] == ["credit"]


def test_empty_lists_say_what_they_mean(cli, env):
    # A list with nothing in it prints a line saying what that means, never a bare
    # table frame; --json stays an empty list for scripts.
    assert _run(cli, env, "db", "upgrade").exit_code == 0
    quiet = {**env, "SIGNOFF_USER": ""}
    expected = {
        ("model", "list"): "no model is registered yet: `signoff model register NAME",
        ("cr", "list"): "no change request is recorded",
        ("cr", "list", "--state", "approved"): "no change request matches these filters",
        ("notify", "list"): "no notification is queued or sent",
        ("governance", "list"): "no governance version is recorded: the bundled default",
    }
    for args, line in expected.items():
        shown = _run(cli, quiet, *args)
        assert shown.exit_code == 0, (args, shown.output)
        assert line in shown.stdout, (args, shown.stdout)
        assert "┃" not in shown.stdout, (args, shown.stdout)
        assert json.loads(_run(cli, quiet, *args, "--json").stdout) == [], args
    _run(cli, env, "user", "add", "alice", "--email", "a@example.org", "--role", "requester")
    registered = _run(
        cli, env, "model", "register", "m", "--owner", "alice", "--team", "t",
        "--use-case", "u", "--risk-tier", "low",
    )  # fmt: skip
    assert registered.exit_code == 0, registered.output
    for args, line in {
        ("model", "show", "m"): "m has no version yet: `signoff version add m@VERSION",
        ("version", "list", "m"): "m has no version yet",
        ("model", "history", "m"): "m has not changed stage",
        ("version", "add", "m@1", "--framework", "sklearn", "--uri", "s3://b/m"): "m@1",
        ("waiver", "list", "m@1"): "m@1 has no waiver",
    }.items():
        shown = _run(cli, env, *args)
        assert shown.exit_code == 0, (args, shown.output)
        assert line in shown.stdout, (args, shown.stdout)
        assert "┃" not in shown.stdout, (args, shown.stdout)


def test_refusals_and_missing_things_have_exit_codes(cli, env):
    _run(cli, env, "user", "add", "alice", "--email", "alice@example.org", "--role", "requester")
    _run(cli, env, "user", "add", "erin", "--email", "erin@example.org", "--role", "auditor")
    refused = cli(
        "model",
        "register",
        "m",
        "--owner",
        "erin",
        "--team",
        "t",
        "--use-case",
        "x",
        "--risk-tier",
        "low",
        env={**env, "SIGNOFF_USER": "erin"},
    )
    assert refused.exit_code == 4
    assert (
        "erin holds only read-only roles (auditor) and cannot change the registry" in refused.stderr
    )
    missing = _run(cli, env, "version", "show", "nothing@1")
    assert missing.exit_code == 2
    assert "no model named 'nothing'" in missing.stderr
    bad_ref = _run(cli, env, "version", "show", "nothing")
    assert bad_ref.exit_code == 2
    assert "expected MODEL@VERSION" in bad_ref.stderr
    bad_tier = _run(
        cli,
        env,
        "model",
        "register",
        "m",
        "--owner",
        "alice",
        "--team",
        "t",
        "--use-case",
        "x",
        "--risk-tier",
        "extreme",
    )
    assert bad_tier.exit_code == 2
    no_actor = cli(
        "model",
        "register",
        "m",
        "--owner",
        "alice",
        "--team",
        "t",
        "--use-case",
        "x",
        "--risk-tier",
        "low",
        env={**env, "SIGNOFF_USER": ""},
    )
    assert no_actor.exit_code == 2
    assert "say who is acting: --as USER or SIGNOFF_USER" in no_actor.stderr


def test_db_status_and_upgrade(cli, env):
    status = json.loads(_run(cli, env, "db", "status", "--json").stdout)
    assert status["current"] is None
    assert not status["up_to_date"]
    assert _run(cli, env, "db", "upgrade").exit_code == 0
    assert json.loads(_run(cli, env, "db", "status", "--json").stdout)["up_to_date"]


def test_ledger_commands_end_to_end(cli, env, tmp_path: Path):
    _run(cli, env, "user", "add", "alice", "--email", "alice@example.org", "--role", "requester")
    _run(
        cli,
        env,
        "model",
        "register",
        "credit",
        "--owner",
        "alice",
        "--team",
        "risk",
        "--use-case",
        "x",
        "--risk-tier",
        "low",
    )
    keys = tmp_path / "keys" / "ledger"
    keys.parent.mkdir()
    assert _run(cli, env, "ledger", "keygen", "acme", "--out", str(keys)).exit_code == 0
    assert (
        _run(cli, env, "ledger", "keygen", "acme", "--out", str(keys)).exit_code == 2
    )  # never overwrites
    note = _run(cli, env, "ledger", "checkpoint", "--key", f"{keys}.key").stdout
    (tmp_path / "cp.txt").write_text(note)
    _run(cli, env, "version", "add", "credit@1", "--framework", "sklearn")
    verified = _run(
        cli,
        env,
        "ledger",
        "verify",
        "--checkpoint",
        str(tmp_path / "cp.txt"),
        "--key",
        f"{keys}.pub",
        "--json",
    )
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.stdout)["checkpoint_size"] == 5  # with G-1's two events
    proof = _run(
        cli,
        env,
        "ledger",
        "prove",
        "2",
        "--checkpoint",
        str(tmp_path / "cp.txt"),
        "--key",
        f"{keys}.pub",
    )
    (tmp_path / "proof.json").write_text(proof.stdout)
    checked = cli(
        "ledger", "check-proof", str(tmp_path / "proof.json"), "--key", f"{keys}.pub", env={}
    )
    assert checked.exit_code == 0
    assert "proof verified: seq 2 is in the log of 5 event(s)" in checked.stdout
    events = json.loads(_run(cli, env, "ledger", "show", "--json").stdout)
    assert [e["action"] for e in events] == [
        "user.added",
        "governance.proposed",
        "governance.applied",
        "team.created",
        "model.registered",
        "version.added",
    ]
    assert len(_run(cli, env, "ledger", "export").stdout.strip().splitlines()) == 6

    database = Path(env["SIGNOFF_HOME"]) / "signoff.db"
    with sqlite3.connect(database) as conn:
        conn.execute("DROP TRIGGER ledger_events_no_update")
        conn.execute("UPDATE ledger_events SET actor = 'mallory' WHERE seq = 2")
    tampered = _run(cli, env, "ledger", "verify")
    assert tampered.exit_code == 5
    assert "seq 2: the stored event does not match its leaf hash" in tampered.stderr
    bad_proof = json.loads(proof.stdout)
    bad_proof["event"]["actor"] = "mallory"
    (tmp_path / "bad.json").write_text(json.dumps(bad_proof))
    assert (
        cli(
            "ledger", "check-proof", str(tmp_path / "bad.json"), "--key", f"{keys}.pub", env={}
        ).exit_code
        == 5
    )


def test_each_registry_signs_checkpoints_under_its_own_origin(cli, tmp_path: Path):
    origins = []
    for name in ("one", "two"):
        env = {"SIGNOFF_HOME": str(tmp_path / name), "SIGNOFF_USER": "ada"}
        assert (
            cli(
                "user", "add", "ada", "--email", "a@example.org", "--role", "admin", env=env
            ).exit_code
            == 0
        )
        shown = cli("ledger", "show", env=env)
        [origin] = re.findall(r"signoff\.ledger/[0-9a-f]{16}", shown.stdout)
        origins.append(origin)
        keys = tmp_path / name / "acme"
        assert cli("ledger", "keygen", "acme", "--out", str(keys), env=env).exit_code == 0
        signed = cli("ledger", "checkpoint", "--key", f"{keys}.key", env=env)
        assert signed.exit_code == 0
        assert signed.stdout.splitlines()[0] == origin
        assert f"the key is named 'acme' but signs the log '{origin}'" in signed.stderr
        (tmp_path / name / "cp.txt").write_text(signed.stdout)
        verified = cli(
            "ledger",
            "verify",
            "--checkpoint",
            str(tmp_path / name / "cp.txt"),
            "--key",
            f"{keys}.pub",
            env=env,
        )
        assert verified.exit_code == 0, verified.output
    assert origins[0] != origins[1]
