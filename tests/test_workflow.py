"""The approval workflow on SQLite and PostgreSQL: states, sign-offs, separation of duties,
racing deploys and rollback — every step ledgered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import without_policies, write_governance
from signoff.errors import WorkflowRefused
from signoff.ledger import iter_events, verify_ledger
from signoff.registry import Registry, VersionRef
from signoff.workflow import Workflow

PEOPLE = {
    "alice": "requester",
    "dave": "data_reviewer",
    "rita": "risk_reviewer",
    "oscar": "ops_reviewer",
    "anna": "approver",
    "olga": "operator",
}


@pytest.fixture
def flow(api, tmp_path: Path) -> Workflow:
    """The workflow under a governance whose stages judge no audit (``policy: none`` with a
    reason): these tests are of the approval machinery; audits have their own tests."""
    registry: Registry = api.registry
    registry.add_user("admin", "admin@example.org", ["admin"], actor=None)
    api.workflow.propose_governance(write_governance(tmp_path, without_policies), actor="admin")
    for name, role in PEOPLE.items():
        registry.add_user(name, f"{name}@example.org", [role], actor="admin")
    registry.grant_role("dave", "risk_reviewer", actor="admin")  # dave holds two roles
    registry.register_model(
        "fraud", owner="alice", team="risk", use_case="card fraud", risk_tier="high", actor="alice"
    )
    return api.workflow


def _ready(flow: Workflow, version: str) -> VersionRef:
    ref = VersionRef("fraud", version)
    flow_registry = flow.registry
    flow_registry.add_version(ref, framework="sklearn", actor="alice")
    for kind in ("model_card", "validation_report", "rollback_plan"):
        flow_registry.add_artifact(
            ref, kind, f"{kind} of {version}".encode(), filename=f"{kind}.md", actor="alice"
        )
    return ref


def _approve_all(flow: Workflow, cr: str) -> None:
    for user, role in (
        ("dave", "data_reviewer"),
        ("rita", "risk_reviewer"),
        ("oscar", "ops_reviewer"),
        ("anna", "approver"),
    ):
        flow.sign(
            cr,
            actor=user,
            role=role,
            decision="approve",
            comment=f"{role} checked the evidence pack for {cr}",
        )


def test_high_risk_change_to_production(flow: Workflow):
    registry = flow.registry
    ref = VersionRef("fraud", "1.0")
    registry.add_version(ref, framework="sklearn", actor="alice")
    cr = flow.open_cr(ref, to_stage="production", summary="first fraud model", actor="alice")
    assert (cr.id, cr.state, cr.risk_level) == ("CR-1", "draft", "high")
    assert [r.role for r in cr.required] == [
        "data_reviewer",
        "risk_reviewer",
        "ops_reviewer",
        "approver",
    ]
    with pytest.raises(
        WorkflowRefused,
        match=re.escape("CR-1 cannot move on; missing: no model_card attached to fraud@1.0"),
    ):
        flow.submit("CR-1", actor="alice")
    for kind in ("model_card", "validation_report", "rollback_plan"):
        registry.add_artifact(ref, kind, kind.encode(), filename=f"{kind}.md", actor="alice")
    assert flow.submit("CR-1", actor="alice").state == "submitted"

    with pytest.raises(WorkflowRefused, match=re.escape("alice does not hold the role approver")):
        flow.sign(
            "CR-1",
            actor="alice",
            role="approver",
            decision="approve",
            comment="I checked it all myself, honestly",
        )
    with pytest.raises(WorkflowRefused, match=re.escape("a sign-off needs a comment")):
        flow.sign("CR-1", actor="anna", role="approver", decision="approve", comment="LGTM")
    flow.sign(
        "CR-1",
        actor="dave",
        role="data_reviewer",
        decision="approve",
        comment="data sheet and lineage checked",
    )
    with pytest.raises(
        WorkflowRefused,
        match=re.escape(
            "dave already acted on CR-1 as data_reviewer; one person cannot fill two required roles"
        ),
    ):
        flow.sign(
            "CR-1",
            actor="dave",
            role="risk_reviewer",
            decision="approve",
            comment="risk also looks fine to me",
        )
    with pytest.raises(WorkflowRefused, match=re.escape("CR-1 does not need a operator sign-off")):
        flow.sign(
            "CR-1",
            actor="olga",
            role="operator",
            decision="approve",
            comment="ready to deploy on my side",
        )
    for user, role in (("rita", "risk_reviewer"), ("oscar", "ops_reviewer")):
        assert (
            flow.sign(
                "CR-1",
                actor=user,
                role=role,
                decision="approve",
                comment=f"{role}: evidence reviewed",
            ).state
            == "in_review"
        )
    assert flow.get_cr("CR-1").outstanding() == [{"role": "approver", "needed": 1, "have": 0}]
    approved = flow.sign(
        "CR-1",
        actor="anna",
        role="approver",
        decision="approve",
        comment="final approval after review",
    )
    assert approved.state == "approved"
    assert approved.signoffs[0].evidence["model_card_sha256"] is not None

    with pytest.raises(WorkflowRefused, match=re.escape("anna does not hold the operator role")):
        flow.deploy("CR-1", actor="anna")
    assert flow.deploy("CR-1", actor="olga").state == "deployed"
    assert registry.get_version(ref).stage == "production"
    with pytest.raises(
        WorkflowRefused,
        match=re.escape("CR-1 is deployed; from deployed it can go to: rolled_back"),
    ):
        flow.withdraw("CR-1", actor="alice", reason="too late")

    verify_ledger(flow.store)
    with flow.store.transaction() as session:
        actions = [e.action for e in iter_events(session, subject_prefix="CR-1")]
    # every refusal is evidence: the blocked submit and the rubber stamp included
    assert actions.count("cr.refused") == 7
    assert [a for a in actions if a != "cr.refused"][:2] == ["cr.opened", "cr.submitted"]
    assert actions[-2:] == ["cr.deployed", "cr.refused"]  # the late withdraw, refused


def test_requester_cannot_sign_and_deployer_cannot_have_approved(
    flow: Workflow, registry: Registry
):
    registry.grant_role("anna", "operator", actor="admin")
    ref = _ready(flow, "1.0")
    flow.open_cr(ref, to_stage="production", summary="s", actor="rita")
    flow.submit("CR-1", actor="rita")
    with pytest.raises(WorkflowRefused, match=re.escape("rita opened CR-1 and cannot sign it")):
        flow.sign(
            "CR-1",
            actor="rita",
            role="risk_reviewer",
            decision="approve",
            comment="my own change looks fine",
        )
    registry.grant_role("alice", "risk_reviewer", actor="admin")
    flow.sign(
        "CR-1",
        actor="alice",
        role="risk_reviewer",
        decision="approve",
        comment="reviewed the risk evidence",
    )
    for user, role in (("dave", "data_reviewer"), ("oscar", "ops_reviewer"), ("anna", "approver")):
        flow.sign(
            "CR-1", actor=user, role=role, decision="approve", comment=f"{role}: evidence reviewed"
        )
    with pytest.raises(
        WorkflowRefused, match=re.escape("anna approved CR-1 and cannot also deploy it")
    ):
        flow.deploy("CR-1", actor="anna")


def test_rejection_and_changes_requested(flow: Workflow):
    ref = _ready(flow, "1.0")
    flow.open_cr(ref, to_stage="production", summary="s", actor="alice")
    flow.submit("CR-1", actor="alice")
    back = flow.sign(
        "CR-1",
        actor="rita",
        role="risk_reviewer",
        decision="changes",
        comment="needs a calibration fix first",
    )
    assert back.state == "draft"
    flow.submit("CR-1", actor="alice")
    rejected = flow.sign(
        "CR-1",
        actor="anna",
        role="approver",
        decision="reject",
        comment="error gate failed on fairness",
    )
    assert rejected.state == "rejected"
    with pytest.raises(WorkflowRefused, match=re.escape("CR-1 is rejected; that is final")):
        flow.submit("CR-1", actor="alice")
    with pytest.raises(WorkflowRefused, match=re.escape("CR-1 is rejected; that is final")):
        flow.deploy("CR-1", actor="olga")


def test_racing_deploys_exactly_one_wins(flow: Workflow):
    for version in ("2.0", "3.0"):
        ref = _ready(flow, version)
        flow.open_cr(ref, to_stage="production", summary=f"candidate {version}", actor="alice")
    for cr in ("CR-1", "CR-2"):
        flow.submit(cr, actor="alice")
        _approve_all(flow, cr)
    assert flow.deploy("CR-2", actor="olga").state == "deployed"
    with pytest.raises(
        WorkflowRefused,
        match=re.escape(
            "production changed since CR-1 was opened (it held nothing, now fraud@3.0)"
        ),
    ):
        flow.deploy("CR-1", actor="olga")
    assert flow.get_cr("CR-1").state == "approved"


def test_rollback_returns_to_the_last_approved_version(flow: Workflow, registry: Registry, clock):
    for n, version in enumerate(("1.0", "2.0"), start=1):
        ref = _ready(flow, version)
        flow.open_cr(ref, to_stage="production", summary=f"ship {version}", actor="alice")
        flow.submit(f"CR-{n}", actor="alice")
        _approve_all(flow, f"CR-{n}")
        clock.advance(hours=1)
        flow.deploy(f"CR-{n}", actor="olga")
    assert registry.get_version(VersionRef("fraud", "2.0")).stage == "production"
    assert registry.get_version(VersionRef("fraud", "1.0")).stage == "archived"
    with pytest.raises(
        WorkflowRefused,
        match=re.escape(
            "anna holds neither the operator nor the monitor role and cannot roll back"
        ),
    ):
        flow.rollback("fraud", actor="anna", reason="incident INC-7")
    done = flow.rollback("fraud", actor="olga", reason="incident INC-7: false positives")
    assert (str(done), done.changed, done.rolled_back_from) == ("fraud@1.0", True, "fraud@2.0")
    assert registry.get_version(VersionRef("fraud", "1.0")).stage == "production"
    assert registry.get_version(VersionRef("fraud", "2.0")).stage == "archived"
    assert flow.get_cr("CR-2").state == "rolled_back"
    history = [(h.version, h.to_stage) for h in registry.history("fraud")]
    assert history[-2:] == [("2.0", "archived"), ("1.0", "production")]
    _ready(flow, "9.0")
    with pytest.raises(
        WorkflowRefused, match=re.escape("fraud@9.0 was never approved for production")
    ):
        flow.rollback("fraud", actor="olga", reason="x", to_version="9.0")
    verify_ledger(flow.store)


def test_a_stage_policy_blocks_until_the_audit_passes(
    flow: Workflow, registry: Registry, demo: Path, tmp_path: Path
):
    import signoff

    def adjust(settings: dict) -> None:
        settings["stages"]["staging"] = {"policy": str(demo / "policy.yaml"), "artifacts": []}

    flow.propose_governance(write_governance(tmp_path, adjust), actor="admin")
    ref = VersionRef("fraud", "1.0")
    registry.add_version(ref, framework="sklearn", model_file=demo / "model.skops", actor="alice")
    flow.open_cr(ref, to_stage="staging", summary="to staging", actor="alice")
    with pytest.raises(WorkflowRefused, match=re.escape("no audit of fraud@1.0 is attached")):
        flow.submit("CR-1", actor="alice")
    out = tmp_path / "audit"
    signoff.audit(demo / "audit.yaml").write(out)  # no policy: the registry judges it
    registry.attach_audit(ref, out, actor="alice")
    with pytest.raises(
        WorkflowRefused,
        match=re.escape("fails the staging policy 'Organization Credit Model Baseline' v1.0: ")
        + ".*'Demographic Parity'",
    ):
        flow.submit("CR-1", actor="alice")


def test_waivers_unblock_warning_gates_until_they_expire(
    flow: Workflow, registry: Registry, demo: Path, tmp_path: Path, clock
):
    import datetime as dt

    import signoff

    policy = demo / "lenient.yaml"
    policy.write_text(
        yaml.safe_dump(
            {
                "policy_name": "Lenient",
                "version": "1",
                "gates": [
                    {
                        "name": "Small groups",
                        "metric": "min_group_size",
                        "threshold": 30,
                        "comparison": "greater_equal",
                        "severity": "warning",
                    }
                ],
            }
        )
    )

    def adjust(settings: dict) -> None:
        settings["stages"]["staging"] = {"policy": str(policy), "artifacts": []}

    flow.propose_governance(write_governance(tmp_path, adjust), actor="admin")
    waiving = flow
    ref = VersionRef("fraud", "1.0")
    registry.add_version(ref, framework="sklearn", model_file=demo / "model.skops", actor="alice")
    signoff.audit(demo / "audit.yaml", policy=policy).write(tmp_path / "audit")
    registry.attach_audit(ref, tmp_path / "audit", actor="alice")
    waiving.open_cr(ref, to_stage="staging", summary="to staging", actor="alice")
    with pytest.raises(
        WorkflowRefused,
        match=re.escape(
            "warning gate 'Small groups' failed on the latest audit and has no waiver in force"
        ),
    ):
        waiving.submit("CR-1", actor="alice")

    with pytest.raises(WorkflowRefused, match="a waiver may last at most 90 days"):
        waiving.request_waiver(
            ref,
            gate="Small groups",
            reason="pilot",
            until=clock() + dt.timedelta(days=200),
            actor="alice",
        )
    waiver = waiving.request_waiver(
        ref,
        gate="Small groups",
        reason="pilot on 300 rows; more data in Q2",
        until=clock() + dt.timedelta(days=30),
        actor="alice",
    )
    assert (waiver.id, waiver.state) == ("W-1", "requested")
    with pytest.raises(WorkflowRefused, match="oscar cannot grant waivers"):
        waiving.grant_waiver("W-1", actor="oscar")
    registry.grant_role("alice", "risk_reviewer", actor="admin")
    with pytest.raises(WorkflowRefused, match="alice requested W-1 and cannot grant it"):
        waiving.grant_waiver("W-1", actor="alice")
    assert waiving.grant_waiver("W-1", actor="rita").state == "granted"
    assert waiving.submit("CR-1", actor="alice").state == "submitted"

    clock.advance(days=31)
    assert waiving.list_waivers(ref)[0].state == "expired"
    assert any("no waiver in force" in m for m in waiving.get_cr("CR-1").missing)


def test_emergency_change_then_overdue_review_then_closed(
    flow: Workflow, registry: Registry, clock
):
    registry.add_user("carl", "carl@example.org", ["on_call"], actor="admin")
    ref = _ready(flow, "1.0")
    flow.open_cr(ref, to_stage="production", summary="ship 1.0", actor="alice")
    flow.submit("CR-1", actor="alice")
    _approve_all(flow, "CR-1")
    flow.deploy("CR-1", actor="olga")

    hotfix = VersionRef("fraud", "1.0.1")
    registry.add_version(
        hotfix, framework="sklearn", parent="1.0", actor="alice"
    )  # no artifacts: break-glass
    cr = flow.open_emergency(
        hotfix,
        to_stage="production",
        incident="INC-123",
        reason="false declines spiking",
        actor="alice",
    )
    assert (cr.id, cr.state, cr.risk_level) == ("CR-2", "submitted", "emergency")
    assert cr.missing == ()
    assert [r.role for r in cr.required] == ["on_call"]
    registry.grant_role("alice", "on_call", actor="admin")
    with pytest.raises(WorkflowRefused, match="alice opened CR-2 and cannot sign it"):
        flow.sign(
            "CR-2",
            actor="alice",
            role="on_call",
            decision="approve",
            comment="hotfix verified on canary traffic",
        )
    assert (
        flow.sign(
            "CR-2",
            actor="carl",
            role="on_call",
            decision="approve",
            comment="hotfix verified on canary traffic",
        ).state
        == "approved"
    )
    flow.deploy("CR-2", actor="olga")
    assert registry.get_version(hotfix).stage == "production"

    clock.advance(hours=47)
    assert flow.list_crs(overdue=True) == []
    clock.advance(hours=2)
    [late] = flow.list_crs(overdue=True)
    assert (late.id, late.overdue) == ("CR-2", True)
    assert flow.flag_overdue_reviews() == ["CR-2"]
    assert flow.flag_overdue_reviews() == []  # recorded once
    with flow.store.transaction() as session:
        [flag] = [
            e
            for e in iter_events(session, subject_prefix="CR-2")
            if e.action == "emergency.review_overdue"
        ]
    assert flag.actor == "signoff"
    closed = flow.review_emergency(
        "CR-2",
        findings="threshold config pushed without review",
        actions="config now goes through a change request",
        actor="rita",
    )
    assert closed.review is not None
    assert not closed.overdue
    assert flow.list_crs(overdue=True) == []
    with pytest.raises(WorkflowRefused, match="CR-2 already has its post-incident review"):
        flow.review_emergency(
            "CR-2",
            findings="again and again and again",
            actions="nothing new to add here",
            actor="rita",
        )
    verify_ledger(flow.store)


def test_an_expired_emergency_change_cannot_be_deployed(flow: Workflow, registry: Registry, clock):
    registry.add_user("carl", "carl@example.org", ["on_call"], actor="admin")
    ref = VersionRef("fraud", "1.0")
    registry.add_version(ref, framework="sklearn", actor="alice")
    flow.open_emergency(
        ref, to_stage="production", incident="INC-9", reason="outage", actor="alice"
    )
    flow.sign(
        "CR-1",
        actor="carl",
        role="on_call",
        decision="approve",
        comment="checked the fix on the canary",
    )
    clock.advance(hours=73)
    with pytest.raises(WorkflowRefused, match="emergency change CR-1 expired at"):
        flow.deploy("CR-1", actor="olga")
    [expired] = flow.list_crs(overdue=True)
    assert (expired.id, expired.expired, expired.overdue) == ("CR-1", True, True)


def test_a_risk_reviewer_can_override_the_rating_with_a_justification(
    flow: Workflow, registry: Registry
):
    registry.register_model(
        "offers",
        owner="alice",
        team="mkt",
        use_case="marketing offers",
        risk_tier="low",
        actor="alice",
    )
    ref = VersionRef("offers", "1.0")
    registry.add_version(ref, framework="sklearn", actor="alice")
    opened = flow.open_cr(ref, to_stage="staging", summary="first offers model", actor="alice")
    assert opened.risk_level == "medium"
    with pytest.raises(WorkflowRefused, match="anna does not hold the role risk_reviewer"):
        flow.override_risk(
            "CR-1", level="high", justification="customer-facing pricing impact", actor="anna"
        )
    raised = flow.override_risk(
        "CR-1", level="high", justification="customer-facing pricing impact", actor="rita"
    )
    assert raised.risk_level == "high"
    assert raised.risk["computed"]["level"] == "medium"
    assert raised.risk["override"] == {
        "by": "rita",
        "justification": "customer-facing pricing impact",
    }
    assert len(raised.required) == 4


def test_signed_signoffs_are_checked_by_ledger_verify(flow: Workflow, registry: Registry):
    from sqlalchemy import text as sql

    from signoff.errors import LedgerVerificationError
    from signoff.ledger import generate_key
    from signoff.ledger._log import event_bytes, leaf_hash

    private, public = generate_key("anna")
    other_private, _ = generate_key("mallory")
    registry.set_public_key("anna", public, actor="admin")  # a first key: another admin
    ref = _ready(flow, "1.0")
    flow.open_cr(ref, to_stage="production", summary="s", actor="alice")
    flow.submit("CR-1", actor="alice")
    comment = "final approval after reading the report"
    with pytest.raises(WorkflowRefused, match="anna registered a signing key: sign with --key"):
        flow.sign("CR-1", actor="anna", role="approver", decision="approve", comment=comment)
    with pytest.raises(WorkflowRefused, match="the key given is not the one anna registered"):
        flow.sign(
            "CR-1",
            actor="anna",
            role="approver",
            decision="approve",
            comment=comment,
            private_key=other_private,
        )
    with pytest.raises(WorkflowRefused, match="rita has no registered public key"):
        flow.sign(
            "CR-1",
            actor="rita",
            role="risk_reviewer",
            decision="approve",
            comment=comment,
            private_key=private,
        )
    signed = flow.sign(
        "CR-1",
        actor="anna",
        role="approver",
        decision="approve",
        comment=comment,
        private_key=private,
    )
    assert signed.signoffs[-1].user == "anna"
    assert verify_ledger(flow.store).size > 0

    # an attacker rewrites anna's decision and recomputes the hash: the signature no longer fits
    with flow.store.engine.begin() as conn:
        seq, ts, actor, action, subject, payload = conn.execute(
            sql(
                "SELECT seq, ts, actor, action, subject, payload FROM ledger_events WHERE action = 'cr.signed'"
            )
        ).one()
        forged = payload.replace('"decision":"approve"', '"decision":"reject"')
        digest = leaf_hash(event_bytes(seq, ts, actor, action, subject, forged)).hex()
        if flow.store.dialect == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS ledger_events_no_update")
        else:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.execute(
            sql("UPDATE ledger_events SET payload = :p, leaf_hash = :h WHERE seq = :s"),
            {"p": forged, "h": digest, "s": seq},
        )
    with pytest.raises(
        LedgerVerificationError,
        match=f"seq {seq}: the signature on anna's sign-off does not verify",
    ):
        verify_ledger(flow.store)


def test_an_automatic_stage_promotes_once_every_check_passes(flow: Workflow, registry: Registry):
    ref = VersionRef("fraud", "1.0")
    registry.add_version(ref, framework="sklearn", actor="alice")
    flow.open_cr(ref, to_stage="staging", summary="to staging", actor="alice")
    with pytest.raises(WorkflowRefused, match="no model_card attached"):
        flow.submit("CR-1", actor="alice")  # automatic does not mean unchecked
    registry.add_artifact(ref, "model_card", b"# card", filename="card.md", actor="alice")
    promoted = flow.submit("CR-1", actor="alice")
    assert promoted.state == "deployed"
    assert promoted.signoffs == ()
    assert registry.get_version(ref).stage == "staging"


def test_what_was_in_production_on_a_date_and_who_approved_it(
    flow: Workflow, registry: Registry, clock
):
    import datetime as dt

    start = clock()
    for n, version in enumerate(("1.0", "2.0"), start=1):
        ref = _ready(flow, version)
        flow.open_cr(ref, to_stage="production", summary=f"ship {version}", actor="alice")
        flow.submit(f"CR-{n}", actor="alice")
        _approve_all(flow, f"CR-{n}")
        clock.advance(days=10)
        flow.deploy(f"CR-{n}", actor="olga")
    clock.advance(days=10)
    flow.rollback("fraud", actor="olga", reason="INC-5")
    assert flow.holder_at("fraud", start) is None
    first = flow.holder_at("fraud", start + dt.timedelta(days=15))
    assert first is not None
    assert (first["version"], first["change_request"], first["moved_by"]) == ("1.0", "CR-1", "olga")
    assert {a["role"] for a in first["approved_by"]} == {
        "data_reviewer",
        "risk_reviewer",
        "ops_reviewer",
        "approver",
    }
    second = flow.holder_at("fraud", start + dt.timedelta(days=25))
    assert (second or {})["version"] == "2.0"
    after_rollback = flow.holder_at("fraud", clock())
    assert after_rollback is not None
    assert (after_rollback["version"], after_rollback["change_request"]) == ("1.0", "CR-1")


def test_two_deploys_at_the_same_moment_exactly_one_wins(flow: Workflow, database_url: str):
    import threading

    import signoff

    for version in ("2.0", "3.0"):
        ref = _ready(flow, version)
        flow.open_cr(ref, to_stage="production", summary=f"candidate {version}", actor="alice")
    for cr in ("CR-1", "CR-2"):
        flow.submit(cr, actor="alice")
        _approve_all(flow, cr)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def deploy(cr: str) -> None:
        racer = signoff.connect(database_url, artifacts=flow.artifacts, clock=flow.clock)
        barrier.wait()
        try:
            racer.workflow.deploy(cr, actor="olga")
            outcomes[cr] = "deployed"
        except WorkflowRefused as refusal:
            outcomes[cr] = refusal.message
        finally:
            racer.close()

    threads = [threading.Thread(target=deploy, args=(cr,)) for cr in ("CR-1", "CR-2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(o == "deployed" for o in outcomes.values()) == [False, True]
    [loser] = [o for o in outcomes.values() if o != "deployed"]
    assert loser.startswith("production changed since")
    verify_ledger(flow.store)
