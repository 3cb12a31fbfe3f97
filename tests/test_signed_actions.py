"""Governance ``signatures: required``: every human action carries its actor's signature,
checked when it is written and again by ``ledger verify`` — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import signoff
from conftest import write_governance
from signoff.errors import LedgerVerificationError, WorkflowRefused
from signoff.ledger import append_event, generate_key

PEOPLE = ("admin", "admin2", "alice", "anna")


@pytest.fixture
def signed(api: Any, database_url: str, tmp_path: Path, clock: Any) -> Iterator[dict[str, Any]]:
    keys = {name: generate_key(name) for name in PEOPLE}
    r = api.registry
    r.add_user("admin", "admin@example.org", ["admin"], actor=None, public_key=keys["admin"][1])
    r.add_user("admin2", "a2@example.org", ["admin"], actor="admin", public_key=keys["admin2"][1])
    r.add_user(
        "alice", "alice@example.org", ["requester"], actor="admin", public_key=keys["alice"][1]
    )
    r.add_user("anna", "anna@example.org", ["approver"], actor="admin", public_key=keys["anna"][1])
    path = write_governance(tmp_path, lambda g: g.update(signatures="required"))
    proposed = api.workflow.propose_governance(path, actor="admin")
    api.workflow.decide_governance(f"G-{proposed.number}", actor="admin2", approve=True)

    opened: list[Any] = []

    def as_signer(name: str | None) -> Any:
        key = keys[name][0] if name else None
        connected = signoff.connect(
            database_url, artifacts=tmp_path / "artifacts", clock=clock, signing_key=key
        )
        opened.append(connected)
        return connected

    yield {"keys": keys, "as": as_signer, "api": api}
    for connected in opened:
        connected.close()


def _register(api: Any, name: str = "fraud") -> Any:
    return api.registry.register_model(
        name, owner="alice", team="risk", use_case="fraud", risk_tier="high", actor="alice"
    )


def test_an_unsigned_action_is_refused(signed: dict[str, Any]) -> None:
    with pytest.raises(WorkflowRefused, match="requires every action to be signed: alice acts"):
        _register(signed["as"](None))
    assert signed["api"].registry.list_models() == []


def test_an_action_signed_with_someone_elses_key_is_refused(signed: dict[str, Any]) -> None:
    with pytest.raises(
        WorkflowRefused, match="the signing key given is not the one alice registered"
    ):
        _register(signed["as"]("anna"))


def test_signed_actions_commit_and_verify(signed: dict[str, Any]) -> None:
    alice = signed["as"]("alice")
    _register(alice)
    assert [m.name for m in alice.registry.list_models()] == ["fraud"]
    signed["api"].ledger.verify()


def test_an_unsigned_event_written_behind_the_core_fails_verify(signed: dict[str, Any]) -> None:
    api = signed["api"]
    _register(signed["as"]("alice"))
    with api.store.transaction(write=True) as session:  # an insider with database access
        append_event(
            session,
            actor="alice",
            action="team.created",
            subject="team:shadow",
            payload={"name": "shadow"},
            at=dt.datetime(2026, 1, 6, tzinfo=dt.UTC),
        )
    with pytest.raises(LedgerVerificationError) as caught:
        api.ledger.verify()
    assert caught.value.exit_code == 5
    assert re.search(
        r"alice's team\.created carries no signature, but governance G-\d+ requires",
        caught.value.message,
    )


def test_the_command_line_signs_with_signoff_key(
    signed: dict[str, Any], cli: Any, database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the command line is exercised on SQLite; the core on both")
    key = tmp_path / "alice.key"
    key.write_text(signed["keys"]["alice"][0])
    env = {
        "SIGNOFF_DATABASE_URL": database_url,
        "SIGNOFF_ARTIFACT_ROOT": str(tmp_path / "artifacts"),
        "SIGNOFF_USER": "alice",
    }
    argv = (
        "model",
        "register",
        "offers",
        "--owner",
        "alice",
        "--team",
        "mkt",
        "--use-case",
        "offers",
        "--risk-tier",
        "low",
    )
    refused = cli(*argv, env=env)
    assert refused.exit_code == 4
    assert "requires every action to be signed" in refused.stderr
    done = cli(*argv, env={**env, "SIGNOFF_KEY": str(key)})
    assert done.exit_code == 0, done.output
    assert cli("ledger", "verify", env=env).exit_code == 0
