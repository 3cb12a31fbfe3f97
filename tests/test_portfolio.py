"""The portfolio of a seeded registry: every figure of ``portfolio``, ``trends`` and ``--at``
checked against values computed independently from the raw ledger events."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import signoff
from conftest import FakeClock, SavedWorld, backend
from portfolio_expected import expected_portfolio, expected_trends, raw_events
from portfolio_world import World, build


def _copy_sqlite(url: str, target: Path) -> str:
    source = sqlite3.connect(url.removeprefix("sqlite:///"))
    copy = sqlite3.connect(target)
    source.backup(copy)  # a consistent copy of the database as it is now (WAL included)
    copy.close()
    source.close()
    return f"sqlite:///{target}"


@pytest.fixture
def world(
    api: Any,
    clock: FakeClock,
    tmp_path: Path,
    policy_audits: dict[str, Path],
    database_url: str,
    saved_worlds: dict[tuple[str, str], SavedWorld],
    tmp_path_factory: pytest.TempPathFactory,
) -> Any:
    """The seeded portfolio on this test's database: built through the workflow by the
    first test on each backend, a copy of it for the others (with the SQLite copies made
    at the marks)."""
    key = ("portfolio", backend(database_url))
    if key in saved_worlds:
        saved = saved_worlds[key]
        saved.restore(api, database_url, tmp_path, clock)
        w = World(api, clock, policy_audits)
        w.copies = {
            label: (moment, f"sqlite:///{tmp_path / name}")
            for label, (moment, name) in saved.extra["copies"].items()
        }
        return w
    copies: dict[str, tuple[dt.datetime, str]] = {}

    def mark(label: str) -> None:
        if database_url.startswith("sqlite"):
            copies[label] = (clock(), _copy_sqlite(database_url, tmp_path / f"{label}.db"))
        clock.advance(seconds=1)  # what follows happens after the copy, not in its second

    w = build(api, clock, tmp_path, policy_audits, mark=mark)
    w.copies = copies
    names = {label: (moment, Path(url).name) for label, (moment, url) in copies.items()}
    keep = tmp_path_factory.mktemp("portfolio-world")
    saved_worlds[key] = SavedWorld.save(api, database_url, tmp_path, clock, keep, copies=names)
    return w


def _rows(view: Any) -> dict[str, dict[str, Any]]:
    return {r["model"]: r for r in view.to_dict()["models"]}


def test_every_row_matches_the_raw_events(api: Any, world: Any, clock: FakeClock) -> None:
    expected = expected_portfolio(api, raw_events(api), clock())
    view = api.portfolio.view()
    rows = _rows(view)
    assert len(rows) == 12
    for name, want in expected.items():
        row = rows[name]
        kinds = {(f["kind"], f["status"]) for f in row["findings"]}
        assert (
            row["status"],
            row["production"],
            row["staging"],
            row["next_review_due"],
            kinds,
        ) == (
            want["status"],
            want["production"],
            want["staging"],
            want["next_review_due"],
            want["findings"],
        ), name
    counts = {
        s: sum(1 for w in expected.values() if w["status"] == s)
        for s in ("compliant", "attention", "blocked")
    }
    assert view.counts() == counts
    # the scenario covers every rule: each kind of finding occurs
    kinds = {k for w in expected.values() for k, _ in w["findings"]}
    assert kinds == {"gate", "review", "emergency", "monitoring", "review_due"}
    assert all(counts.values())  # every status occurs
    # the reasons read as words a manager understands
    assert rows["m06"]["reason"].startswith("fails gate 'Discrimination' (roc_auc = 0.4")
    assert "emergency change CR-" in rows["m06"]["reason"]
    assert rows["m09"]["reason"] == "not in production"
    assert "monitoring window" in rows["m11"]["reason"]
    # filters
    assert {r.model.name for r in api.portfolio.view(team="fraud").rows} == {
        n for n, w in expected.items() if w["team"] == "fraud"
    }
    assert {r.model.name for r in api.portfolio.view(status="blocked").rows} == {
        n for n, w in expected.items() if w["status"] == "blocked"
    }


@pytest.mark.parametrize("label", ["february", "april"])
def test_at_a_past_date_equals_a_copy_of_the_database_made_then(
    api: Any, world: Any, clock: FakeClock, label: str, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the copy is a SQLite backup; the replay itself is the same on PostgreSQL")
    moment, url = world.copies[label]
    then = api.portfolio.view(at=moment)
    with signoff.connect(
        url, create=False, artifacts=api.core.artifacts, clock=lambda: moment
    ) as old:
        live = old.portfolio.view()
        from signoff.ledger import ledger_prefix

        head = ledger_prefix(old.store, events=False)
    assert then.to_dict()["models"] == live.to_dict()["models"]
    assert (then.ledger.size, then.ledger.root) == (head.size, head.root.hex())
    assert then.as_of == moment
    # and it agrees with the independent computation at that date
    expected = expected_portfolio(api, raw_events(api), moment)
    assert {n: r["status"] for n, r in _rows(then).items()} == {
        n: w["status"] for n, w in expected.items()
    }


def test_at_also_works_on_both_databases(api: Any, world: Any, clock: FakeClock) -> None:
    moment = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    expected = expected_portfolio(api, raw_events(api), moment + dt.timedelta(days=1, seconds=-1))
    then = api.portfolio.view(at="2026-03-01")  # a date: as it stood at the end of that day
    assert then.as_of == dt.datetime(2026, 3, 1, 23, 59, 59, tzinfo=dt.UTC)
    assert {n: r["status"] for n, r in _rows(then).items()} == {
        n: w["status"] for n, w in expected.items()
    }
    assert then.ledger.size == max(e.seq for e in raw_events(api) if e.ts <= "2026-03-01T23:59:59Z")


def test_trends_match_the_raw_events(api: Any, world: Any, clock: FakeClock) -> None:
    events = raw_events(api)
    want = expected_trends(events, clock())
    got = api.portfolio.trends()
    for tier, kinds in want["velocity"].items():
        for what, v in kinds.items():
            measured = got["velocity"][tier][what]
            assert measured["n"] == v["n"]
            assert measured["median_hours"] == pytest.approx(v["median_hours"], abs=1e-4)
            assert measured["p90_hours"] == pytest.approx(v["p90_hours"], abs=1e-4)
    assert got["change_failure"]["deploys"] == want["change_failure"]["deploys"]
    assert got["change_failure"]["rolled_back"] == want["change_failure"]["rolled_back"] == 1
    assert got["audits_per_month"] == want["audits_per_month"]
    by_month = {g["key"]: g for g in got["groups"]}
    assert {
        m: g["pass_rate"] for m, g in by_month.items() if g["pass_rate"] is not None
    } == pytest.approx(want["pass_rate"], abs=1e-4)
    assert 0 < min(want["pass_rate"].values()) < 1
    top = got["most_failed_gates"]
    assert {g["gate"]: g["failures"] for g in top} == want["failures"]
    # time to restore: the one rollback came 6 hours after the alert on the version it replaced
    ((rolled_at, rolled),) = want["rollbacks"]
    (alert_at, _), *_ = [
        a for a in want["alerts"] if a[1]["model"] == rolled["to"].partition("@")[0]
    ]
    assert got["time_to_restore"]["n"] == 1
    assert (
        got["time_to_restore"]["median_hours"]
        == (rolled_at - alert_at).total_seconds() / 3600
        == 6.0
    )
    # coverage: production models with a window recorded in the last 24 h
    production = {n for n, w in expected_portfolio(api, events, clock()).items() if w["production"]}
    recent = {
        p["model"]
        for at, p in want["windows"]
        if clock() - dt.timedelta(hours=24) < at <= clock() and p["model"] in production
    }
    assert got["monitoring_coverage"] == {
        "production_models": len(production),
        "monitored_24h": len(recent),
        "share": round(len(recent) / len(production), 4),
    }
    # metric trends over versions: the stored results' values, version by version
    assert [p["version"] for p in got["metric_trends"]["m01"]["roc_auc"]] == ["1", "2"]
    # grouped by team: the same audits, split
    teams = api.portfolio.trends(by="team")
    assert sum(g["audits"] for g in teams["groups"]) == sum(want["audits_per_month"].values())
    assert {g["key"] for g in teams["groups"]} == {"credit", "fraud", "marketing"}
    since = api.portfolio.trends(since="2026-04-01")
    assert set(since["audits_per_month"]) == {m for m in want["audits_per_month"] if m >= "2026-04"}


def test_monitoring_events_are_read_by_action_name(api: Any, world: Any) -> None:
    """The portfolio reads monitor.window / monitor.alert by action name from the ledger (the
    same before and after monitoring projected them), and the ledger still verifies."""
    api.ledger.verify()
    # a window that supersedes the failing one clears the finding
    seq = max(
        e.seq
        for e in raw_events(api)
        if e.action == "monitor.window" and e.payload["model"] == "m11"
    )
    with api.core.write("mona") as unit:
        payload = {
            "model": "m11",
            "version": "1",
            "window": {"start": None, "end": None},
            "rows": 10,
            "status": "pass",
            "failed_gates": [],
            "label_coverage": None,
            "profile_sha256": unit.keep("profile", b'{"window":"profile"}'),
            "results_sha256": unit.keep("results", b'{"status":"pass"}'),
            "reference_profile_sha256": "4" * 64,
            "batch_sha256": "5" * 64,
            "labels_sha256": None,
            "config_sha256": "6" * 64,
            "supersedes": seq,
        }
        unit.emit("monitor.window", "version:m11@1", payload)
    assert not any(
        f["kind"] == "monitoring" for f in _rows(api.portfolio.view())["m11"]["findings"]
    )


def test_the_dashboard_reads_once_what_view_and_trends_read(
    api: Any, world: Any, clock: FakeClock
) -> None:
    """``Portfolio.dashboard`` (the web page's one read) equals ``view`` and ``trends``,
    now, as of a past date, and filtered."""
    past = "2026-03-01"
    for at, team, status in ((None, None, None), (past, None, None), (None, None, "blocked")):
        view, trends = api.portfolio.dashboard(at=at, team=team, status=status)
        assert view.to_dict() == api.portfolio.view(at=at, team=team, status=status).to_dict()
        assert trends == api.portfolio.trends(at=at)
    team = api.portfolio.view().rows[0].model.team
    view, _ = api.portfolio.dashboard(team=team)
    assert view.to_dict() == api.portfolio.view(team=team).to_dict()
