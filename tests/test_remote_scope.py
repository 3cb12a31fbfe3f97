"""Remote mode's reach, generated from the command tree: every command is sent through the
server, works without a registry, or is in docs/server.md's list of refusals — and every
listed one is refused by name (exit 2) against a live server, opening no database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "server.md"
#: Commands that never read the registry: they run the same with SIGNOFF_URL set.
OFFLINE = {
    "audit",  # with --register it is sent through (tests/remote_cli.py runs it so)
    "report",
    "pack",
    "verify-pack",
    "metrics",
    "model-card",
    "policy diff",
    "policy explain",
    "policy lint",
    "policy show",
    "policy templates",
    "governance lint",
    "init",
    "quickstart",
    "ledger keygen",
    "ledger check-proof",
    "login",
    "logout",
}
#: Sent through the server (each is run remotely by tests/remote_cli.py's re-runs or by
#: test_remote_mode.py / test_remote_admin.py / test_remote_monitor.py).
WIRED = {
    "artifact add", "cr deploy", "cr list", "cr open", "cr override-risk", "cr show",
    "cr sign", "cr submit", "cr withdraw", "docs annex-iv", "emergency open",
    "emergency review", "governance apply", "governance approve", "governance list", "governance reject",
    "governance show", "inventory export", "ledger checkpoint", "ledger export",
    "ledger prove", "ledger show", "ledger verify", "log export", "model history",
    "model list", "model register", "model show", "monitor history", "monitor report",
    "monitor baseline", "monitor export", "monitor run", "monitor status", "notify deliver",
    "notify list", "portfolio",
    "portfolio import", "portfolio report", "portfolio trends", "rollback", "token create",
    "token list", "token revoke",
    "user add", "user deactivate", "user grant", "user key", "user list", "user reactivate", "version add", "version list",
    "version show",
    "waiver grant", "waiver list", "waiver request", "whoami",
}  # fmt: skip
#: Arguments that get each refused command past its own checks to the refusal.
SAMPLE = {
    "serve": (),
    "db status": (),
    "db upgrade": (),
    "ledger rotate-writer-key": ("--old-key", "{keys}/old.key", "--new-key", "{keys}/new.key"),
    "login-link": ("anna",),
}


def documented_refusals() -> list[str]:
    """The commands docs/server.md lists as refused in remote mode (without `signoff`)."""
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- refused-in-remote-mode: start -->")[1]
    block = block.split("<!-- refused-in-remote-mode: end -->")[0]
    return re.findall(r"^- `signoff ([^`]+)`", block, flags=re.MULTILINE)


def command_tree() -> set[str]:
    """Every command the CLI has, as typed after `signoff` (a group with its own
    callback, like `portfolio`, counts as a command too)."""
    import typer

    from signoff.cli import app

    found: set[str] = set()

    def walk(command: object, path: list[str]) -> None:
        subs = getattr(command, "commands", None)
        if not subs:
            found.add(" ".join(path))
            return
        if path and getattr(command, "invoke_without_command", False):
            found.add(" ".join(path))
        for name, sub in subs.items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_every_command_is_wired_offline_or_a_documented_refusal():
    refused = documented_refusals()
    assert len(refused) == len(set(refused)), "a command is listed twice"
    whole = {r for r in refused if " --" not in r}  # `inventory export --format xlsx`: an option
    tree = command_tree()
    assert set() == WIRED & OFFLINE
    assert whole & (WIRED | OFFLINE) == set()
    assert tree - WIRED - OFFLINE - whole == set(), "a command nobody decided about"
    assert (WIRED | OFFLINE | whole) - tree == set(), "a command that no longer exists"
    assert set(SAMPLE) == set(refused)  # each listed refusal is tried below
    for option_level in set(refused) - whole:
        assert option_level.split(" --")[0] in WIRED


pytest.importorskip("fastapi", reason="the server extra is not installed")


def test_each_documented_refusal_is_refused_by_name(database_url: str, cli, tmp_path: Path):
    import signoff
    from remote_cli import live_server, login_through_browser
    from server_helpers import populate
    from signoff.ledger import generate_key
    from test_remote_mode import _env

    artifacts = tmp_path / "artifacts"
    api = signoff.connect(database_url, artifacts=artifacts)
    populate(api, tmp_path)
    keys = tmp_path / "keys"
    keys.mkdir()
    for name in ("old", "new"):
        private, public = generate_key(name)
        (keys / f"{name}.key").write_text(private + "\n")
        (keys / f"{name}.pub").write_text(public + "\n")
    (tmp_path / "monitor.yaml").write_text("model: fraud@1.0\n")
    try:
        with live_server(database_url, artifacts) as url:
            login_through_browser(url, api, "admin", tmp_path / "admin")
            env = _env(url, tmp_path / "admin")
            for command in documented_refusals():
                words = command.split()
                args = [a.format(keys=keys, tmp=tmp_path) for a in SAMPLE[command]]
                refused = cli(*words, *args, env=env)
                assert refused.exit_code == 2, (command, refused.output)
                assert "is not available in remote mode yet" in refused.stderr, command
                assert f"`signoff {command}`" in refused.stderr, (command, refused.stderr)
    finally:
        api.close()
    assert not (tmp_path / "admin" / "no-database").exists()  # nothing opened here
    assert not (tmp_path / "exec.html").exists()
