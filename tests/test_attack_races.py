"""The races of the attack table, with real concurrent processes, on SQLite and PostgreSQL.

Two processes are released together by a barrier, round after round (8 rounds each):
one person signing in two roles at once, a withdraw racing a deploy, two "first
users" of a fresh registry, two admins removing each other's access, and two admins
giving the same person access back.  Every rule is checked under the write lock, so each round
ends with exactly one winner and a state that agrees with the ledger.
"""

from __future__ import annotations

import multiprocessing
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import signoff
from conftest import POSTGRES_URL, without_policies, write_governance
from signoff.registry import VersionRef

ROUNDS = 8


def _worker(kind: str, urls: list[str], artifacts: str, slot: int, barrier: Any, out: Any) -> None:
    from signoff.errors import SignoffError

    opened: dict[str, Any] = {}
    for n, url in enumerate(urls, start=1):
        if url not in opened:
            opened[url] = signoff.connect(url, artifacts=artifacts)
        api = opened[url]
        barrier.wait(timeout=120)
        try:
            if kind == "two_roles":
                role = ("data_reviewer", "risk_reviewer")[slot]
                api.workflow.sign(
                    f"CR-{n}",
                    actor="dave",
                    role=role,
                    decision="approve",
                    comment=f"{role}: checked round {n}",
                )
            elif kind == "withdraw_deploy":
                if slot == 0:
                    api.workflow.withdraw(f"CR-{n}", actor="alice", reason="changed our mind")
                else:
                    api.workflow.deploy(f"CR-{n}", actor="olga")
            elif kind == "remove_each_other":  # two admins, each removing the other
                me, them = (f"ada{n}", f"bea{n}")[:: 1 if slot == 0 else -1]
                api.registry.deactivate_user(them, actor=me, reason="racing to lock the other out")
            elif kind == "reactivate_twice":  # two admins giving the same person access back
                api.registry.reactivate_user(
                    f"carl{n}", actor=("admin", "ada1")[slot], reason="back from leave, twice"
                )
            else:  # first_user
                api.registry.add_user(
                    f"user{slot}", f"user{slot}@example.org", ["approver"], actor=None
                )
            out.put((n, slot, "ok"))
        except SignoffError as error:
            out.put((n, slot, error.message))
    for api in opened.values():
        api.close()


def _race(kind: str, urls: list[str], artifacts: Path) -> dict[int, list[str]]:
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(2), context.Queue()
    workers = [
        context.Process(target=_worker, args=(kind, urls, str(artifacts), slot, barrier, out))
        for slot in (0, 1)
    ]
    for p in workers:
        p.start()
    results: dict[int, list[str]] = {}
    for _ in range(2 * len(urls)):
        n, _slot, outcome = out.get(timeout=300)
        results.setdefault(n, []).append(outcome)
    for p in workers:
        p.join(timeout=60)
        assert p.exitcode == 0
    return results


def _team(api: Any, tmp_path: Path) -> None:
    r = api.registry
    r.add_user("admin", "admin@example.org", ["admin"], actor=None)
    for name, roles in {
        "alice": ["requester"],
        "dave": ["data_reviewer", "risk_reviewer"],
        "rita": ["risk_reviewer"],
        "anna": ["approver"],
        "olga": ["operator"],
    }.items():
        r.add_user(name, f"{name}@example.org", roles, actor="admin")

    def adjust(settings: dict) -> None:
        without_policies(settings)
        settings["stages"]["production"]["artifacts"] = []

    api.workflow.propose_governance(write_governance(tmp_path, adjust), actor="admin")


def test_one_person_cannot_fill_two_roles_by_racing(database_url: str, tmp_path: Path) -> None:
    api = signoff.connect(database_url, artifacts=tmp_path / "a")
    _team(api, tmp_path)
    r, w = api.registry, api.workflow
    r.register_model(
        "fraud", owner="alice", team="risk", use_case="card fraud", risk_tier="high", actor="alice"
    )
    for n in range(1, ROUNDS + 1):
        ref = VersionRef("fraud", f"{n}.0")
        r.add_version(ref, framework="sklearn", actor="alice")
        cr = w.open_cr(ref, to_stage="production", summary="s", actor="alice")
        w.submit(cr.id, actor="alice")
    results = _race("two_roles", [database_url] * ROUNDS, tmp_path / "a")
    for n, outcomes in results.items():
        assert sorted(o == "ok" for o in outcomes) == [False, True], (n, outcomes)
        [refusal] = [o for o in outcomes if o != "ok"]
        assert "one person cannot fill two required roles" in refusal
        assert len({s.user for s in w.get_cr(f"CR-{n}").signoffs if s.user == "dave"}) == 1
        assert len(w.get_cr(f"CR-{n}").signoffs) == 1
    api.ledger.verify()
    api.close()


def test_a_withdraw_and_a_deploy_cannot_both_win(database_url: str, tmp_path: Path) -> None:
    api = signoff.connect(database_url, artifacts=tmp_path / "a")
    _team(api, tmp_path)
    r, w = api.registry, api.workflow
    for n in range(1, ROUNDS + 1):
        r.register_model(
            f"m{n}", owner="alice", team="mkt", use_case="churn", risk_tier="low", actor="alice"
        )
        ref = VersionRef(f"m{n}", "1")
        r.add_version(ref, framework="sklearn", actor="alice")
        cr = w.open_cr(ref, to_stage="production", summary="s", actor="alice").id
        w.submit(cr, actor="alice")
        for user, role in (("rita", "risk_reviewer"), ("anna", "approver")):
            w.sign(cr, actor=user, role=role, decision="approve", comment=f"{role} checked it all")
        assert w.get_cr(cr).state == "approved"
    results = _race("withdraw_deploy", [database_url] * ROUNDS, tmp_path / "a")
    for n, outcomes in results.items():
        assert sorted(o == "ok" for o in outcomes) == [False, True], (n, outcomes)
        state = w.get_cr(f"CR-{n}").state
        stage = r.get_version(VersionRef(f"m{n}", "1")).stage
        assert (state, stage) in (("withdrawn", "development"), ("deployed", "production"))
    api.ledger.verify()
    api.close()


def test_two_admins_cannot_remove_each_other(database_url: str, tmp_path: Path) -> None:
    """Each checks the other is an admin and not themselves under the write lock: the
    second to take it is no longer an admin — nobody is left locked out together."""
    api = signoff.connect(database_url, artifacts=tmp_path / "a")
    _team(api, tmp_path)
    for n in range(1, ROUNDS + 1):
        for name in (f"ada{n}", f"bea{n}"):
            api.registry.add_user(name, f"{name}@example.org", ["admin"], actor="admin")
    results = _race("remove_each_other", [database_url] * ROUNDS, tmp_path / "a")
    for n, outcomes in results.items():
        assert sorted(o == "ok" for o in outcomes) == [False, True], (n, outcomes)
        [refusal] = [o for o in outcomes if o != "ok"]
        assert "access was removed" in refusal  # the loser's own, by then
        pair = [api.registry.get_user(name) for name in (f"ada{n}", f"bea{n}")]
        assert sorted(u.deactivated_at is None for u in pair) == [False, True]
        assert sum("admin" in u.roles for u in pair) == 1
    api.ledger.verify()
    api.close()


def test_a_person_is_reactivated_once(database_url: str, tmp_path: Path) -> None:
    api = signoff.connect(database_url, artifacts=tmp_path / "a")
    _team(api, tmp_path)
    api.registry.add_user("ada1", "ada1@example.org", ["admin"], actor="admin")
    for n in range(1, ROUNDS + 1):
        api.registry.add_user(f"carl{n}", f"carl{n}@example.org", ["requester"], actor="admin")
        api.registry.deactivate_user(f"carl{n}", actor="admin", reason="on leave for a while")
    results = _race("reactivate_twice", [database_url] * ROUNDS, tmp_path / "a")
    for n, outcomes in results.items():
        assert sorted(o == "ok" for o in outcomes) == [False, True], (n, outcomes)
        [refusal] = [o for o in outcomes if o != "ok"]
        assert f"carl{n}'s access was not removed" in refusal
        assert api.registry.get_user(f"carl{n}").deactivated_at is None
    api.ledger.verify()
    api.close()


@pytest.fixture
def fresh_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[str]]:
    """ROUNDS empty registries (migrated) on the database of ``database_url``'s kind."""
    kind = request.node.callspec.params["database_url"]
    if kind == "sqlite":
        yield [f"sqlite:///{tmp_path / f'r{n}.db'}" for n in range(ROUNDS)]
        return
    template = request.getfixturevalue("postgres_template")
    from sqlalchemy import create_engine, text

    assert POSTGRES_URL is not None
    names = [f"signoff_race{uuid.uuid4().hex[:10]}" for _ in range(ROUNDS)]
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    try:
        yield [POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}" for name in names]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def test_two_first_users_cannot_both_become_admin(
    database_url: str, fresh_urls: list[str], tmp_path: Path
) -> None:
    for url in fresh_urls:  # created and migrated before the race starts
        signoff.connect(url, artifacts=tmp_path / "a").close()
    results = _race("first_user", fresh_urls, tmp_path / "a")
    for n, outcomes in results.items():
        assert sorted(o == "ok" for o in outcomes) == [False, True], (n, outcomes)
        api = signoff.connect(fresh_urls[n - 1], artifacts=tmp_path / "a")
        users = api.registry.list_users()
        assert len(users) == 1
        assert "admin" in users[0].roles
        api.ledger.verify()
        api.close()
