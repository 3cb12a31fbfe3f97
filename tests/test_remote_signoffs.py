"""Sign-offs from the command line in remote mode, on SQLite and PostgreSQL, with the
server on the test's clock: the `cr.signed` event records the browser login behind
`signoff login` and the evidence hashes the CLI read (checked against the audit's own
results.json); 15 minutes after that browser login the server refuses, and the CLI says
how to renew it; a token, and `--as` someone else, never sign."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from remote_cli import live_app, login_through_browser, serve
from signoff.ledger import iter_events

SIGN = ("--decision", "approve", "--comment", "read the audit, gates and the model card")


def _remote(url: str, folder: Path) -> dict[str, str]:
    return {
        "SIGNOFF_URL": url,
        "SIGNOFF_CONFIG_DIR": str(folder),
        "SIGNOFF_HOME": str(folder / "no-database"),
        "SIGNOFF_DATABASE_URL": "",
        "SIGNOFF_USER": "",
        "SIGNOFF_TOKEN": "",
    }


def test_cli_signoffs_record_the_login_and_need_it_fresh(world, cli, tmp_path: Path):
    ref = world.version("1.0")
    cr = world.opened(ref)
    login_at = world.clock()
    with live_app(serve(world.api)) as url:
        folders = {}
        for user in ("dave", "rita", "anna"):
            folders[user] = tmp_path / user
            login_through_browser(url, world.api, user, folders[user])
        world.clock.advance(minutes=10)
        signed = cli(
            "cr", "sign", cr, "--role", "data_reviewer", *SIGN, "--json",
            env=_remote(url, folders["dave"]),
        )  # fmt: skip
        assert signed.exit_code == 0, signed.output
        assert [s["user"] for s in json.loads(signed.stdout)["signoffs"]] == ["dave"]

        with world.api.store.transaction() as session:
            event = [e for e in iter_events(session) if e.action == "cr.signed"][-1]
        assert event.actor == "dave"
        login = event.payload["login"]
        assert login["login_at"] == login_at.isoformat().replace("+00:00", "Z")
        assert login["identity_provider"] == "login-link"
        assert login["subject"] == "dave"
        results = (world.audited["good"] / "results.json").read_bytes()
        shown = login["shown_evidence"]
        assert shown["audit_results_sha256"] == hashlib.sha256(results).hexdigest()
        card = hashlib.sha256(b"model_card 1.0").hexdigest()
        assert shown["model_card_sha256"] == card

        # 16 minutes after the browser login: refused, exit 4, with the way out
        world.clock.advance(minutes=6)
        stale = cli(
            "cr", "sign", cr, "--role", "risk_reviewer", *SIGN,
            env=_remote(url, folders["rita"]),
        )  # fmt: skip
        assert stale.exit_code == 4
        assert "a sign-off needs a fresh login (at most 15 minutes old; yours is 16" in (
            stale.stderr
        )
        assert "then run `signoff login` again" in stale.stderr
        # a new browser login and `signoff login`: the sign-off goes through
        login_through_browser(url, world.api, "rita", folders["rita"])
        again = cli(
            "cr", "sign", cr, "--role", "risk_reviewer", *SIGN, env=_remote(url, folders["rita"])
        )
        assert again.exit_code == 0, again.output

        # anna may not act as olga, and a write token never signs
        other = cli(
            "cr", "sign", cr, "--role", "approver", *SIGN, "--as", "olga",
            env=_remote(url, folders["anna"]),
        )  # fmt: skip
        assert other.exit_code == 4
        _, secret = world.r.tokens.create_token(
            "anna", scope="write", expires=dt.timedelta(days=1), actor="anna"
        )
        token = cli(
            "cr", "sign", cr, "--role", "approver", *SIGN,
            env={**_remote(url, folders["anna"]), "SIGNOFF_TOKEN": secret},
        )  # fmt: skip
        assert token.exit_code == 4
        assert "a token cannot sign or approve" in token.stderr
        assert "signoff login" not in token.stderr
    signers = [(s.user, s.role) for s in world.w.get_cr(cr).signoffs]
    assert signers == [("dave", "data_reviewer"), ("rita", "risk_reviewer")]
