"""The three workflow scenarios, once through the command line and once through the Python
API: the same ledger actions and the same outbox events, in the same order.

Each step is written twice — the command a person types and the call a script makes — so
both faces are exercised for real; the core owns every side effect (overdue reviews,
notifications), so the two runs must leave the same trail.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import signoff
from conftest import NO_POLICY_REASON, write_governance
from signoff.errors import WorkflowRefused
from signoff.notify import list_notifications
from signoff.registry import VersionRef

PEOPLE = {
    "alice": "requester",
    "dave": "data_reviewer",
    "rita": "risk_reviewer",
    "oscar": "ops_reviewer",
    "anna": "approver",
    "olga": "operator",
    "carl": "on_call",
}
SIGNERS = (
    ("dave", "data_reviewer"),
    ("rita", "risk_reviewer"),
    ("oscar", "ops_reviewer"),
    ("anna", "approver"),
)


@dataclass(frozen=True)
class Step:
    """One action: as typed (``argv``, acting as ``user``) and as called (``call``)."""

    user: str
    argv: tuple[str, ...]
    call: Callable[[Any], Any]
    refused: bool = False  # a step the workflow must refuse (exit 4 / WorkflowRefused)


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/hook"


def _setup(folder: Path, adjust: Callable[[dict], None]) -> list[Step]:
    path = write_governance(folder, adjust)
    steps = [
        Step(
            "admin",
            ("user", "add", "admin", "--email", "admin@example.org", "--role", "admin"),
            lambda a: a.registry.add_user("admin", "admin@example.org", ["admin"], actor=None),
        )
    ]
    for name, role in PEOPLE.items():
        steps.append(
            Step(
                "admin",
                ("user", "add", name, "--email", f"{name}@example.org", "--role", role),
                lambda a, n=name, r=role: a.registry.add_user(
                    n, f"{n}@example.org", [r], actor="admin"
                ),
            )
        )
    steps.append(
        Step(
            "admin",
            ("governance", "apply", str(path)),
            lambda a: a.workflow.propose_governance(path, actor="admin"),
        )
    )
    steps.append(
        Step(
            "alice",
            (
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
            ),
            lambda a: a.registry.register_model(
                "fraud",
                owner="alice",
                team="risk",
                use_case="card fraud",
                risk_tier="high",
                actor="alice",
            ),
        )
    )
    return steps


def _version(version: str, model_file: Path) -> Step:
    ref = VersionRef("fraud", version)
    return Step(
        "alice",
        ("version", "add", str(ref), "--framework", "sklearn", "--file", str(model_file)),
        lambda a: a.registry.add_version(
            ref, framework="sklearn", model_file=model_file, actor="alice"
        ),
    )


def _audit(version: str, config: Path, out: Path) -> Step:
    ref = VersionRef("fraud", version)
    return Step(
        "alice",
        ("audit", str(config), "-o", str(out), "--register", str(ref)),
        lambda a: a.registry.attach_audit(ref, signoff.audit(config), actor="alice"),
    )


def _artifacts(version: str, folder: Path) -> list[Step]:
    ref, steps = VersionRef("fraud", version), []
    for kind in ("model_card", "validation_report", "rollback_plan"):
        file = folder / f"{kind}.md"
        file.write_text(f"# {kind}\n")
        steps.append(
            Step(
                "alice",
                ("artifact", "add", str(ref), str(file), "--kind", kind),
                lambda a, k=kind, f=file: a.registry.add_artifact(
                    ref, k, f.read_bytes(), filename=f.name, actor="alice"
                ),
            )
        )
    return steps


def _open(version: str, summary: str) -> Step:
    ref = VersionRef("fraud", version)
    return Step(
        "alice",
        ("cr", "open", str(ref), "--to", "production", "--summary", summary),
        lambda a: a.workflow.open_cr(ref, to_stage="production", summary=summary, actor="alice"),
    )


def _submit(cr: str, *, refused: bool = False) -> Step:
    return Step(
        "alice", ("cr", "submit", cr), lambda a: a.workflow.submit(cr, actor="alice"), refused
    )


def _sign(
    cr: str, signers: tuple[tuple[str, str], ...] = SIGNERS, decision: str = "approve"
) -> list[Step]:
    return [
        Step(
            user,
            (
                "cr",
                "sign",
                cr,
                "--role",
                role,
                "--decision",
                decision,
                "--comment",
                f"{role}: read it all",
            ),
            lambda a, u=user, r=role: a.workflow.sign(
                cr, actor=u, role=r, decision=decision, comment=f"{r}: read it all"
            ),
        )
        for user, role in signers
    ]


def _deploy(cr: str) -> Step:
    return Step("olga", ("cr", "deploy", cr), lambda a: a.workflow.deploy(cr, actor="olga"))


def scenario_high_risk_with_a_waiver(
    folder: Path, audited: dict[str, Path], demo: Path
) -> list[Step]:
    policy = folder / "fraud.yaml"
    policy.write_text(
        "policy_name: Fraud production\nversion: '1'\ngates:\n"
        "  - {name: Discrimination, id: auc, metric: roc_auc, threshold: 0.7, comparison: greater_equal, severity: error}\n"
        "  - {name: Small groups, id: groups, metric: min_group_size, threshold: 30, comparison: greater_equal, severity: warning}\n"
    )
    url = _closed_port_url()

    def adjust(g: dict) -> None:
        g["stages"]["production"]["policy"] = str(policy)
        g["webhooks"] = [{"url": url}]

    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).date()
    ref = VersionRef("fraud", "1.0")
    return [
        *_setup(folder, adjust),
        _version("1.0", audited["good.skops"]),
        _audit("1.0", demo / "audit.yaml", folder / "a1"),
        *_artifacts("1.0", folder),
        _open("1.0", "first fraud model"),
        _submit("CR-1", refused=True),  # the warning gate needs a waiver
        Step(
            "alice",
            (
                "waiver",
                "request",
                "fraud@1.0",
                "--gate",
                "groups",
                "--reason",
                "pilot",
                "--until",
                until.isoformat(),
            ),
            lambda a: a.workflow.request_waiver(
                ref,
                gate="groups",
                reason="pilot",
                until=dt.datetime.combine(until, dt.time(23, 59, 59), tzinfo=dt.UTC),
                actor="alice",
            ),
        ),
        Step(
            "rita",
            ("waiver", "grant", "W-1"),
            lambda a: a.workflow.grant_waiver("W-1", actor="rita"),
        ),
        _submit("CR-1"),
        *_sign("CR-1"),
        _deploy("CR-1"),
    ]


def scenario_a_failing_version_is_blocked(
    folder: Path, audited: dict[str, Path], demo: Path
) -> list[Step]:
    url = _closed_port_url()

    def adjust(g: dict) -> None:
        g["webhooks"] = [{"url": url}]

    bad = folder / "project"
    bad.mkdir()
    for item in demo.iterdir():
        target = bad / item.name
        if item.is_dir():
            import shutil

            shutil.copytree(item, target)
        else:
            target.write_bytes(item.read_bytes())
    (bad / "model.skops").write_bytes(audited["bad.skops"].read_bytes())
    return [
        *_setup(folder, adjust),
        _version("2.0", bad / "model.skops"),
        _audit("2.0", bad / "audit.yaml", folder / "a2"),
        *_artifacts("2.0", folder),
        _open("2.0", "retrained"),
        _submit("CR-1", refused=True),  # fails the production policy's error gate
        *[Step(s.user, s.argv, s.call, refused=True) for s in _sign("CR-1", SIGNERS[3:], "reject")],
        Step(
            "alice",
            ("cr", "withdraw", "CR-1", "--reason", "failed the gate"),
            lambda a: a.workflow.withdraw("CR-1", actor="alice", reason="failed the gate"),
        ),
    ]


def scenario_emergency_rollback_then_review(
    folder: Path, audited: dict[str, Path], demo: Path
) -> list[Step]:
    url = _closed_port_url()

    def adjust(g: dict) -> None:
        g["stages"]["production"].update(policy="none", reason=NO_POLICY_REASON, artifacts=[])
        g["emergency"]["review_due_hours"] = 0
        g["webhooks"] = [{"url": url}]

    ref = VersionRef("fraud", "1.0")
    steps = _setup(folder, adjust)
    for n, version in enumerate(("1.0", "2.0"), start=1):
        steps += [
            _version(version, audited["good.skops"]),
            _open(version, f"ship {version}"),
            _submit(f"CR-{n}"),
            *_sign(f"CR-{n}"),
            _deploy(f"CR-{n}"),
        ]
    return [
        *steps,
        Step(
            "alice",
            ("emergency", "open", "fraud@1.0", "--incident", "INC-9", "--reason", "false declines"),
            lambda a: a.workflow.open_emergency(
                ref, to_stage="production", incident="INC-9", reason="false declines", actor="alice"
            ),
        ),
        *_sign("CR-3", (("carl", "on_call"),)),
        _deploy("CR-3"),
        Step(
            "alice",
            (
                "emergency",
                "review",
                "CR-3",
                "--findings",
                "a threshold pushed unreviewed",
                "--actions",
                "thresholds go through change requests",
            ),
            lambda a: a.workflow.review_emergency(
                "CR-3",
                findings="a threshold pushed unreviewed",
                actions="thresholds go through change requests",
                actor="alice",
            ),
            refused=True,
        ),  # not its requester
        Step(
            "rita",
            (
                "emergency",
                "review",
                "CR-3",
                "--findings",
                "a threshold pushed unreviewed",
                "--actions",
                "thresholds go through change requests",
            ),
            lambda a: a.workflow.review_emergency(
                "CR-3",
                findings="a threshold pushed unreviewed",
                actions="thresholds go through change requests",
                actor="rita",
            ),
        ),
    ]


SCENARIOS = {
    "high risk with a waiver": scenario_high_risk_with_a_waiver,
    "a failing version is blocked": scenario_a_failing_version_is_blocked,
    "emergency rollback then review": scenario_emergency_rollback_then_review,
}


def _trail(url: str, artifacts: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    api = signoff.connect(url, artifacts=artifacts)
    with api.store.transaction() as session:
        from signoff.ledger import iter_events

        actions = [(e.action, e.subject) for e in iter_events(session)]
    outbox = [(n.event, n.subject) for n in list_notifications(api.store)]
    api.ledger.verify()
    api.close()
    return actions, outbox


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_cli_and_the_python_api_leave_the_same_trail(
    name: str, cli: Any, audited: dict[str, Path], demo: Path, tmp_path: Path
) -> None:
    trails = []
    for face in ("cli", "api"):
        home = tmp_path / face
        home.mkdir()
        steps = SCENARIOS[name](home, audited, demo)
        url = f"sqlite:///{home / 'signoff.db'}"
        if face == "cli":
            env = {"SIGNOFF_HOME": str(home), "SIGNOFF_DATABASE_URL": ""}
            for step in steps:
                done = cli(*step.argv, env={**env, "SIGNOFF_USER": step.user})
                expected = 4 if step.refused else 0
                assert done.exit_code == expected, (step.argv, done.output)
        else:
            api = signoff.connect(url, artifacts=home / "artifacts")
            for step in steps:
                if step.refused:
                    with pytest.raises(WorkflowRefused):
                        step.call(api)
                else:
                    step.call(api)
            api.close()
        trails.append(_trail(url, home / "artifacts"))
    (cli_actions, cli_outbox), (api_actions, api_outbox) = trails
    assert cli_actions == api_actions
    assert cli_outbox == api_outbox
    assert len(cli_actions) > 20  # a real trail, not two empty ones
    if name != "a failing version is blocked":  # that one is refused before any announcement
        assert cli_outbox, "the scenario announced nothing"
