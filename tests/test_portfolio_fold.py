"""``--at`` and the report fold the ledger's events in memory (``signoff.store.Fold``)
instead of replaying them through the projector into a database: every read the portfolio
makes must be the same, record for record, at every cut of the ledger — and, at the end,
the same as the live tables on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from conftest import FakeClock
from portfolio_expected import raw_events
from signoff.portfolio import EVENT_ACTIONS
from signoff.registry import VersionRef
from signoff.store import Fold, replayed
from test_portfolio import world  # noqa: F401  (the seeded portfolio)

STAGES = ("development", "staging", "production", "archived")


#: ``window_events(since=…)`` at each of these (before everything: every window in force).
SINCE = (
    dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
    dt.datetime(2026, 6, 24, 19, tzinfo=dt.UTC),  # the world's last day
    dt.datetime(2026, 6, 24, 21, 20, tzinfo=dt.UTC),  # amid the windows _more_history adds
)


def _reads(source: Any) -> str:
    """Every read of the portfolio (and a few more), as one text: ``repr`` tells an aware
    datetime from a naive one, ``1`` from ``1.0`` and a tuple from a list."""
    return repr(
        {
            "models": source.models(),
            "held": source.stage_holders(("production", "staging")),
            "every version": source.stage_holders(STAGES),
            "audits": source.audit_rows(),
            "latest audits": source.audit_rows(latest_only=True),
            "held audits": source.audit_rows(latest_only=True, stages=("production", "staging")),
            "staged audits": source.audit_rows(stages=("staging",)),
            "crs": source.crs(),
            "transitions": source.cr_transitions(),
            "waivers": source.waivers(),
            "events": source.events_by_action(EVENT_ACTIONS),
            "windows": [source.window_events(since=since) for since in SINCE],
            "governance": source.governance_versions(),
            "applied": source.governance_versions(state="applied"),
        }
    )


def _more_history(api: Any, clock: FakeClock) -> None:
    """What the seeded world lacks: a closed post-incident review, a risk override, a
    withdrawn change, monitoring windows re-run (superseded, one of them a version's last)."""
    w = api.workflow
    (emergency,) = [e.subject for e in raw_events(api) if e.action == "emergency.opened"]
    w.review_emergency(
        emergency,
        findings="the hotfix held; root cause was a stale feature",
        actions="add a freshness check to the pipeline",
        actor="rita",
    )
    cr = w.open_cr(VersionRef("m09", "1"), to_stage="staging", summary="try", actor="alice")
    clock.advance(seconds=60)
    w.override_risk(
        cr.id, level="high", justification="uses sensitive applicant data", actor="rita"
    )
    clock.advance(seconds=60)
    w.withdraw(cr.id, actor="alice", reason="not ready")
    windows = [e for e in raw_events(api) if e.action == "monitor.window"]
    for old, status in ((windows[-1], "pass"), (windows[0], "warning")):
        clock.advance(seconds=60)
        with api.core.write("mona") as unit:
            payload = {**old.payload, "status": status, "supersedes": old.seq}
            unit.emit("monitor.window", old.subject, payload)
    # more windows of one version, not recorded in the order of their ends: a backfill, a
    # tie (the later seq is last), a window without an end (before every one with)
    template = windows[0]  # m07@2, in March
    now = clock()
    for days, status in ((2, "warning"), (5, "error"), (None, "pass"), (2, "pass")):
        clock.advance(minutes=30)
        end = None if days is None else (now - dt.timedelta(days=days)).isoformat()
        with api.core.write("mona") as unit:
            window = {"start": None, "end": end}
            payload = {**template.payload, "window": window, "status": status}
            unit.emit("monitor.window", template.subject, payload)


def test_the_fold_reads_what_the_projector_writes(
    api: Any,
    world: Any,  # noqa: F811
    clock: FakeClock,
) -> None:
    _more_history(api, clock)
    events = raw_events(api)
    actions = {e.action for e in events}
    assert {"cr.risk_overridden", "emergency.reviewed", "waiver.granted"} <= actions
    assert {"model.rolled_back", "monitor.window", "governance.applied"} <= actions
    assert sum(1 for e in events if e.payload.get("supersedes")) == 2
    fold = Fold(keep=EVENT_ACTIONS)
    cuts = 0
    with replayed() as replay:
        for start in range(0, len(events), 3):
            chunk = events[start : start + 3]
            fold.apply(chunk)
            replay.apply(chunk)
            assert _reads(fold) == _reads(replay.repo), f"after seq {replay.seq}"
            cuts += 1
    assert len(events) > 200
    assert cuts * 3 >= len(events)
    assert fold.seq == fold.ledger_size() == len(events)
    with api.core.read() as live:  # the live tables, on both databases
        assert _reads(fold) == _reads(live)


def test_the_fold_refuses_reads_of_events_it_did_not_keep(
    api: Any,
    world: Any,  # noqa: F811
) -> None:
    fold = Fold(raw_events(api), keep=("monitor.window",))
    assert fold.events_by_action(("monitor.window",))
    with pytest.raises(ValueError, match=r"model\.rolled_back"):
        fold.events_by_action(("monitor.window", "model.rolled_back"))


def _run_window(**changes: Any) -> dict[str, Any]:
    """A window payload as ``monitor run`` writes it, changed."""
    return {
        "model": "m",
        "version": "1",
        "window": {"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"},
        "rows": 10,
        "status": "pass",
        "failed_gates": [],
        "label_coverage": None,
        "profile_sha256": "1" * 64,
        "results_sha256": "2" * 64,
        "reference_profile_sha256": None,
        "batch_sha256": "3" * 64,
        "labels_sha256": None,
        "config_sha256": "4" * 64,
        "supersedes": None,
        **changes,
    }


GATE = {"gate": "Drift", "status": "error", "window": {"end": "1999", "start": "x"}}
#: (payload, whether its text alone says what parsing says): monitor run's own shapes are
#: read from the text; a nested ``window`` or ``status``, keys after ``window``, escapes in
#: the times, a missing ``supersedes`` are parsed.
WINDOWS = [
    (_run_window(), True),
    (_run_window(status="error", failed_gates=[GATE]), True),
    (_run_window(status="warning", supersedes=7), True),
    (_run_window(supersedes=0, window={"start": None, "end": None}), True),
    (_run_window(window={"start": "2026-01-01", "end": None}), True),
    (_run_window(version="2.0-rc1", status="st\u0061tus"), True),
    (_run_window(window={"start": "a", "end": "2026-01-08é"}), True),
    (_run_window(window={"start": "a", "end": 'q"uote'}), False),
    (_run_window(window={"start": "a", "end": "2026", "zone": "UTC"}), False),
    (_run_window(zz=1), False),
    (_run_window(supersedes="7"), False),
    (_run_window(supersedes=1.5), False),
    ({k: v for k, v in _run_window().items() if k != "supersedes"}, False),
    ({k: v for k, v in _run_window().items() if k != "status"} | {"x": {**GATE}}, False),
    ({"status": "error", "x": _run_window()}, False),
]


@pytest.mark.parametrize(("payload", "from_text"), WINDOWS)
def test_a_window_read_from_its_text_is_what_parsing_reads(
    payload: dict[str, Any], from_text: bool
) -> None:
    """``ledger_prefix`` reads a monitoring window's status, end and ``supersedes`` from
    its canonical JSON text, or parses it when the text alone cannot say for certain."""
    from signoff._canonical import canonical_json
    from signoff.ledger._peek import _window

    window = payload.get("window")
    parsed = {
        "failed": payload.get("status") == "error",
        "window.end": window.get("end") if isinstance(window, dict) else None,
        "supersedes": payload.get("supersedes"),
    }
    read = _window(canonical_json(payload).decode())
    assert (read is not None) == from_text
    assert read is None or read == parsed


@pytest.mark.parametrize(
    ("payload", "audit_id"),
    [
        ({"artifacts": [{"kind": "x"}], "audit_id": 12, "files": {}}, 12),
        ({"audit_id": 0, "gates": {"a": "PASS"}}, 0),
        ({"artifacts": [{"audit_id": 3}], "audit_id": 12}, None),  # twice: parsed
        ({"audit_id": "12"}, None),
        ({"audit_id": 1.0}, 1),  # canonical JSON writes 1.0 as 1, which parses as 1
        ({"a": "audit_id", "audit_id": 4}, None),  # a value first: parsed
        ({"a": "\\u0061", "audit_id": 4}, None),  # an escape could spell another key
        ({"b": {"audit_id": 1}, "audit_id": 4}, None),
    ],
)
def test_an_audit_id_read_from_its_text_is_what_parsing_reads(
    payload: dict[str, Any], audit_id: int | None
) -> None:
    from signoff._canonical import canonical_json
    from signoff.ledger._peek import _audit_id

    text = canonical_json(payload).decode()
    read = _audit_id(text)
    assert read == (None if audit_id is None else {"audit_id": audit_id})
    assert read is None or read["audit_id"] == json.loads(text)["audit_id"]


def test_the_fold_of_a_ledger_prefix_reads_what_parsed_events_fold_to(
    api: Any,
    world: Any,  # noqa: F811
    clock: FakeClock,
) -> None:
    """The prefix hands most audits and windows over unparsed (their payloads read from
    the text): folded, they read the same as the events parsed whole."""
    from signoff.ledger import ledger_prefix

    _more_history(api, clock)
    prefix = ledger_prefix(api.store)
    lazy = [e for e in prefix.events if hasattr(e.payload, "peek")]
    windows = [e for e in prefix.events if e.action == "monitor.window"]
    audits = [e for e in prefix.events if e.action == "audit.attached"]
    assert {e.seq for e in lazy} == {e.seq for e in audits + windows}  # none parsed yet
    assert _reads(Fold(prefix.events, keep=EVENT_ACTIONS)) == _reads(
        Fold(raw_events(api), keep=EVENT_ACTIONS)
    )


def test_the_audits_since_a_date_give_the_trends_and_status_of_every_audit(
    api: Any,
    world: Any,  # noqa: F811
    clock: FakeClock,
) -> None:
    """The report reads only the audits attached since its trends begin, and each
    version's first and latest: the trends from then on, the versions' order and their
    current audits are those every audit gives, at every month start of the world."""
    from signoff.portfolio._facts import Facts
    from signoff.portfolio._trends import compute_trends

    (first, *_) = [e for e in raw_events(api) if e.action == "audit.attached"]
    for days in (0, 1, 40):  # the first audit's version re-audited: two now, one later
        clock.advance(days=days)
        with api.core.write("alice") as unit:
            number = unit.repo.next_number("audit")
            unit.emit("audit.attached", first.subject, {**first.payload, "audit_id": number})
    fold = Fold(raw_events(api), keep=EVENT_ACTIONS)
    now = max(a.at for a in fold.audits) + dt.timedelta(days=1)
    every = Facts.read(fold, now=now, all_audits=True)
    months = sorted({a.at.replace(day=1, hour=0, minute=0, second=0) for a in fold.audits})
    assert len(months) >= 4
    for since in months:
        part = Facts.read(fold, now=now, audits=fold.audit_rows_since(since))
        assert len(part.audits) <= len(every.audits)
        assert list(part.by_version) == list(every.by_version)
        assert [v[-1] for v in part.by_version.values()] == [
            v[-1] for v in every.by_version.values()
        ]
        assert {a.id for a, _, _ in part.audits} >= {
            a.id for a, _, _ in every.audits if a.created_at and a.created_at >= since
        }

        def trends(facts: Facts, since: dt.datetime = since) -> dict[str, Any]:
            return compute_trends(
                facts,
                artifacts=api.core.artifacts,
                metrics=("roc_auc", "expected_calibration_error"),
                now=now,
                since=since,
            )

        assert trends(part) == trends(every)
    assert len(Facts.read(fold, now=now, audits=fold.audit_rows_since(months[-1])).audits) < len(
        every.audits
    )


def test_a_dropped_fold_and_snapshot_are_freed_at_once(
    api: Any,
    world: Any,  # noqa: F811
    clock: FakeClock,
) -> None:
    """A fold holds no reference cycle, so what ``--at`` read is freed when the snapshot
    ends — not left, every audit and window of the ledger, for the cyclic collector to
    walk (a third of a second at 200k events)."""
    import gc

    from signoff.ledger import ledger_prefix

    _more_history(api, clock)
    gc.collect()
    gc.disable()
    try:
        fold = Fold(ledger_prefix(api.store).events, keep=EVENT_ACTIONS)
        assert fold.audit_rows()
        assert fold.window_events(since=SINCE[0])
        del fold
        assert gc.collect() == 0
        with api.portfolio.snapshot(at=clock()) as snap:
            assert snap.facts.models
        del snap
        api.portfolio.view(at=clock())
        assert gc.collect() == 0
    finally:
        gc.enable()
