"""Provider groups → signoff roles (governance ``identity.groups``), synced at each login:
ledgered grants and revocations by the system actor, only for the roles the mapping
names, and refused like the CLI's grant when separation of duties forbids the roles."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import without_policies, write_governance
from signoff.errors import ConfigError, WorkflowRefused
from signoff.ledger import iter_events
from signoff.workflow import load_governance

COMMENT = "model card and validation numbers read against the audit"
ISSUER = "https://login.example.org"
MAPPING = {
    "risk-validators": ["risk_reviewer"],
    "model-approvers": ["approver"],
    "platform": ["operator", "on_call"],
}


def _with_mapping(settings: dict) -> None:
    without_policies(settings)
    settings["identity"] = {"groups": MAPPING}
    settings["separation_of_duties"]["exclusive_roles"] = [["requester", "approver"]]


class _Every:
    def __contains__(self, action: object) -> bool:
        return True


ALL = (_Every(),)


def _events(api, *actions: object) -> list:
    with api.store.transaction() as session:
        events = list(iter_events(session))
    if actions and isinstance(actions[0], _Every):
        return events
    return [e for e in events if e.action in actions]


@pytest.fixture
def governed(api, tmp_path: Path):
    """Two admins; the mapping proposed by one and approved by the other (four eyes)."""
    api.registry.add_user("ada", "ada@example.org", ["admin"], actor=None)
    api.registry.add_user("ben", "ben@example.org", ["admin"], actor="ada")
    record = api.workflow.propose_governance(write_governance(tmp_path, _with_mapping), actor="ada")
    assert record.state == "proposed"  # not in force until another admin approves it
    assert api.workflow.rules().governance.identity.groups == {}
    api.workflow.decide_governance(f"G-{record.number}", actor="ben", approve=True)
    assert api.workflow.rules().governance.identity.governed_roles == {
        "risk_reviewer",
        "approver",
        "operator",
        "on_call",
    }
    api.registry.add_user("rita", "rita@example.org", ["data_reviewer"], actor="ada")
    return api


def _sync(api, groups: list[str], name: str = "rita"):
    return api.workflow.sync_roles(name, groups, issuer=ISSUER, subject=f"sub-{name}")


def test_groups_grant_roles_at_login_as_ledgered_events_by_the_system(governed):
    api = governed
    synced = _sync(api, ["risk-validators", "platform", "unrelated-group"])
    assert synced.granted == ("on_call", "operator", "risk_reviewer")
    assert synced.revoked == ()
    assert set(synced.user.roles) == {"data_reviewer", "risk_reviewer", "operator", "on_call"}
    grants = [e for e in _events(api, "user.role_granted") if e.payload["name"] == "rita"]
    assert [(e.actor, e.payload["role"]) for e in grants] == [
        ("signoff", "on_call"),
        ("signoff", "operator"),
        ("signoff", "risk_reviewer"),
    ]
    assert grants[-1].payload["groups"] == ["risk-validators"]
    assert grants[-1].payload["identity_provider"] == ISSUER
    assert grants[-1].payload["subject"] == "sub-rita"
    before = len(_events(api, "user.role_granted", "user.role_revoked"))
    again = _sync(api, ["platform", "risk-validators"])  # nothing changed: nothing recorded
    assert (again.granted, again.revoked) == ((), ())
    assert len(_events(api, "user.role_granted", "user.role_revoked")) == before


def test_leaving_a_group_loses_its_role_at_the_next_login_hand_grants_stay(governed):
    api = governed
    _sync(api, ["risk-validators", "platform"])
    api.workflow.grant_role("rita", "ops_reviewer", actor="ada")  # outside the mapping
    synced = _sync(api, ["platform"])
    assert synced.revoked == ("risk_reviewer",)
    assert set(api.registry.get_user("rita").roles) == {
        "data_reviewer",
        "ops_reviewer",
        "operator",
        "on_call",
    }
    (revoked,) = _events(api, "user.role_revoked")
    assert (revoked.actor, revoked.subject, revoked.payload["role"]) == (
        "signoff",
        "user:rita",
        "risk_reviewer",
    )
    assert revoked.payload["groups"] == ["platform"]
    # A role the mapping names is the provider's: granted by hand, it lasts until the
    # person's next login without the group.
    api.workflow.grant_role("rita", "approver", actor="ada")
    assert _sync(api, []).revoked == ("approver", "on_call", "operator")
    assert set(api.registry.get_user("rita").roles) == {"data_reviewer", "ops_reviewer"}
    verification = api.ledger.verify()  # every table re-derived from the events (or raises)
    assert verification.size == len(_events(api, *ALL))


def test_a_person_who_loses_the_role_can_no_longer_sign(governed, tmp_path: Path):
    api = governed
    api.registry.add_user("alice", "alice@example.org", ["requester"], actor="ada")
    api.registry.register_model(
        "fraud", owner="alice", team="risk", use_case="fraud", risk_tier="low", actor="alice"
    )
    from signoff.registry import VersionRef

    ref = VersionRef("fraud", "1.0")
    api.registry.add_version(ref, framework="sklearn", actor="alice")
    api.registry.add_artifact(ref, "model_card", b"card", filename="card.md", actor="alice")
    cr = api.workflow.open_cr(ref, to_stage="staging", summary="first", actor="alice")
    api.workflow.submit(cr.id, actor="alice")
    _sync(api, ["model-approvers"])
    _sync(api, [])  # removed from the group at the provider, then signs in again
    with pytest.raises(WorkflowRefused) as refused:
        api.workflow.sign(cr.id, role="approver", decision="approve", comment=COMMENT, actor="rita")
    assert refused.value.rule == "role_not_held"


def test_exclusive_roles_refused_by_hand_and_from_groups_alike(governed):
    api = governed
    api.registry.add_user("carl", "carl@example.org", ["requester"], actor="ada")
    with pytest.raises(WorkflowRefused) as by_hand:
        api.workflow.grant_role("carl", "approver", actor="ada")
    assert by_hand.value.rule == "exclusive_roles"
    message = (
        "carl cannot hold both requester and approver: the governance's separation of "
        "duties (separation_of_duties.exclusive_roles) forbids one person to hold both"
    )
    assert str(by_hand.value) == message
    with pytest.raises(WorkflowRefused) as from_groups:
        _sync(api, ["model-approvers", "platform"], name="carl")
    assert (from_groups.value.rule, str(from_groups.value)) == ("exclusive_roles", message)
    assert api.registry.get_user("carl").roles == ("requester",)  # nothing granted
    (refusal,) = _events(api, "access.refused")
    assert (refusal.actor, refusal.payload["rule"]) == ("carl", "exclusive_roles")
    assert refusal.payload["groups"] == ["model-approvers", "platform"]
    assert api.ledger.verify().size == len(_events(api, *ALL))


def test_without_a_mapping_a_login_changes_no_role(api):
    api.registry.add_user("ada", "ada@example.org", ["admin"], actor=None)
    api.registry.add_user("rita", "rita@example.org", ["approver"], actor="ada")
    synced = _sync(api, ["model-approvers"])
    assert (synced.granted, synced.revoked, synced.user.roles) == ((), (), ("approver",))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda s: s.update(identity={"groups": {"it": ["admin"]}}),
            "identity.groups.it: admin cannot come from a provider group",
        ),
        (
            lambda s: s.update(identity={"groups": {"it": ["wizard"]}}),
            "identity.groups.it: unknown role 'wizard'",
        ),
        (
            lambda s: (
                s["separation_of_duties"].update(exclusive_roles=[["requester", "approver"]]),
                s.update(identity={"groups": {"all": ["requester", "approver"]}}),
            ),
            "identity.groups.all: grants both requester and approver",
        ),
        (
            lambda s: s["separation_of_duties"].update(exclusive_roles=[["approver", "king"]]),
            "separation_of_duties.exclusive_roles: unknown role 'king'",
        ),
    ],
)
def test_a_bad_mapping_is_refused_when_read(tmp_path: Path, change, message):
    path = write_governance(tmp_path, change)
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("'", "'")):
        load_governance(path)
