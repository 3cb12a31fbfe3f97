"""A database that cannot be used gets one clear line and exit 2; reads create nothing;
the registry's files are readable by their owner only."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url at all", "not a database URL: 'not a url at all'"),
        ("mysql://root@localhost/signoff", "unsupported database mysql://root@localhost/signoff"),
        (
            f"postgresql+psycopg://nobody@127.0.0.1:{_closed_port()}/signoff",
            "cannot use the registry database postgresql+psycopg://nobody@127.0.0.1:",
        ),
    ],
    ids=["malformed", "mysql", "unreachable"],
)
def test_a_database_that_cannot_be_used_is_one_line_and_exit_2(cli, tmp_path, url, message):
    done = cli("model", "list", env={"SIGNOFF_DATABASE_URL": url, "SIGNOFF_HOME": str(tmp_path)})
    assert done.exit_code == 2
    assert message in done.stderr
    assert "Traceback" not in done.output
    assert len(done.stderr.strip().splitlines()) <= 2  # one message (wrapped at most once)


@pytest.mark.parametrize(
    "argv",
    [
        ("model", "list"),
        ("user", "list"),
        ("cr", "list"),
        ("ledger", "verify"),
        ("governance", "show"),
        ("db", "status"),
        ("notify", "list"),
    ],
)
def test_a_read_only_command_creates_no_database_or_folder(cli, tmp_path: Path, argv):
    home = tmp_path / "typo" / ".signoff"
    done = cli(*argv, env={"SIGNOFF_HOME": str(home), "SIGNOFF_DATABASE_URL": ""})
    assert not home.exists()
    if argv == ("db", "status"):
        assert done.exit_code == 0
        assert "schema none" in done.stdout
    else:
        assert done.exit_code == 2
        assert "no registry database at" in done.stderr


def test_the_database_and_artifacts_are_owner_only(cli, tmp_path: Path, demo: Path):
    home = tmp_path / ".signoff"
    env = {"SIGNOFF_HOME": str(home), "SIGNOFF_DATABASE_URL": ""}
    assert (
        cli("user", "add", "ada", "--email", "a@example.org", "--role", "admin", env=env).exit_code
        == 0
    )
    assert stat.S_IMODE((home / "signoff.db").stat().st_mode) == 0o600
    stored = [p for p in (home / "artifacts").rglob("*") if p.is_file()]
    assert stored  # the bundled governance's policies
    assert {stat.S_IMODE(p.stat().st_mode) for p in stored} == {0o600}
    folders = [p for p in (home / "artifacts").rglob("*") if p.is_dir()]
    assert {stat.S_IMODE(p.stat().st_mode) & 0o077 for p in folders} == {0}


def test_a_binary_public_key_file_is_exit_2_naming_it(cli, tmp_path: Path):
    env = {"SIGNOFF_HOME": str(tmp_path / ".signoff"), "SIGNOFF_DATABASE_URL": ""}
    assert (
        cli("user", "add", "ada", "--email", "a@example.org", "--role", "admin", env=env).exit_code
        == 0
    )
    binary = tmp_path / "bin.pub"
    binary.write_bytes(bytes(range(256)))
    for argv in (
        ("user", "key", "ada", "--public-key", str(binary), "--as", "ada"),
        (
            "user",
            "add",
            "bob",
            "--email",
            "b@example.org",
            "--role",
            "approver",
            "--public-key",
            str(binary),
            "--as",
            "ada",
        ),
    ):
        done = cli(*argv, env=env)
        assert done.exit_code == 2
        assert "bin.pub: cannot read the key file" in done.stderr
