"""Hostile input to the ledger and registry faces: forged proofs, odd files, markup in names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from signoff.cli import app
from signoff.cli._app import INTERNAL_ERROR, INTERNAL_EXIT
from signoff.cli._files import NOT_TEXT
from signoff.cli._ledger import NO_FOLDER, NOT_AUTHENTICATED
from signoff.ledger._checkpoint import ORIGIN_INVALID

MARKUP = "[/]"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "SIGNOFF_HOME": str(tmp_path / "home"),
        "SIGNOFF_USER": "alice",
        "SIGNOFF_DATABASE_URL": "",
    }


def _run(env: dict[str, str], *args: str):
    return CliRunner().invoke(app, list(args), env=env)


def _said(result, text: str) -> bool:  # type: ignore[no-untyped-def]
    return text in " ".join(result.output.split())


@pytest.fixture
def ledger(env: dict[str, str], tmp_path: Path) -> dict[str, Path]:
    """A registry with a team named like Rich markup, a key pair, a checkpoint and a proof."""
    add = ["user", "add", "alice", "--email", "alice@example.org", "--role", "requester"]
    assert _run(env, *add).exit_code == 0
    register = ["model", "register", "credit", "--owner", "alice", "--team", MARKUP]
    register += ["--use-case", "[bold]x[/bold]", "--risk-tier", "low"]
    assert _run(env, *register).exit_code == 0
    keys = tmp_path / "keys" / "acme.v2"
    keys.parent.mkdir()
    assert _run(env, "ledger", "keygen", "acme", "--out", str(keys)).exit_code == 0
    note = tmp_path / "cp.txt"
    assert (
        _run(env, "ledger", "checkpoint", "--key", f"{keys}.key", "--out", str(note)).exit_code == 0
    )
    proved = _run(env, "ledger", "prove", "2", "--checkpoint", str(note), "--key", f"{keys}.pub")
    proof = tmp_path / "proof.json"
    proof.write_text(proved.stdout)
    return {"keys": keys, "note": note, "proof": proof}


def test_keygen_keeps_a_dotted_prefix_and_refuses_a_missing_folder(
    env: dict[str, str], ledger: dict[str, Path], tmp_path: Path
):
    keys = ledger["keys"]
    assert Path(f"{keys}.key").is_file()
    assert Path(f"{keys}.pub").is_file()  # acme.v2.pub, not acme.pub
    missing = tmp_path / "nowhere" / "acme"
    result = _run(env, "ledger", "keygen", "acme", "--out", str(missing))
    assert result.exit_code == 2
    assert _said(result, f"--out: {NO_FOLDER.format(folder=missing.parent)}")
    assert not missing.parent.exists()


def test_check_proof_without_a_key_is_not_verified(env: dict[str, str], ledger: dict[str, Path]):
    result = _run(env, "ledger", "check-proof", str(ledger["proof"]))
    assert result.exit_code == 5
    assert _said(result, f"{ledger['proof']}: {NOT_AUTHENTICATED}")
    assert "verified" not in result.stdout
    accepted = _run(env, "ledger", "check-proof", str(ledger["proof"]), "--unauthenticated")
    assert accepted.exit_code == 0
    assert "the root is NOT authenticated" in accepted.stdout
    keyed = _run(
        env, "ledger", "check-proof", str(ledger["proof"]), "--key", f"{ledger['keys']}.pub"
    )
    assert keyed.exit_code == 0
    assert "proof verified: seq 2" in keyed.stdout


def test_a_wholly_forged_proof_without_a_key_is_refused(env: dict[str, str], tmp_path: Path):
    from signoff._canonical import canonical_json
    from signoff.ledger import leaf_hash

    event = {"seq": 1, "ts": "2026-01-01T00:00:00Z", "actor": "mallory", "action": "x"}
    event |= {"subject": "model:credit", "payload": {"approved": True}}
    leaf = leaf_hash(canonical_json(event)).hex()
    forged = {"format": "signoff-inclusion-proof/v1", "origin": "signoff-ledger", "seq": 1}
    forged |= {"leaf_index": 0, "tree_size": 1, "leaf_hash": leaf, "event": event}
    forged |= {"proof": [], "root_hash": leaf, "checkpoint": None}
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged))
    result = _run(env, "ledger", "check-proof", str(path))
    assert result.exit_code == 5
    assert "NOT authenticated" in result.output


@pytest.mark.parametrize("command", ["check-proof", "verify"])
def test_binary_files_are_refused_with_their_name(
    env: dict[str, str], ledger: dict[str, Path], tmp_path: Path, command: str
):
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    args = [str(binary)] if command == "check-proof" else ["--checkpoint", str(binary)]
    result = _run(env, "ledger", command, *args, "--key", f"{ledger['keys']}.pub")
    assert result.exit_code == 3
    assert _said(result, f"{binary}: {NOT_TEXT.format(offset=0)}")


def test_a_binary_key_is_a_config_error(
    env: dict[str, str], ledger: dict[str, Path], tmp_path: Path
):
    binary = tmp_path / "key.pub"
    binary.write_bytes(b"\xff\xfe\x00")
    result = _run(env, "ledger", "check-proof", str(ledger["proof"]), "--key", str(binary))
    assert result.exit_code == 2
    assert _said(result, f"{binary}: cannot read the key file")


def test_a_deeply_nested_proof_is_an_input_error(env: dict[str, str], tmp_path: Path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    result = _run(env, "ledger", "check-proof", str(deep))
    assert result.exit_code == 3
    assert _said(result, "not a JSON inclusion proof: nested more than 200 levels deep")


@pytest.mark.parametrize("origin", ["", "two\nlines"], ids=["empty", "newline"])
def test_checkpoint_origin_must_be_one_line(
    env: dict[str, str], ledger: dict[str, Path], origin: str
):
    key = f"{ledger['keys']}.key"
    result = _run(env, "ledger", "checkpoint", "--key", key, "--origin", origin)
    assert result.exit_code == 2
    assert _said(result, "origin: " + " ".join(ORIGIN_INVALID.format(origin=origin).split()))


def test_markup_in_stored_names_is_shown_as_written(env: dict[str, str], ledger: dict[str, Path]):
    for args in (["model", "list"], ["model", "show", "credit"], ["ledger", "show"]):
        result = _run(env, *args)
        assert result.exit_code == 0, (args, result.output)
    assert MARKUP in _run(env, "model", "list").stdout
    shown = _run(env, "model", "show", "credit").stdout
    assert "[bold]x[/bold]" in shown
    assert f"team {MARKUP}" in shown


def test_an_unexpected_exception_is_one_line_and_exit_70(
    env: dict[str, str], ledger: dict[str, Path], monkeypatch: pytest.MonkeyPatch
):
    import signoff.ledger

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr(signoff.ledger, "check_inclusion_doc", broken)
    result = _run(env, "ledger", "check-proof", str(ledger["proof"]), "--unauthenticated")
    assert result.exit_code == INTERNAL_EXIT == 70
    expected = INTERNAL_ERROR.format(
        kind="ZeroDivisionError", detail="division by zero second line"
    )
    assert result.stderr.strip() == expected
    assert "Traceback" not in result.output


def test_the_console_script_entry_point_also_exits_70(monkeypatch: pytest.MonkeyPatch, capsys):
    from signoff.cli import _app

    def broken(**kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(_app, "app_for", lambda argv: broken)  # the app run() builds
    with pytest.raises(SystemExit) as caught:
        _app.run(["metrics"])
    assert caught.value.code == 70
    assert "internal error: RuntimeError: boom" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"C": NaN}', "JSON numbers must be finite; got NaN"),
        ('{"C": 1e999}', "the number 1e999 is too large"),
        ('{"C": ' + "9" * 5000 + "}", "Exceeds the limit"),
        ('{"C": 123456789012345678901}', "beyond ±2**53"),
        ('{"C": ' + "[" * 5000 + "]" * 5000 + "}", "nested more than 200 levels deep"),
    ],
    ids=["nan", "overflow", "5000-digits", "beyond-2-53", "deep"],
)
def test_hostile_hyperparameters_are_exit_2(
    env: dict[str, str], ledger: dict[str, Path], text: str, reason: str
):
    result = _run(env, "version", "add", "credit@2", "--framework", "x", "--hyperparameters", text)
    assert result.exit_code == 2, result.output
    assert _said(result, "--hyperparameters: expected a JSON object")
    assert reason in result.output


def test_checkpoint_out_into_a_missing_folder_is_exit_2(
    env: dict[str, str], ledger: dict[str, Path], tmp_path: Path
):
    target = tmp_path / "nowhere" / "cp.txt"
    key = f"{ledger['keys']}.key"
    result = _run(env, "ledger", "checkpoint", "--key", key, "--out", str(target))
    assert result.exit_code == 2
    assert _said(result, f"--out: {NO_FOLDER.format(folder=target.parent)}")


@pytest.mark.parametrize("seq", [0, -1, 2**31, 10**20])
def test_a_seq_outside_the_ledger_is_not_found_on_both_databases(api: object, seq: int):
    """A seq past the INTEGER column once overflowed the driver (exit 70): now NotFound."""
    from signoff.errors import NotFound
    from signoff.ledger import prove_event

    api.registry.add_user("ada", "ada@example.org", ["admin"], actor=None)  # type: ignore[attr-defined]
    with pytest.raises(NotFound) as missing:
        prove_event(api.store, seq)  # type: ignore[attr-defined]
    assert missing.value.exit_code == 2
    assert f"ledger event {seq} does not exist" in missing.value.message
