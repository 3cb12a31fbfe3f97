"""The attack table: every way an insider was found to bypass a control, and every refusal
rule of the registry and the workflow — each one refused (exit 4 / 2) or detected by
``ledger verify`` (exit 5), on SQLite and on PostgreSQL.

Each row builds its own registry (two admins, the people of a credit-model team, the
fraud model, a version that passes the production policy once its warning is waived) and
returns the attack as a zero-argument callable; the test runs it and checks the error's
class, exit code and message.  The races, with real concurrent processes, are in
``test_attack_races.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable
from typing import Any

import pytest
import yaml

import signoff
from governed import POLICY, SIGNERS, World
from signoff.errors import (
    AlreadyExists,
    ConfigError,
    DataError,
    LedgerVerificationError,
    SignoffError,
    WorkflowRefused,
)
from signoff.ledger import generate_key
from signoff.registry import VersionRef

Attack = Callable[[World], Callable[[], Any]]


# -- 1. the caller chooses the rules ---------------------------------------------------
def own_rules_need_a_second_admin(w: World) -> Callable[[], Any]:
    lax = w.governance(
        lambda g: g["separation_of_duties"].update(requester_cannot_sign=False), "lax"
    )
    proposed = w.w.propose_governance(lax, actor="admin")
    assert proposed.state == "proposed"  # not in force: two admins
    return lambda: w.w.decide_governance(f"G-{proposed.number}", actor="admin", approve=True)


def environment_governance_is_ignored(w: World) -> Callable[[], Any]:
    import os

    lax = w.governance(
        lambda g: g["stages"]["production"].update(policy="none", reason="x" * 20), "env"
    )
    os.environ["SIGNOFF_GOVERNANCE"] = str(lax)  # the old bypass: the rules from the caller
    ref = w.version("1.0", model="bad")
    cr = w.opened(ref, submit=False)
    return lambda: w.w.submit(cr, actor="alice")


def proposal_decided_twice(w: World) -> Callable[[], Any]:
    path = w.governance(lambda g: g["waivers"].update(max_days=30), "g2")
    proposed = w.w.propose_governance(path, actor="admin")
    w.w.decide_governance(f"G-{proposed.number}", actor="admin2", approve=True)
    return lambda: w.w.decide_governance(f"G-{proposed.number}", actor="admin2", approve=True)


def non_admin_proposes_rules(w: World) -> Callable[[], Any]:
    path = w.governance(lambda g: None, "g3")
    return lambda: w.w.propose_governance(path, actor="anna")


# -- 2. fail closed --------------------------------------------------------------------
def no_audit_cannot_submit(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0", audit=False, waive=False), submit=False)
    return lambda: w.w.submit(cr, actor="alice")


def failing_audit_cannot_submit(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0", model="bad", waive=False), submit=False)
    return lambda: w.w.submit(cr, actor="alice")


def stage_without_policy_is_not_ready(w: World) -> Callable[[], Any]:
    def adjust(g: dict) -> None:
        g["stages"]["production"].pop("policy", None)

    proposed = w.w.propose_governance(w.governance(adjust, "nopolicy"), actor="admin")
    w.w.decide_governance(f"G-{proposed.number}", actor="admin2", approve=True)
    cr = w.opened(w.version("1.0"), submit=False)
    return lambda: w.w.submit(cr, actor="alice")


# -- 4. deploy re-checks readiness -----------------------------------------------------
def deploy_after_a_failing_audit(w: World) -> Callable[[], Any]:
    cr = w.approved()
    w.r.attach_audit(VersionRef("fraud", "1.0"), w.audited["good"], actor="alice")  # new evidence
    return lambda: w.w.deploy(cr, actor="olga")


def deploy_after_the_waiver_expired(w: World) -> Callable[[], Any]:
    cr = w.approved()
    w.clock.advance(days=31)
    return lambda: w.w.deploy(cr, actor="olga")


def deploy_with_an_altered_artifact(w: World) -> Callable[[], Any]:
    cr = w.approved()
    card = next(a for a in w.r.list_artifacts(VersionRef("fraud", "1.0")) if a.kind == "model_card")
    w.r.artifacts.path(card.sha256).write_bytes(b"a different card")
    return lambda: w.w.deploy(cr, actor="olga")


# -- 6. gates by id ----------------------------------------------------------------------
def child_policy_reuses_a_gate_name(w: World) -> Callable[[], Any]:
    parent = w.tmp / "parent.yaml"
    parent.write_text(yaml.safe_dump(POLICY))
    child = w.tmp / "child.yaml"
    gate = {**POLICY["gates"][0], "id": "auc-lenient", "threshold": 0.1}
    child.write_text(
        yaml.safe_dump(
            {"policy_name": "child", "version": "1", "extends": "parent.yaml", "gates": [gate]}
        )
    )
    return lambda: signoff.policy.load_policy(child)


# -- 7. evidence bound to what it claims -------------------------------------------------
def audit_of_no_model(w: World) -> Callable[[], Any]:
    ref = w.version("1.0", audit=False, waive=False, artifacts=False)
    folder = w.tmp / "nomodel"
    shutil.copytree(w.audited["good"], folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["inputs"]["model"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return lambda: w.r.attach_audit(ref, folder, actor="alice")


def audit_of_another_model(w: World) -> Callable[[], Any]:
    ref = w.version("1.0", audit=False, waive=False, artifacts=False)
    return lambda: w.r.attach_audit(ref, w.audited["bad"], actor="alice")


def edited_gates_with_a_recomputed_hash(w: World) -> Callable[[], Any]:
    from signoff._canonical import canonical_sha256

    ref = w.version("1.0", model="bad", audit=False, waive=False)
    folder = w.tmp / "forged"
    shutil.copytree(w.audited["bad"], folder)
    results = json.loads((folder / "results.json").read_text())
    results["gates"] = [{"name": "Discrimination", "status": "PASS"}]
    results["policy"] = {"policy_name": "Fraud production", "version": "1", "verdict": "PASS"}
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["results_sha256"] = canonical_sha256(results)
    (folder / "results.json").write_text(json.dumps(results))
    (folder / "manifest.json").write_text(json.dumps(manifest))
    w.r.attach_audit(ref, folder, actor="alice")  # binds (right model) but claims a PASS
    cr = w.opened(ref, submit=False)
    return lambda: w.w.submit(cr, actor="alice")  # the registry judges it itself


def malformed_results_with_a_recomputed_hash(w: World) -> Callable[[], Any]:
    """A results.json of the wrong shape (hash recomputed) is judged an error, not a crash."""
    from signoff._canonical import canonical_sha256

    ref = w.version("1.0", audit=False, waive=False)
    folder = w.tmp / "malformed"
    shutil.copytree(w.audited["good"], folder)
    results = json.loads((folder / "results.json").read_text())
    results["overall"] = dict.fromkeys(results["overall"], "0.99")  # every value a string
    results["by_attribute"] = []
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["results_sha256"] = canonical_sha256(results)
    (folder / "results.json").write_text(json.dumps(results))
    (folder / "manifest.json").write_text(json.dumps(manifest))
    w.r.attach_audit(ref, folder, actor="alice")
    cr = w.opened(ref, submit=False)
    return lambda: w.w.submit(cr, actor="alice")


# -- 8. only the ledger table was protected --------------------------------------------
def sql_approves_a_cr(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0"))
    number = int(cr.split("-")[1])
    w.sql(
        "INSERT INTO cr_transitions (cr_id, from_state, to_state, actor, ledger_seq, at) "
        f"VALUES ({number}, 'submitted', 'approved', 'anna', 1, '2026-01-05 09:00:00')"
    )
    return w.api.ledger.verify


def sql_grants_admin(w: World) -> Callable[[], Any]:
    w.sql(
        "INSERT INTO role_grants (user_id, role, granted_by, granted_at) "
        "SELECT id, 'admin', 'admin', '2026-01-05 09:00:00' FROM users WHERE name = 'alice'"
    )
    return w.api.ledger.verify


def sql_edits_audit_gates(w: World) -> Callable[[], Any]:
    w.version("1.0", model="bad", waive=False)
    w.sql("UPDATE audits SET verdict = 'PASS'")
    return w.api.ledger.verify


def sql_deletes_a_signoff(w: World) -> Callable[[], Any]:
    w.approved()
    w.sql("DELETE FROM signoffs WHERE role = 'data_reviewer'")
    return w.api.ledger.verify


def sql_moves_a_version_to_production(w: World) -> Callable[[], Any]:
    w.version("1.0")
    w.sql(
        "INSERT INTO stage_transitions (version_id, from_stage, to_stage, ledger_seq, actor, at) "
        "SELECT id, 'development', 'production', 1, 'olga', '2026-01-05 09:00:00' FROM model_versions"
    )
    return w.api.ledger.verify


# -- 9. identity -----------------------------------------------------------------------
def replace_someone_elses_key(w: World) -> Callable[[], Any]:
    _, public = generate_key("mallory")
    return lambda: w.r.set_public_key("rita", public, actor="alice")


def register_own_first_key(w: World) -> Callable[[], Any]:
    _, public = generate_key("rita")
    return lambda: w.r.set_public_key("rita", public, actor="rita")


def rotate_a_key_without_the_old_one(w: World) -> Callable[[], Any]:
    _, first = generate_key("rita")
    w.r.set_public_key("rita", first, actor="admin")
    _, second = generate_key("rita2")
    return lambda: w.r.set_public_key("rita", second, actor="rita")


def rotate_with_a_wrong_old_key(w: World) -> Callable[[], Any]:
    _, first = generate_key("rita")
    w.r.set_public_key("rita", first, actor="admin")
    wrong, second = generate_key("rita2")
    return lambda: w.r.set_public_key("rita", second, actor="rita", old_private_key=wrong)


def admin_grants_herself(w: World) -> Callable[[], Any]:
    return lambda: w.r.grant_role("admin", "operator", actor="admin")


def case_twin(w: World) -> Callable[[], Any]:
    return lambda: w.r.add_user("Alice", "a2@example.org", ["approver"], actor="admin")


def cyrillic_twin(w: World) -> Callable[[], Any]:
    return lambda: w.r.add_user("аlice", "a3@example.org", ["approver"], actor="admin")


def trailing_newline(w: World) -> Callable[[], Any]:
    return lambda: w.r.add_user("mallory\n", "m@example.org", ["approver"], actor="admin")


def zero_width_name(w: World) -> Callable[[], Any]:
    return lambda: w.r.add_user("ann\u200ba", "z@example.org", ["approver"], actor="admin")


def reserved_name(w: World) -> Callable[[], Any]:
    return lambda: w.r.add_user("signoff", "s@example.org", ["approver"], actor="admin")


def case_twin_signs_for_alice(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0"))
    w.r.grant_role("alice", "approver", actor="admin")
    return lambda: w.w.sign(
        cr, actor="ALICE", role="approver", decision="approve", comment="it is me, alice, honestly"
    )


# -- 10. dead ends and stale approvals -------------------------------------------------
def stale_approvals_do_not_count(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0"))
    w.sign(cr, SIGNERS[:3])
    w.r.add_artifact(
        VersionRef("fraud", "1.0"), "data_sheet", b"new", filename="d.md", actor="alice"
    )
    w.sign(cr, SIGNERS[3:])  # the last approval lands after the evidence changed
    return lambda: w.w.deploy(cr, actor="olga")


def override_after_signoffs(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0"))
    w.sign(cr, SIGNERS[:1])
    return lambda: w.w.override_risk(
        cr, level="low", justification="only a threshold tweak here", actor="rita"
    )


def overrider_becomes_the_approver(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0"))
    w.r.grant_role("rita", "approver", actor="admin")
    w.w.override_risk(
        cr, level="high", justification="customer harm if it goes wrong", actor="rita"
    )
    return lambda: w.w.sign(
        cr,
        actor="rita",
        role="approver",
        decision="approve",
        comment="approving what I rated myself",
    )


def downgrade_by_one_person(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0"))
    proposal = w.w.override_risk(
        cr, level="low", justification="just a threshold tweak", actor="rita"
    )
    assert proposal.risk_level == "high"  # recorded as a proposal only
    return lambda: w.w.deploy(cr, actor="olga")


def emergency_to_no_such_stage(w: World) -> Callable[[], Any]:
    ref = w.version("1.0", audit=False, waive=False, artifacts=False)
    return lambda: w.w.open_emergency(
        ref, to_stage="prod", incident="INC-1", reason="outage", actor="alice"
    )


def requester_closes_own_review(w: World) -> Callable[[], Any]:
    ref = w.version("1.0", audit=False, waive=False, artifacts=False)
    cr = w.w.open_emergency(
        ref, to_stage="production", incident="INC-1", reason="outage", actor="alice"
    ).id
    w.w.sign(cr, actor="carl", role="on_call", decision="approve", comment="fix checked on canary")
    w.w.deploy(cr, actor="olga")
    return lambda: w.w.review_emergency(
        cr, findings="a bad config push by me", actions="more review from now on", actor="alice"
    )


def zero_width_comment(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0"))
    return lambda: w.w.sign(
        cr, actor="anna", role="approver", decision="approve", comment="\u200b" * 20
    )


# -- the existing refusal rules ----------------------------------------------------------
def role_not_held(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0"))
    return lambda: w.w.sign(
        cr, actor="alice", role="approver", decision="approve", comment="I checked it all myself"
    )


def role_not_required(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0"))
    return lambda: w.w.sign(
        cr, actor="carl", role="on_call", decision="approve", comment="looks right from on call"
    )


def requester_cannot_sign(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0"))
    w.r.grant_role("alice", "approver", actor="admin")
    return lambda: w.w.sign(
        cr, actor="alice", role="approver", decision="approve", comment="my own change, approved"
    )


def one_role_per_person(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0"))
    w.sign(cr, SIGNERS[:1])
    return lambda: w.w.sign(
        cr,
        actor="dave",
        role="risk_reviewer",
        decision="approve",
        comment="also the risk side, checked",
    )


def not_operator(w: World) -> Callable[[], Any]:
    cr = w.approved()
    return lambda: w.w.deploy(cr, actor="anna")


def deployer_not_approver(w: World) -> Callable[[], Any]:
    cr = w.approved()
    w.r.grant_role("anna", "operator", actor="admin")
    return lambda: w.w.deploy(cr, actor="anna")


def stage_changed(w: World) -> Callable[[], Any]:
    first = w.approved("1.0")
    second = w.approved("2.0")
    w.w.deploy(second, actor="olga")
    return lambda: w.w.deploy(first, actor="olga")


def not_requester(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0"), submit=False)
    return lambda: w.w.submit(cr, actor="anna")


def withdraw_a_deployed_cr(w: World) -> Callable[[], Any]:
    cr = w.deployed()
    return lambda: w.w.withdraw(cr, actor="alice", reason="too late")


def deploy_unapproved(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0"))
    w.sign(cr, SIGNERS[:2])
    return lambda: w.w.deploy(cr, actor="olga")


def no_rollback_target(w: World) -> Callable[[], Any]:
    w.deployed()
    return lambda: w.w.rollback("fraud", actor="olga", reason="INC-2")


def rollback_to_unapproved(w: World) -> Callable[[], Any]:
    w.deployed()
    w.version("9.0", audit=False, waive=False, artifacts=False)
    return lambda: w.w.rollback("fraud", actor="olga", reason="INC-2", to_version="9.0")


def rollback_by_an_approver(w: World) -> Callable[[], Any]:
    w.deployed()
    return lambda: w.w.rollback("fraud", actor="anna", reason="INC-2")


def rubber_stamp(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0"))
    return lambda: w.w.sign(cr, actor="anna", role="approver", decision="approve", comment="LGTM")


def sign_a_draft(w: World) -> Callable[[], Any]:
    cr = w.opened(w.version("1.0"), submit=False)
    return lambda: w.w.sign(
        cr,
        actor="anna",
        role="approver",
        decision="approve",
        comment="approving before it is even submitted",
    )


def waiver_in_the_past(w: World) -> Callable[[], Any]:
    ref = w.version("1.0", waive=False)
    return lambda: w.w.request_waiver(
        ref, gate="groups", reason="r", until=w.clock() - dt.timedelta(days=1), actor="alice"
    )


def waiver_too_long(w: World) -> Callable[[], Any]:
    ref = w.version("1.0", waive=False)
    return lambda: w.w.request_waiver(
        ref, gate="groups", reason="r", until=w.clock() + dt.timedelta(days=400), actor="alice"
    )


def waiver_granted_by_non_granter(w: World) -> Callable[[], Any]:
    ref = w.version("1.0", waive=False)
    waiver = w.w.request_waiver(
        ref, gate="groups", reason="pilot", until=w.clock() + dt.timedelta(days=9), actor="alice"
    )
    return lambda: w.w.grant_waiver(waiver.id, actor="oscar")


def own_waiver(w: World) -> Callable[[], Any]:
    ref = w.version("1.0", waive=False)
    waiver = w.w.request_waiver(
        ref, gate="groups", reason="pilot", until=w.clock() + dt.timedelta(days=9), actor="rita"
    )
    return lambda: w.w.grant_waiver(waiver.id, actor="rita")


def waiver_granted_twice(w: World) -> Callable[[], Any]:
    w.version("1.0")
    return lambda: w.w.grant_waiver("W-1", actor="rob")


def emergency_without_incident(w: World) -> Callable[[], Any]:
    ref = w.version("1.0", audit=False, waive=False, artifacts=False)
    return lambda: w.w.open_emergency(
        ref, to_stage="production", incident=" ", reason="r", actor="alice"
    )


def review_a_normal_cr(w: World) -> Callable[[], Any]:
    cr = w.deployed()
    return lambda: w.w.review_emergency(
        cr, findings="nothing happened here", actions="nothing to do at all", actor="rita"
    )


def review_too_early(w: World) -> Callable[[], Any]:
    ref = w.version("1.0", audit=False, waive=False, artifacts=False)
    cr = w.w.open_emergency(
        ref, to_stage="production", incident="INC-1", reason="outage", actor="alice"
    ).id
    return lambda: w.w.review_emergency(
        cr, findings="a bad config push by me", actions="more review from now on", actor="rita"
    )


def expired_emergency(w: World) -> Callable[[], Any]:
    ref = w.version("1.0", audit=False, waive=False, artifacts=False)
    cr = w.w.open_emergency(
        ref, to_stage="production", incident="INC-1", reason="outage", actor="alice"
    ).id
    w.w.sign(cr, actor="carl", role="on_call", decision="approve", comment="fix checked on canary")
    w.clock.advance(hours=73)
    return lambda: w.w.deploy(cr, actor="olga")


def auditor_writes(w: World) -> Callable[[], Any]:
    return lambda: w.r.register_model(
        "x", owner="erin", team="risk", use_case="x", risk_tier="low", actor="erin"
    )


def non_admin_adds_users(w: World) -> Callable[[], Any]:
    return lambda: w.r.add_user("zed", "zed@example.org", ["approver"], actor="anna")


def unknown_stage(w: World) -> Callable[[], Any]:
    ref = w.version("1.0", audit=False, waive=False, artifacts=False)
    return lambda: w.w.open_cr(ref, to_stage="prod", summary="s", actor="alice")


def already_in_stage(w: World) -> Callable[[], Any]:
    w.deployed()
    return lambda: w.w.open_cr(
        VersionRef("fraud", "1.0"), to_stage="production", summary="s", actor="alice"
    )


def huge_cr_id(w: World) -> Callable[[], Any]:
    return lambda: w.w.get_cr("CR-" + "9" * 25)


ROWS: list[tuple[str, Attack, type[SignoffError], int, str]] = [
    # 1. the rules
    (
        "own rules need four eyes",
        own_rules_need_a_second_admin,
        WorkflowRefused,
        4,
        r"admin proposed G-\d+ and cannot also approve it \(four eyes\)",
    ),
    (
        "SIGNOFF_GOVERNANCE is ignored",
        environment_governance_is_ignored,
        WorkflowRefused,
        4,
        r"fails the production policy 'Fraud production' v1: 'Discrimination'",
    ),
    (
        "a proposal decided twice",
        proposal_decided_twice,
        WorkflowRefused,
        4,
        r"G-\d+ is applied; only a proposed governance version can be decided",
    ),
    (
        "a non-admin proposes rules",
        non_admin_proposes_rules,
        WorkflowRefused,
        4,
        r"anna cannot change governance: only an admin can",
    ),
    # 2. fail closed
    ("no audit", no_audit_cannot_submit, WorkflowRefused, 4, r"no audit of fraud@1\.0 is attached"),
    (
        "a failing audit",
        failing_audit_cannot_submit,
        WorkflowRefused,
        4,
        r"the latest audit of fraud@1\.0 fails the production policy",
    ),
    (
        "a stage naming no policy",
        stage_without_policy_is_not_ready,
        WorkflowRefused,
        4,
        r"names no policy, so no audit can show the version is fit for it \(fail closed",
    ),
    # 4. deploy re-checks
    (
        "deploy after new evidence",
        deploy_after_a_failing_audit,
        WorkflowRefused,
        4,
        r"CR-1 still needs: 1 data_reviewer, 1 risk_reviewer, 1 ops_reviewer, 1 approver",
    ),
    (
        "deploy after the waiver expired",
        deploy_after_the_waiver_expired,
        WorkflowRefused,
        4,
        r"warning gate 'Small groups' \(id groups\) failed on the latest audit and has no waiver in force",
    ),
    (
        "deploy with an altered artifact",
        deploy_with_an_altered_artifact,
        WorkflowRefused,
        4,
        r"the model_card attached to fraud@1\.0 is missing from, or altered in, the artifact store",
    ),
    # 6. gates by id
    (
        "a child gate reuses a parent's name",
        child_policy_reuses_a_gate_name,
        ConfigError,
        2,
        r"gate 'Discrimination' \(id 'auc-lenient'\) has the same name as gate 'Discrimination'",
    ),
    # 7. evidence
    ("an audit of no model", audit_of_no_model, DataError, 3, r"this audit names no model file"),
    (
        "an audit of another model",
        audit_of_another_model,
        DataError,
        3,
        r"this audit is of another model file",
    ),
    (
        "edited gates, recomputed hash",
        edited_gates_with_a_recomputed_hash,
        WorkflowRefused,
        4,
        r"fails the production policy 'Fraud production' v1: 'Discrimination'",
    ),
    (
        "malformed results, recomputed hash",
        malformed_results_with_a_recomputed_hash,
        WorkflowRefused,
        4,
        r"fails the production policy 'Fraud production' v1",
    ),
    # 8. tables behind the ledger's back
    (
        "SQL approves a CR",
        sql_approves_a_cr,
        LedgerVerificationError,
        5,
        r"^table cr_transitions: the row \(1, 'submitted', 'approved', 'anna'.* was made by no event",
    ),
    (
        "SQL grants admin",
        sql_grants_admin,
        LedgerVerificationError,
        5,
        r"^table role_grants: the row \('alice', 'admin'",
    ),
    (
        "SQL edits an audit",
        sql_edits_audit_gates,
        LedgerVerificationError,
        5,
        r"^table audits: the row .* contradicts the events",
    ),
    (
        "SQL deletes a sign-off",
        sql_deletes_a_signoff,
        LedgerVerificationError,
        5,
        r"^table signoffs: the events make the row \(1, 'dave', 'data_reviewer'.* which the table lacks",
    ),
    (
        "SQL moves a version",
        sql_moves_a_version_to_production,
        LedgerVerificationError,
        5,
        r"^table stage_transitions: the row \('fraud@1\.0', 'development', 'production'",
    ),
    # 9. identity
    (
        "replace rita's key",
        replace_someone_elses_key,
        WorkflowRefused,
        4,
        r"alice cannot register another user's key: only an admin can",
    ),
    (
        "register one's own first key",
        register_own_first_key,
        WorkflowRefused,
        4,
        r"rita's first signing key must be registered by another admin",
    ),
    (
        "rotate a key without the old one",
        rotate_a_key_without_the_old_one,
        WorkflowRefused,
        4,
        r"rita already has a signing key: sign the new key with the old one",
    ),
    (
        "rotate with a wrong old key",
        rotate_with_a_wrong_old_key,
        WorkflowRefused,
        4,
        r"the old key given is not the one rita registered",
    ),
    (
        "an admin grants herself",
        admin_grants_herself,
        WorkflowRefused,
        4,
        r"admin cannot grant a role to themself",
    ),
    (
        "Alice beside alice",
        case_twin,
        AlreadyExists,
        2,
        r"a user named 'alice' already exists; names are compared ignoring case",
    ),
    ("a Cyrillic alice", cyrillic_twin, ConfigError, 2, r"it mixes scripts: CYRILLIC, LATIN"),
    ("a trailing newline", trailing_newline, ConfigError, 2, r"control or invisible characters"),
    ("a zero-width space", zero_width_name, ConfigError, 2, r"control or invisible characters"),
    ("signoff's own name", reserved_name, ConfigError, 2, r"'signoff' is reserved"),
    (
        "ALICE signs alice's CR",
        case_twin_signs_for_alice,
        WorkflowRefused,
        4,
        r"alice opened CR-1 and cannot sign it",
    ),
    # 10. dead ends and stale approvals
    (
        "stale approvals",
        stale_approvals_do_not_count,
        WorkflowRefused,
        4,
        r"CR-1 still needs: 1 data_reviewer, 1 risk_reviewer, 1 ops_reviewer$",
    ),
    (
        "override after sign-offs",
        override_after_signoffs,
        WorkflowRefused,
        4,
        r"CR-1 already has sign-offs; the risk rating can only change before them",
    ),
    (
        "the overrider approves",
        overrider_becomes_the_approver,
        WorkflowRefused,
        4,
        r"rita already acted on CR-1 as risk_reviewer \(risk override\)",
    ),
    ("a downgrade by one person", downgrade_by_one_person, WorkflowRefused, 4, r"CR-1 still needs"),
    (
        "an emergency to no stage",
        emergency_to_no_such_stage,
        ConfigError,
        2,
        r"unknown stage 'prod' in governance G-\d+ \(.*\); stages: archived, development, production, staging$",
    ),
    (
        "the requester closes the review",
        requester_closes_own_review,
        WorkflowRefused,
        4,
        r"alice opened emergency change CR-1 and cannot close its post-incident review",
    ),
    (
        "a comment of zero-width spaces",
        zero_width_comment,
        WorkflowRefused,
        4,
        r"a sign-off needs a comment that says what was checked",
    ),
    # every refusal rule of the workflow and registry
    ("role not held", role_not_held, WorkflowRefused, 4, r"alice does not hold the role approver"),
    (
        "role not required",
        role_not_required,
        WorkflowRefused,
        4,
        r"CR-1 does not need a on_call sign-off",
    ),
    (
        "requester signs",
        requester_cannot_sign,
        WorkflowRefused,
        4,
        r"alice opened CR-1 and cannot sign it",
    ),
    (
        "one role per person",
        one_role_per_person,
        WorkflowRefused,
        4,
        r"dave already acted on CR-1 as data_reviewer; one person cannot fill two required roles",
    ),
    ("not an operator", not_operator, WorkflowRefused, 4, r"anna does not hold the operator role"),
    (
        "the approver deploys",
        deployer_not_approver,
        WorkflowRefused,
        4,
        r"anna approved CR-1 and cannot also deploy it",
    ),
    (
        "the stage changed",
        stage_changed,
        WorkflowRefused,
        4,
        r"production changed since CR-1 was opened \(it held nothing, now fraud@2\.0\)",
    ),
    (
        "not the requester",
        not_requester,
        WorkflowRefused,
        4,
        r"only alice \(who opened it\) or an admin can submit CR-1",
    ),
    (
        "withdraw after deploy",
        withdraw_a_deployed_cr,
        WorkflowRefused,
        4,
        r"CR-1 is deployed; from deployed it can go to: rolled_back",
    ),
    (
        "deploy before approval",
        deploy_unapproved,
        WorkflowRefused,
        4,
        r"CR-1 still needs: 1 ops_reviewer, 1 approver",
    ),
    (
        "no rollback target",
        no_rollback_target,
        WorkflowRefused,
        4,
        r"no earlier version of fraud was approved for production",
    ),
    (
        "rollback to an unapproved version",
        rollback_to_unapproved,
        WorkflowRefused,
        4,
        r"fraud@9\.0 was never approved for production",
    ),
    (
        "an approver rolls back",
        rollback_by_an_approver,
        WorkflowRefused,
        4,
        r"^anna holds neither the operator nor the monitor role and cannot roll back$",
    ),
    ("a rubber stamp", rubber_stamp, WorkflowRefused, 4, r"a sign-off needs a comment"),
    (
        "sign a draft",
        sign_a_draft,
        WorkflowRefused,
        4,
        r"CR-1 is draft; from draft it can go to: submitted, withdrawn",
    ),
    (
        "a waiver in the past",
        waiver_in_the_past,
        WorkflowRefused,
        4,
        r"a waiver must end in the future",
    ),
    (
        "a waiver too long",
        waiver_too_long,
        WorkflowRefused,
        4,
        r"a waiver may last at most 90 days",
    ),
    (
        "a waiver by a non-granter",
        waiver_granted_by_non_granter,
        WorkflowRefused,
        4,
        r"oscar cannot grant waivers",
    ),
    ("one's own waiver", own_waiver, WorkflowRefused, 4, r"rita requested W-1 and cannot grant it"),
    ("a waiver granted twice", waiver_granted_twice, WorkflowRefused, 4, r"W-1 is already granted"),
    (
        "an emergency without incident",
        emergency_without_incident,
        ConfigError,
        2,
        r"an emergency change needs an incident id",
    ),
    (
        "review a normal CR",
        review_a_normal_cr,
        WorkflowRefused,
        4,
        r"CR-1 is not an emergency change",
    ),
    (
        "review too early",
        review_too_early,
        WorkflowRefused,
        4,
        r"CR-1 is submitted; review an emergency change once it is deployed",
    ),
    (
        "an expired emergency",
        expired_emergency,
        WorkflowRefused,
        4,
        r"emergency change CR-1 expired at",
    ),
    (
        "the auditor writes",
        auditor_writes,
        WorkflowRefused,
        4,
        r"erin holds only read-only roles \(auditor\)",
    ),
    (
        "a non-admin adds users",
        non_admin_adds_users,
        WorkflowRefused,
        4,
        r"anna cannot add users: only an admin can",
    ),
    (
        "an unknown stage",
        unknown_stage,
        ConfigError,
        2,
        r"unknown stage 'prod' in governance G-\d+",
    ),
    (
        "already in the stage",
        already_in_stage,
        WorkflowRefused,
        4,
        r"fraud@1\.0 is already in production",
    ),
    ("a 25-digit CR id", huge_cr_id, ConfigError, 2, r"expected a change request id like CR-12"),
]


@pytest.mark.parametrize(
    ("attack", "error", "code", "message"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_attack_is_refused_or_detected(
    world: World,
    attack: Attack,
    error: type[SignoffError],
    code: int,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SIGNOFF_GOVERNANCE", raising=False)
    run = attack(world)
    with pytest.raises(error) as caught:
        run()
    assert caught.value.exit_code == code
    assert re.search(message, caught.value.message), caught.value.message


def test_rollback_twice_changes_nothing_the_second_time(world: World) -> None:
    world.deployed("1.0")
    world.deployed("2.0")
    first = world.w.rollback("fraud", actor="olga", reason="INC-3: false declines")
    assert (str(first), first.changed) == ("fraud@1.0", True)
    second = world.w.rollback("fraud", actor="olga", reason="INC-3: retry")
    assert (str(second), second.changed) == ("fraud@1.0", False)
    assert world.r.get_version(VersionRef("fraud", "2.0")).stage == "archived"
    world.api.ledger.verify()


def test_a_cr_is_judged_by_the_rules_it_was_opened_under(world: World) -> None:
    """Scenario 4: two admins change the governance; a CR opened before keeps the old rules,
    one opened after is judged by the new ones."""
    old_cr = world.opened(world.version("1.0"))
    stricter = world.governance(
        lambda g: g["approvals"]["high"].append({"role": "on_call", "count": 1}), "strict"
    )
    proposed = world.w.propose_governance(stricter, actor="admin")
    assert world.w.rules().number != proposed.number  # not yet in force
    applied = world.w.decide_governance(f"G-{proposed.number}", actor="admin2", approve=True)
    assert applied.state == "applied"
    new_cr = world.opened(world.version("2.0"))
    assert [r.role for r in world.w.get_cr(old_cr).required] == [r for _, r in SIGNERS]
    assert [r.role for r in world.w.get_cr(new_cr).required][-1] == "on_call"
    assert world.w.get_cr(old_cr).governance.startswith("G-2 ")
    assert world.w.get_cr(new_cr).governance.startswith(f"G-{proposed.number} ")
    assert world.sign(old_cr).state == "approved"  # the old rules: four roles suffice
    assert world.sign(new_cr).state == "in_review"  # the new rules: on call still needed
    world.api.ledger.verify()


def test_a_reviewer_who_asked_for_changes_can_approve_later(world: World) -> None:
    cr = world.opened(world.version("1.0"))
    world.w.sign(
        cr, actor="anna", role="approver", decision="changes", comment="the card lacks limits"
    )
    world.r.add_artifact(
        VersionRef("fraud", "1.0"), "model_card", b"card v2", filename="c.md", actor="alice"
    )
    world.w.submit(cr, actor="alice")
    assert world.sign(cr).state == "approved"  # anna's latest decision counts


def test_a_downgrade_confirmed_by_a_second_risk_reviewer(world: World) -> None:
    cr = world.opened(world.version("1.0"))
    world.w.override_risk(
        cr, level="medium", justification="a retrain on the same data", actor="rita"
    )
    assert world.w.get_cr(cr).risk_level == "high"
    done = world.w.override_risk(
        cr, level="medium", justification="agreed: same data, retrain", actor="rob"
    )
    assert done.risk_level == "medium"
    assert done.risk["override"] == {
        "by": "rob",
        "justification": "agreed: same data, retrain",
        "approved_by": "rita",
    }
    world.api.ledger.verify()
