"""End-to-end scenario through the CLI: a new high-risk model to production with a waived
warning gate, then a second version blocked by a failed error gate; the ledger verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import skops.io
import yaml

from conftest import write_governance

ROLES = {
    "admin": "admin",
    "alice": "requester",
    "dave": "data_reviewer",
    "rita": "risk_reviewer",
    "oscar": "ops_reviewer",
    "anna": "approver",
    "olga": "operator",
}


def _degrade(demo: Path) -> None:
    """A second model trained on shuffled labels: it cannot rank (ROC AUC near 0.5)."""
    model = skops.io.load(
        demo / "model.skops", trusted=skops.io.get_untrusted_types(file=demo / "model.skops")
    )
    train = pd.read_csv(demo / "data" / "train.csv")
    features = list(model.feature_names_in_)
    shuffled = train["credit_risk"].sample(frac=1.0, random_state=0).to_numpy()
    model.fit(train[features], shuffled)
    skops.io.dump(model, demo / "model.skops")


def _start(cli, tmp_path: Path, adjust, people: dict[str, str]):
    """A registry under a governance config changed by ``adjust``, its users, and the
    fraud model; returns ``run(user, *args)``."""
    governance = write_governance(tmp_path, adjust)
    env = {"SIGNOFF_HOME": str(tmp_path / "home"), "SIGNOFF_DATABASE_URL": ""}

    def run(user: str, *args: str):
        return cli(*args, env={**env, "SIGNOFF_USER": user})

    for name, role in people.items():
        added = run("admin", "user", "add", name, "--email", f"{name}@example.org", "--role", role)
        assert added.exit_code == 0, added.output
    applied = run("admin", "governance", "apply", str(governance))  # the rules are registry state
    assert applied.exit_code == 0, applied.output
    registered = run(
        "alice",
        "model",
        "register",
        "fraud",
        "--owner",
        "alice",
        "--team",
        "risk",
        "--use-case",
        "card fraud",
        "--risk-tier",
        "high",
    )
    assert registered.exit_code == 0, registered.output
    return run


def test_fraud_model_to_production_then_a_blocked_second_version(cli, demo: Path, tmp_path: Path):
    policy = tmp_path / "production.yaml"
    policy.write_text(
        yaml.safe_dump(
            {
                "policy_name": "Fraud production",
                "version": "1",
                "gates": [
                    {
                        "name": "Discrimination",
                        "metric": "roc_auc",
                        "threshold": 0.7,
                        "comparison": "greater_equal",
                        "severity": "error",
                    },
                    {
                        "name": "Small groups",
                        "metric": "min_group_size",
                        "threshold": 30,
                        "comparison": "greater_equal",
                        "severity": "warning",
                    },
                ],
            }
        )
    )
    # named relative to the governance file (beside it), as `governance apply` sends it
    # to a server too
    run = _start(
        cli, tmp_path, lambda g: g["stages"]["production"].update(policy=policy.name), ROLES
    )

    # version 1.0: audited against the production policy, a warning gate fails
    assert (
        run(
            "alice",
            "version",
            "add",
            "fraud@1.0",
            "--framework",
            "sklearn",
            "--file",
            str(demo / "model.skops"),
        ).exit_code
        == 0
    )
    audited = run(
        "alice",
        "audit",
        str(demo / "audit.yaml"),
        "-o",
        str(tmp_path / "a1"),
        "--policy",
        str(policy),
        "--register",
        "fraud@1.0",
    )
    assert audited.exit_code == 0  # warnings alone pass
    for kind in ("model_card", "validation_report", "rollback_plan"):
        (tmp_path / f"{kind}.md").write_text(f"# {kind}\n")
        assert (
            run(
                "alice",
                "artifact",
                "add",
                "fraud@1.0",
                str(tmp_path / f"{kind}.md"),
                "--kind",
                kind,
            ).exit_code
            == 0
        )
    assert (
        run(
            "alice",
            "cr",
            "open",
            "fraud@1.0",
            "--to",
            "production",
            "--summary",
            "first fraud model",
        )
        .stdout.strip()
        .endswith("CR-1")
    )
    blocked = run("alice", "cr", "submit", "CR-1")
    assert blocked.exit_code == 4
    assert (
        "warning gate 'Small groups' failed on the latest audit and has no waiver in force"
        in blocked.stderr
    )
    waiver = run(
        "alice",
        "waiver",
        "request",
        "fraud@1.0",
        "--gate",
        "Small groups",
        "--reason",
        "pilot; more data next quarter",
        "--until",
        "2099-01-01",
    )
    assert waiver.exit_code == 4  # longer than the 90 days allowed
    future = (pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=30)).date().isoformat()
    waiver = run(
        "alice",
        "waiver",
        "request",
        "fraud@1.0",
        "--gate",
        "Small groups",
        "--reason",
        "pilot; more data next quarter",
        "--until",
        future,
    )
    assert waiver.stdout.strip().splitlines()[-1] == "W-1"
    assert run("rita", "waiver", "grant", "W-1").exit_code == 0
    assert run("alice", "cr", "submit", "CR-1").exit_code == 0
    shown = json.loads(run("anna", "cr", "show", "CR-1", "--json").stdout)
    assert shown["risk_level"] == "high"
    for user, role in (
        ("dave", "data_reviewer"),
        ("rita", "risk_reviewer"),
        ("oscar", "ops_reviewer"),
        ("anna", "approver"),
    ):
        signed = run(
            user,
            "cr",
            "sign",
            "CR-1",
            "--role",
            role,
            "--decision",
            "approve",
            "--comment",
            f"{role}: reviewed report and waiver W-1",
        )
        assert signed.exit_code == 0, signed.output
    assert run("olga", "cr", "deploy", "CR-1").exit_code == 0
    assert (
        json.loads(run("anna", "version", "show", "fraud@1.0", "--json").stdout)["version"]["stage"]
        == "production"
    )

    # version 2.0: a model that cannot rank fails the error gate and is blocked
    _degrade(demo)
    assert (
        run(
            "alice",
            "version",
            "add",
            "fraud@2.0",
            "--framework",
            "sklearn",
            "--file",
            str(demo / "model.skops"),
            "--parent",
            "1.0",
        ).exit_code
        == 0
    )
    failed = run(
        "alice",
        "audit",
        str(demo / "audit.yaml"),
        "-o",
        str(tmp_path / "a2"),
        "--policy",
        str(policy),
        "--register",
        "fraud@2.0",
    )
    assert failed.exit_code == 1
    for kind in ("model_card", "validation_report", "rollback_plan"):
        run("alice", "artifact", "add", "fraud@2.0", str(tmp_path / f"{kind}.md"), "--kind", kind)
    run("alice", "cr", "open", "fraud@2.0", "--to", "production", "--summary", "retrained")
    refused = run("alice", "cr", "submit", "CR-2")
    assert refused.exit_code == 4
    assert "fails the production policy 'Fraud production' v1: 'Discrimination'" in refused.stderr
    rejected = run(
        "anna",
        "cr",
        "sign",
        "CR-2",
        "--role",
        "approver",
        "--decision",
        "reject",
        "--comment",
        "ROC AUC below the 0.7 floor",
    )
    assert (
        rejected.exit_code == 4
    )  # a draft cannot be signed: the failed gate keeps it out of review
    assert (
        run(
            "alice", "cr", "withdraw", "CR-2", "--reason", "failed the discrimination gate"
        ).exit_code
        == 0
    )

    verified = run("auditor", "ledger", "verify", "--json")
    assert verified.exit_code == 0, verified.output
    events = json.loads(run("auditor", "ledger", "show", "--json").stdout)
    actions = [e["action"] for e in events]
    for expected in (
        "waiver.granted",
        "cr.approved",
        "cr.deployed",
        "cr.refused",
        "cr.withdrawn",
        "audit.attached",
    ):
        assert expected in actions


def test_emergency_rollback_after_an_incident_then_an_overdue_review_is_closed(cli, tmp_path: Path):
    """Scenario 3. The governance here wants the review at once (review_due_hours: 0), so
    "overdue" is reached without waiting — the same code path as after 48 hours."""

    def adjust(settings: dict) -> None:
        settings["emergency"]["review_due_hours"] = 0
        settings["stages"]["production"]["artifacts"] = []
        settings["stages"]["production"]["policy"] = "none"  # this scenario is the emergency
        settings["stages"]["production"]["reason"] = "scenario 3 exercises the break-glass path"

    run = _start(cli, tmp_path, adjust, {**ROLES, "carl": "on_call"})
    for n, version in enumerate(("1.0", "2.0"), start=1):
        run("alice", "version", "add", f"fraud@{version}", "--framework", "sklearn")
        run(
            "alice",
            "cr",
            "open",
            f"fraud@{version}",
            "--to",
            "production",
            "--summary",
            f"ship {version}",
        )
        assert run("alice", "cr", "submit", f"CR-{n}").exit_code == 0
        for user, role in (
            ("dave", "data_reviewer"),
            ("rita", "risk_reviewer"),
            ("oscar", "ops_reviewer"),
            ("anna", "approver"),
        ):
            assert (
                run(
                    user,
                    "cr",
                    "sign",
                    f"CR-{n}",
                    "--role",
                    role,
                    "--decision",
                    "approve",
                    "--comment",
                    f"{role}: checked {version}",
                ).exit_code
                == 0
            )
        assert run("olga", "cr", "deploy", f"CR-{n}").exit_code == 0

    # incident on 2.0: break-glass back to 1.0, one on-call sign-off, deployed at once
    opened = run(
        "alice",
        "emergency",
        "open",
        "fraud@1.0",
        "--incident",
        "INC-77",
        "--reason",
        "2.0 declines good customers",
    )
    assert opened.exit_code == 0, opened.output
    emergency = opened.stdout.strip().splitlines()[-1]
    assert (
        run(
            "carl",
            "cr",
            "sign",
            emergency,
            "--role",
            "on_call",
            "--decision",
            "approve",
            "--comment",
            "1.0 behaved for a year; restore it",
        ).exit_code
        == 0
    )
    assert run("olga", "cr", "deploy", emergency).exit_code == 0
    assert (
        json.loads(run("anna", "version", "show", "fraud@1.0", "--json").stdout)["version"]["stage"]
        == "production"
    )

    overdue = json.loads(run("anna", "cr", "list", "--overdue", "--json").stdout)
    assert [c["id"] for c in overdue] == [emergency]
    assert "post-incident review overdue" in run("anna", "cr", "show", emergency).stdout
    closed = run(
        "rita",
        "emergency",
        "review",
        emergency,
        "--findings",
        "2.0 thresholds tuned on stale data",
        "--actions",
        "threshold changes now need a medium-risk CR",
    )
    assert closed.exit_code == 0, closed.output
    assert json.loads(run("anna", "cr", "list", "--overdue", "--json").stdout) == []
    assert run("auditor", "ledger", "verify").exit_code == 0
