"""Read paths issue a constant number of SQL statements, whatever the number of rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from conftest import without_policies, write_governance
from signoff.registry import VersionRef
from signoff.regulatory import inventory


@contextmanager
def _counting(engine: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _grow(api: Any, n: int, start: int) -> None:
    r, w = api.registry, api.workflow
    for k in range(start, start + n):
        r.register_model(
            f"m{k}", owner="alice", team="t", use_case="churn", risk_tier="low", actor="alice"
        )
        for v in ("1", "2", "3"):
            r.add_version(VersionRef(f"m{k}", v), framework="sklearn", actor="alice")
        cr = w.open_cr(VersionRef(f"m{k}", "2"), to_stage="production", summary="s", actor="alice")
        w.submit(cr.id, actor="alice")
        w.sign(
            cr.id,
            actor="rita",
            role="risk_reviewer",
            decision="approve",
            comment="checked the evidence for this one",
        )


def _count(api: Any, read: Callable[[], Any]) -> int:
    with _counting(api.store.engine) as statements:
        read()
    return len(statements)


def test_lists_and_shows_cost_the_same_for_2_or_8_models(api: Any, tmp_path: Any) -> None:
    r, w = api.registry, api.workflow
    r.add_user("admin", "admin@example.org", ["admin"], actor=None)
    r.add_user("alice", "alice@example.org", ["requester"], actor="admin")
    r.add_user("rita", "rita@example.org", ["risk_reviewer"], actor="admin")

    def adjust(settings: dict) -> None:
        without_policies(settings)
        settings["stages"]["production"]["artifacts"] = []

    w.propose_governance(write_governance(tmp_path, adjust), actor="admin")
    reads = {
        "model list": r.list_models,
        "model show": lambda: (r.get_model("m0"), r.list_versions("m0")),
        "cr list": w.list_crs,
        "cr list --waiting-for": lambda: w.list_crs(waiting_for="approver"),
    }
    _grow(api, 2, 0)
    small = {name: _count(api, read) for name, read in reads.items()}
    _grow(api, 6, 2)
    large = {name: _count(api, read) for name, read in reads.items()}
    assert large == small, (small, large)
    assert len(w.list_crs()) == 8


def test_the_portfolio_costs_the_same_for_2_or_8_models(api: Any, tmp_path: Any) -> None:
    r, w = api.registry, api.workflow
    r.add_user("admin", "admin@example.org", ["admin"], actor=None)
    r.add_user("alice", "alice@example.org", ["requester"], actor="admin")
    r.add_user("rita", "rita@example.org", ["risk_reviewer"], actor="admin")

    def adjust(settings: dict) -> None:
        without_policies(settings)
        settings["stages"]["production"]["artifacts"] = []

    w.propose_governance(write_governance(tmp_path, adjust), actor="admin")
    reads = {
        "portfolio": api.portfolio.view,
        "portfolio --at": lambda: api.portfolio.view(at=api.core.clock()),
        "portfolio trends": api.portfolio.trends,
        "inventory export": lambda: inventory(api.core),
    }
    _grow(api, 2, 0)
    small = {name: _count(api, read) for name, read in reads.items()}
    _grow(api, 6, 2)
    large = {name: _count(api, read) for name, read in reads.items()}
    assert large == small, (small, large)
    assert small["portfolio"] <= 13, small  # a dozen whole-table reads, whatever the size
    assert small["inventory export"] <= 12, small  # was six more per model
    assert len(api.portfolio.view().rows) == 8
    assert len(inventory(api.core)) == 8
