"""Giving a deactivated person access again (`signoff user reactivate`), on SQLite and
PostgreSQL: one ledgered event that only lifts the mark — the roles, tokens, CLI sessions
and login links deactivation revoked stay revoked and are granted again through the
normal paths — refused to a non-admin, for an unknown or active person and for oneself;
`ledger verify` replays it. And `user list` shows who was deactivated, at 80 columns too.
Local and remote CLI alike."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import text

pytest.importorskip("fastapi", reason="the server extra is not installed")

from conftest import without_policies, write_governance
from server_helpers import LOCAL, bearer, cli_login, csrf, login, populate, settings
from signoff.errors import ConfigError, LedgerVerificationError, NotFound, WorkflowRefused
from signoff.ledger import verify_ledger
from signoff.registry import VersionRef

GONE = "left the company on 2026-01-31"
BACK = "rehired on 2026-03-01 (ticket HR-42)"


@pytest.fixture
def app(api, tmp_path: Path):
    from signoff.server import create_app

    populate(api, tmp_path)
    return create_app(api, settings())


def _events(api, subject: str) -> list[tuple[str, str, dict]]:
    query = "SELECT actor, action, payload FROM ledger_events WHERE subject = :s ORDER BY seq"
    with api.store.engine.connect() as conn:
        rows = conn.execute(text(query), {"s": subject})
        return [(actor, action, json.loads(payload)) for actor, action, payload in rows]


def _stored_deactivated_at(api, name: str):
    query = "SELECT deactivated_at FROM users WHERE name = :n"
    with api.store.engine.connect() as conn:
        return conn.execute(text(query), {"n": name}).scalar_one()


def test_reactivating_lifts_the_mark_and_gives_nothing_back(app, api, tmp_path: Path):
    from fastapi.testclient import TestClient

    token = TestClient(app, headers=bearer(api, "anna", "write"))
    cli = cli_login(app, api, "anna")
    _, unspent = api.registry.tokens.create_login_link("anna", actor="anna")
    api.registry.deactivate_user("anna", actor="admin", reason=GONE)
    assert _stored_deactivated_at(api, "anna") is not None
    admin = login(app, api, "admin")
    done = admin.post(
        "/api/users/anna/reactivate",
        json={"reason": BACK},
        headers={"X-CSRF-Token": csrf(admin)},
    )
    assert done.status_code == 200, done.text
    shown = done.json()
    assert (shown["id"], shown["roles"], shown["deactivated_at"]) == ("anna", [], None)
    assert _stored_deactivated_at(api, "anna") is None
    actor, action, payload = _events(api, "user:anna")[-1]
    assert (actor, action, payload) == (
        "admin",
        "user.reactivated",
        {"name": "anna", "reason": BACK},
    )
    # nothing deactivation revoked comes back: the old token, CLI session and link stay dead
    for client in (token, cli):
        assert client.get("/api/me").status_code == 401
    link = TestClient(app, client=LOCAL).post("/login/link", data={"token": unspent})
    assert link.status_code == 401
    assert all(
        t.revoked_at is not None for t in api.registry.tokens.list_tokens("anna", sessions=True)
    )
    # she may sign in again, but holds no role until one is granted the normal way
    browser = login(app, api, "anna")
    assert browser.get("/api/me").json()["user"] == "anna"
    with pytest.raises(WorkflowRefused, match="anna holds no role"):
        api.workflow.open_cr(
            VersionRef("fraud", "1.0"), to_stage="staging", summary="x", actor="anna"
        )
    api.workflow.grant_role("anna", "approver", actor="admin")
    assert api.registry.get_user("anna").roles == ("approver",)
    verify_ledger(api.store)


def test_their_provider_groups_give_roles_again_once_reactivated(app, api, tmp_path: Path):
    def mapped(settings: dict) -> None:
        without_policies(settings)
        settings["identity"] = {"groups": {"data-reviewers": ["data_reviewer"]}}

    api.workflow.propose_governance(write_governance(tmp_path / "g2", mapped), actor="admin")
    api.registry.deactivate_user("dave", actor="admin", reason=GONE)
    with pytest.raises(WorkflowRefused):
        api.workflow.sync_roles("dave", ["data-reviewers"], issuer="https://idp", subject="d1")
    api.registry.reactivate_user("dave", actor="admin", reason=BACK)
    synced = api.workflow.sync_roles("dave", ["data-reviewers"], issuer="https://idp", subject="d1")
    assert synced.granted == ("data_reviewer",)
    assert api.registry.get_user("dave").roles == ("data_reviewer",)
    verify_ledger(api.store)


def test_ledger_verify_replays_the_reactivation(app, api):
    api.registry.deactivate_user("dave", actor="admin", reason=GONE)
    api.registry.reactivate_user("dave", actor="admin", reason=BACK)
    verify_ledger(api.store)
    stamp = dt.datetime(2026, 1, 31, tzinfo=dt.UTC)
    with api.store.engine.begin() as conn:  # a row edited behind the ledger's back
        conn.execute(text("UPDATE users SET deactivated_at = :t WHERE name = 'dave'"), {"t": stamp})
    with pytest.raises(LedgerVerificationError, match="users"):
        verify_ledger(api.store)


def test_who_may_reactivate(app, api):
    api.registry.add_user("ada", "ada@example.org", ["admin"], actor="admin")
    api.registry.deactivate_user("dave", actor="admin", reason=GONE)
    with pytest.raises(
        WorkflowRefused,
        match=r"alice cannot give access back: only an admin can \(admins: ada, admin\)",
    ):
        api.registry.reactivate_user("dave", actor="alice", reason=BACK)
    with pytest.raises(NotFound, match="nobody"):
        api.registry.reactivate_user("nobody", actor="admin", reason=BACK)
    with pytest.raises(WorkflowRefused, match="anna's access was not removed"):
        api.registry.reactivate_user("anna", actor="admin", reason=BACK)
    with pytest.raises(WorkflowRefused, match="admin cannot reactivate themselves"):
        api.registry.reactivate_user("admin", actor="admin", reason=BACK)
    with pytest.raises(ConfigError, match="--reason"):
        api.registry.reactivate_user("dave", actor="admin", reason="oops")
    # a deactivated admin cannot act at all, so not on themselves either
    api.registry.deactivate_user("ada", actor="admin", reason=GONE)
    with pytest.raises(WorkflowRefused, match=r"ada's access was removed on .* can no longer act"):
        api.registry.reactivate_user("ada", actor="ada", reason=BACK)
    assert _events(api, "user:dave")[-1][1] == "user.deactivated"  # no refusal wrote anything
    assert api.registry.get_user("ada").deactivated_at is not None
    api.registry.reactivate_user("dave", actor="admin", reason=BACK)
    api.registry.deactivate_user("dave", actor="admin", reason=GONE)  # and again: a fresh cycle
    assert [a for _, a, _ in _events(api, "user:dave")][-3:] == [
        "user.deactivated",
        "user.reactivated",
        "user.deactivated",
    ]
    verify_ledger(api.store)


def _table_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("│")]


def test_the_cli_reactivates_and_lists_locally_and_remotely(app, api, cli, tmp_path: Path):
    from remote_cli import live_app, serve

    local = {
        "SIGNOFF_DATABASE_URL": api.store.engine.url.render_as_string(hide_password=False),
        "SIGNOFF_HOME": str(tmp_path / "home"),
        "COLUMNS": "120",
    }
    api.registry.deactivate_user("dave", actor="admin", reason=GONE)
    api.registry.deactivate_user("oscar", actor="admin", reason=GONE)
    day = api.registry.get_user("dave").deactivated_at.date().isoformat()
    wide = cli("user", "list", env=local)
    assert wide.exit_code == 0, wide.output
    rows = {line.split("│")[1].strip(): line for line in _table_lines(wide.stdout)}
    assert [c.strip() for c in rows["dave"].split("│")[1:-1]] == [
        "dave",
        "dave@example.org",
        "—",
        f"deactivated {day}",
    ]
    assert rows["anna"].split("│")[-2].strip() == "active"
    narrow = cli("user", "list", env={**local, "COLUMNS": "80"})
    lines = narrow.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    at = next(i for i, line in enumerate(lines) if line.startswith("│ dave "))
    assert lines[at + 1].split("│")[1].strip() == f"deactivated {day}"  # under the name
    assert "active" not in narrow.stdout  # no status column at 80 columns
    assert "alice@example.org" in narrow.stdout  # addresses whole
    here = cli("user", "reactivate", "dave", "--reason", BACK, "--as", "admin", env=local)
    assert here.exit_code == 0, here.output
    lines = here.stdout.splitlines()
    assert lines[-1] == "dave"
    assert "reactivated dave; no role, token or session comes back" in " ".join(lines[:-1])
    again = cli("user", "reactivate", "dave", "--reason", BACK, "--as", "admin", env=local)
    assert again.exit_code == 4
    assert "dave's access was not removed" in again.stderr
    listed = json.loads(cli("user", "list", "--json", env=local).stdout)
    assert {u["name"]: u["deactivated_at"] for u in listed}["dave"] is None
    with live_app(serve(api)) as url:
        token = bearer(api, "admin", "write")["Authorization"].removeprefix("Bearer ")
        remote = {
            "SIGNOFF_URL": url,
            "SIGNOFF_TOKEN": token,
            "SIGNOFF_HOME": str(tmp_path / "no-database"),
            "SIGNOFF_DATABASE_URL": "",
            "SIGNOFF_USER": "",
            "COLUMNS": "120",
        }
        for columns in ("120", "80"):
            there = cli("user", "list", env={**remote, "COLUMNS": columns})
            here = cli("user", "list", env={**local, "COLUMNS": columns})
            assert there.exit_code == here.exit_code == 0, there.output
            assert there.stdout == here.stdout
        there = cli("user", "reactivate", "oscar", "--reason", BACK, "--json", env=remote)
        assert there.exit_code == 0, there.output
        shown = json.loads(there.stdout)
        assert (shown["id"], shown["roles"], shown["deactivated_at"]) == ("oscar", [], None)
        refused = cli("user", "reactivate", "admin", "--reason", BACK, env=remote)
        assert refused.exit_code == 4
        assert "admin cannot reactivate themselves" in refused.stderr
    assert not (tmp_path / "no-database").exists()
    assert api.registry.get_user("oscar").deactivated_at is None
    verify_ledger(api.store)
