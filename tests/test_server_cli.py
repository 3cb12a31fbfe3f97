"""``signoff token`` and ``signoff login-link`` through the command line; ``serve``'s
settings errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import signoff


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "SIGNOFF_HOME": str(tmp_path / "home"),
        "SIGNOFF_USER": "ada",
        "SIGNOFF_DATABASE_URL": "",
    }


def _events(tmp_path: Path, action: str) -> list:
    from signoff.ledger import iter_events

    url = f"sqlite:///{tmp_path / 'home' / 'signoff.db'}"
    with signoff.connect(url, create=False) as api, api.store.transaction() as session:
        return [e for e in iter_events(session) if e.action == action]


def test_token_create_list_revoke(cli, env, tmp_path: Path):
    assert (
        cli(
            "user", "add", "ada", "--email", "ada@example.org", "--role", "requester", env=env
        ).exit_code
        == 0
    )
    assert (
        cli(
            "user", "add", "bob", "--email", "bob@example.org", "--role", "auditor", env=env
        ).exit_code
        == 0
    )
    made = cli("token", "create", "bob", "--scope", "read", "--expires", "30d", "--json", env=env)
    assert made.exit_code == 0, made.output
    data = json.loads(made.stdout)
    assert data["id"].startswith("tok-")
    assert data["scope"] == "read"
    assert data["user"] == "bob"
    event = _events(tmp_path, "token.created")[-1]
    assert event.payload["secret_sha256"] == hashlib.sha256(data["secret"].encode()).hexdigest()
    plain = cli("token", "create", "ada", "--scope", "write", env=env)
    assert plain.exit_code == 0
    assert plain.stdout.strip().splitlines()[-1].startswith("tok-")  # the id last
    listed = cli("token", "list", "--json", env=env)
    assert data["secret"] not in listed.stdout
    assert sorted(t["user"] for t in json.loads(listed.stdout)) == ["ada", "bob"]
    refused = cli("token", "create", "bob", "--scope", "write", env=env)
    assert refused.exit_code == 4
    assert "bob holds only read-only roles (auditor)" in refused.stderr
    bad = cli("token", "create", "bob", "--expires", "forever", env=env)
    assert bad.exit_code == 2
    assert "--expires: expected a duration like 90d" in bad.stderr
    revoked = cli("token", "revoke", data["id"], env=env)
    assert revoked.exit_code == 0
    again = cli("token", "revoke", data["id"], env=env)
    assert again.exit_code == 4
    assert "already revoked" in again.stderr


def test_login_link(cli, env, tmp_path: Path):
    assert (
        cli(
            "user", "add", "ada", "--email", "ada@example.org", "--role", "requester", env=env
        ).exit_code
        == 0
    )
    made = cli("login-link", "ada", "--url", "http://127.0.0.1:9999", env=env)
    assert made.exit_code == 0, made.output
    url = urlsplit(made.stdout.strip().splitlines()[-1])
    assert (url.netloc, url.path) == ("127.0.0.1:9999", "/login/link")
    secret = parse_qs(url.query)["token"][0]
    event = _events(tmp_path, "login_link.created")[-1]
    assert event.payload["secret_sha256"] == hashlib.sha256(secret.encode()).hexdigest()


def test_serve_refuses_settings_that_cannot_work(cli, env):
    several = cli("serve", "--workers", "2", env={**env, "SIGNOFF_SECRET_KEY": ""})
    assert several.exit_code == 2
    assert "SIGNOFF_SECRET_KEY must be set" in several.stderr
    short = cli("serve", env={**env, "SIGNOFF_SECRET_KEY": "short"})
    assert short.exit_code == 2
    assert "at least 32 characters, got 5" in short.stderr
    half = cli("serve", env={**env, "SIGNOFF_OIDC_ISSUER": "https://idp.example.org"})
    assert half.exit_code == 2
    assert "set: SIGNOFF_OIDC_ISSUER" in half.stderr
    longer = cli("serve", env={**env, "SIGNOFF_FRESH_LOGIN": "16m"})
    assert longer.exit_code == 2
    assert "SIGNOFF_FRESH_LOGIN may only shorten" in " ".join(longer.stderr.split())
    garbled = cli("serve", env={**env, "SIGNOFF_FRESH_LOGIN": "soon"})
    assert garbled.exit_code == 2
    assert "SIGNOFF_FRESH_LOGIN" in garbled.stderr


def test_serve_runs_as_a_long_lived_process(cli, env, monkeypatch):
    """The console script marks its process short-lived (bulk reads kept until it ends, the
    collector seldom while importing); `serve` keeps running, so it undoes that before the
    server starts: a kept read per request would be a leak."""
    import gc

    import uvicorn

    import signoff._gc
    from signoff.cli._app import long_lived_process, short_lived_process

    default, seen = gc.get_threshold(), {}

    def run(*args: object, **kwargs: object) -> None:
        signoff._gc.keep_until_exit(object())
        seen.update(kept=len(signoff._gc._kept), threshold=gc.get_threshold())

    monkeypatch.setattr(uvicorn, "run", run)
    short_lived_process()  # as `signoff` (the console script) starts
    try:
        served = cli("serve", env=env)
    finally:
        long_lived_process()
    assert served.exit_code == 0, served.output
    assert seen == {"kept": 0, "threshold": default}


def test_a_shorter_fresh_login_window(monkeypatch):
    import datetime as dt

    from signoff.server import Settings

    assert Settings.from_env().fresh_login == dt.timedelta(minutes=15)
    monkeypatch.setenv("SIGNOFF_FRESH_LOGIN", "90s")
    assert Settings.from_env().fresh_login == dt.timedelta(seconds=90)
    monkeypatch.setenv("SIGNOFF_FRESH_LOGIN", "15m")
    assert Settings.from_env().fresh_login == dt.timedelta(minutes=15)


def test_serve_names_a_bad_writer_key_and_checkpoint_settings(cli, env, tmp_path: Path):
    from signoff.ledger import generate_key

    missing = cli("serve", env={**env, "SIGNOFF_WRITER_KEY": str(tmp_path / "none.key")})
    assert missing.exit_code == 2
    assert "none.key" in missing.stderr
    _, public = generate_key("signoff-writer")
    (tmp_path / "writer.pub").write_text(public + "\n")
    given_public = cli("serve", env={**env, "SIGNOFF_WRITER_KEY": str(tmp_path / "writer.pub")})
    assert given_public.exit_code == 2
    assert "writer.pub" in given_public.stderr
    assert "not a private key" in " ".join(given_public.stderr.split())
    no_key = cli("serve", env={**env, "SIGNOFF_CHECKPOINT_FILE": str(tmp_path / "cp.txt")})
    assert no_key.exit_code == 2
    assert "publishing checkpoints needs a signing key" in " ".join(no_key.stderr.split())


def test_serve_says_what_it_does_with_the_ledger(tmp_path: Path, monkeypatch):
    from signoff.cli._server import describe
    from signoff.ledger import generate_key
    from signoff.server import Settings

    assert describe(Settings.from_env())[0].startswith("ledger: events are not signed")
    private, _ = generate_key("acme-writer")
    (tmp_path / "w.key").write_text(private + "\n")
    monkeypatch.setenv("SIGNOFF_WRITER_KEY", str(tmp_path / "w.key"))
    monkeypatch.setenv("SIGNOFF_CHECKPOINT_FILE", str(tmp_path / "cp.txt"))
    monkeypatch.setenv("SIGNOFF_CHECKPOINT_INTERVAL", "10m")
    lines = describe(Settings.from_env())
    assert lines == [
        "ledger: every event signed by the writer key acme-writer",
        f"checkpoints: signed by acme-writer every 600 s to {tmp_path / 'cp.txt'}",
    ]
    assert private not in "\n".join(lines)
