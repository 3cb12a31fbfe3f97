"""The workflow through the command line, ending with `signoff ledger verify` passing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import without_policies, write_governance

PEOPLE = {
    "admin": "admin",
    "alice": "requester",
    "rita": "risk_reviewer",
    "anna": "approver",
    "olga": "operator",
}


@pytest.fixture
def env(tmp_path: Path, cli) -> dict[str, str]:
    env = {
        "SIGNOFF_HOME": str(tmp_path / "home"),
        "SIGNOFF_USER": "admin",
        "SIGNOFF_DATABASE_URL": "",
    }
    for name, role in PEOPLE.items():
        assert (
            cli(
                "user", "add", name, "--email", f"{name}@example.org", "--role", role, env=env
            ).exit_code
            == 0
        )
    # these tests are of the approval machinery: the stages judge no audit (with a reason)
    governance = write_governance(tmp_path, without_policies)
    assert cli("governance", "apply", str(governance), env=env).exit_code == 0
    return env


def _as(cli, env, user: str, *args: str):
    return cli(*args, env={**env, "SIGNOFF_USER": user})


def _ship(cli, env, tmp_path: Path, version: str, schema: dict) -> str:
    assert (
        _as(
            cli,
            env,
            "alice",
            "version",
            "add",
            f"credit@{version}",
            "--framework",
            "sklearn",
            "--feature-schema",
            json.dumps(schema),
        ).exit_code
        == 0
    )
    for kind in ("model_card", "validation_report"):
        doc = tmp_path / f"{kind}-{version}.md"
        doc.write_text(f"{kind} for {version}\n")
        assert (
            _as(
                cli, env, "alice", "artifact", "add", f"credit@{version}", str(doc), "--kind", kind
            ).exit_code
            == 0
        )
    plan = tmp_path / f"rollback-{version}.md"
    plan.write_text("Roll back with `signoff rollback credit`.\n")
    opened = _as(
        cli,
        env,
        "alice",
        "cr",
        "open",
        f"credit@{version}",
        "--to",
        "production",
        "--summary",
        f"ship {version}",
        "--rollback-plan",
        "cr rollback to the previous version",
        "--artifact",
        f"rollback_plan={plan}",
    )
    assert opened.exit_code == 0, opened.output
    return opened.stdout.strip().splitlines()[-1]


def test_feature_schema_change_is_medium_risk_with_two_signoffs(cli, env, tmp_path: Path):
    _as(
        cli,
        env,
        "alice",
        "model",
        "register",
        "credit",
        "--owner",
        "alice",
        "--team",
        "risk",
        "--use-case",
        "marketing offers",
        "--risk-tier",
        "low",
    )
    first = _ship(cli, env, tmp_path, "1.0", {"income": "float", "age": "int"})
    assert first == "CR-1"
    shown = json.loads(_as(cli, env, "alice", "cr", "show", "CR-1", "--json").stdout)
    assert shown["risk_level"] == "medium"  # first version in production
    assert _as(cli, env, "alice", "cr", "submit", "CR-1").exit_code == 0
    waiting = json.loads(
        _as(cli, env, "rita", "cr", "list", "--waiting-for", "risk_reviewer", "--json").stdout
    )
    assert [c["id"] for c in waiting] == ["CR-1"]
    for user, role in (("rita", "risk_reviewer"), ("anna", "approver")):
        signed = _as(
            cli,
            env,
            user,
            "cr",
            "sign",
            "CR-1",
            "--role",
            role,
            "--decision",
            "approve",
            "--comment",
            f"{role}: evidence and lineage reviewed",
        )
        assert signed.exit_code == 0, signed.output
    assert _as(cli, env, "olga", "cr", "deploy", "CR-1").exit_code == 0
    import datetime as dt

    today = dt.datetime.now(dt.UTC).date().isoformat()
    holder = json.loads(
        _as(cli, env, "anna", "model", "history", "credit", "--at", today, "--json").stdout
    )
    assert (holder["version"], holder["change_request"]) == ("1.0", "CR-1")
    assert {a["user"] for a in holder["approved_by"]} == {"rita", "anna"}
    bad = _as(cli, env, "anna", "model", "history", "credit", "--at", "last tuesday")
    assert bad.exit_code == 2

    second = _ship(cli, env, tmp_path, "2.0", {"income": "float", "age": "int", "tenure": "int"})
    shown = json.loads(_as(cli, env, "alice", "cr", "show", second, "--json").stdout)
    assert shown["risk_level"] == "medium"
    assert any(
        r["code"] == "feature_added" and "tenure" in r["message"] for r in shown["risk"]["reasons"]
    )
    assert [r["role"] for r in shown["required"]] == ["risk_reviewer", "approver"]

    refused = _as(
        cli,
        env,
        "alice",
        "cr",
        "sign",
        second,
        "--role",
        "approver",
        "--decision",
        "approve",
        "--comment",
        "I like my own change a lot",
    )
    assert refused.exit_code == 4
    illegal = _as(cli, env, "olga", "cr", "deploy", second)
    assert illegal.exit_code == 4
    assert "CR-2 is draft; from draft it can go to: submitted, withdrawn" in illegal.stderr

    rolled = _as(
        cli, env, "olga", "rollback", "credit", "--reason", "INC-1: drift alarm", "--to", "1.0"
    )
    assert rolled.exit_code == 0  # a rollback to where production is changes nothing
    assert "production of credit already is credit@1.0; nothing changed" in rolled.stderr
    verified = cli("ledger", "verify", "--json", env=env)
    assert verified.exit_code == 0
    assert json.loads(verified.stdout)["size"] > 20


def test_a_cr_not_ready_lists_what_is_missing_one_per_line(cli, env, tmp_path: Path):
    """`cr submit` refused (exit 4): each missing piece on its own line under the refusal's
    first words, in the order the workflow lists them (the same in remote mode, where the
    server sends them as the problem's `items`)."""
    registered = _as(
        cli, env, "alice", "model", "register", "credit", "--owner", "alice", "--team", "risk",
        "--use-case", "marketing offers", "--risk-tier", "low",
    )  # fmt: skip
    assert registered.exit_code == 0, registered.output
    added = _as(cli, env, "alice", "version", "add", "credit@1.0", "--framework", "sklearn")
    assert added.exit_code == 0, added.output
    opened = _as(
        cli, env, "alice", "cr", "open", "credit@1.0", "--to", "production", "--summary", "s"
    )
    assert opened.exit_code == 0, opened.output
    refused = _as(cli, env, "alice", "cr", "submit", "CR-1")
    assert refused.exit_code == 4
    lines = refused.stderr.splitlines()
    assert lines[0] == "error: CR-1 cannot move on; missing:"
    assert lines[1:] == [
        "  - no model_card attached to credit@1.0",
        "  - no validation_report attached to credit@1.0",
        "  - no rollback_plan attached to credit@1.0",
    ]


def test_governance_show_and_lint(cli, env, tmp_path: Path):
    shown = json.loads(cli("governance", "show", "--json", env=env).stdout)
    assert [r["role"] for r in shown["approvals"]["high"]] == [
        "data_reviewer",
        "risk_reviewer",
        "ops_reviewer",
        "approver",
    ]
    bad = tmp_path / "governance.yaml"
    bad.write_text(
        "governance_name: x\nversion: '1'\nstages: {production: {artifacts: [poster]}}\napprovals: {low: [], medium: [], high: []}\n"
    )
    linted = cli("governance", "lint", str(bad), env=env)
    assert linted.exit_code == 2
    assert "unknown artifact kind(s) ['poster']" in linted.stderr


def test_emergency_through_the_cli(cli, env, tmp_path: Path):
    cli("user", "add", "carl", "--email", "carl@example.org", "--role", "on_call", env=env)
    _as(
        cli,
        env,
        "alice",
        "model",
        "register",
        "credit",
        "--owner",
        "alice",
        "--team",
        "risk",
        "--use-case",
        "offers",
        "--risk-tier",
        "low",
    )
    _as(cli, env, "alice", "version", "add", "credit@9.1", "--framework", "sklearn")
    opened = _as(
        cli,
        env,
        "alice",
        "emergency",
        "open",
        "credit@9.1",
        "--incident",
        "INC-42",
        "--reason",
        "outage",
    )
    assert opened.exit_code == 0, opened.output
    assert opened.stdout.strip().splitlines()[-1] == "CR-1"
    assert (
        _as(
            cli,
            env,
            "carl",
            "cr",
            "sign",
            "CR-1",
            "--role",
            "on_call",
            "--decision",
            "approve",
            "--comment",
            "fix checked on canary traffic",
        ).exit_code
        == 0
    )
    assert _as(cli, env, "olga", "cr", "deploy", "CR-1").exit_code == 0
    early = _as(
        cli,
        env,
        "rita",
        "emergency",
        "review",
        "CR-1",
        "--findings",
        "bad config push at 02:00",
        "--actions",
        "configs now need a CR too",
    )
    assert early.exit_code == 0, early.output
    shown = json.loads(_as(cli, env, "rita", "cr", "show", "CR-1", "--json").stdout)
    assert shown["review"]["reviewer"] == "rita"
    assert json.loads(_as(cli, env, "rita", "cr", "list", "--overdue", "--json").stdout) == []
