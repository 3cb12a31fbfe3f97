"""The projector's handlers for monitoring: reference profiles and monitored windows.

See :mod:`signoff.store._project`.  A window event may name the earlier record of the
same window it supersedes (a re-run with late labels); that row is marked, not
removed, so both stay in the history.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ._models import MonitorBaselineRow, MonitorWindowRow
from ._project_base import Event, event_time, version_id

__all__ = ["MONITOR_HANDLERS"]


def _moment(text: str | None) -> dt.datetime | None:
    return event_time(text) if text else None


def _baseline(session: Session, e: Event, at: dt.datetime) -> None:
    p = e.payload
    session.add(
        MonitorBaselineRow(
            ledger_seq=e.seq,
            version_id=version_id(session, e.subject),
            profile_sha256=p["profile_sha256"],
            config_sha256=p["config_sha256"],
            reference=dict(p["reference"]),
            rows=int(p["rows"]),
            actor=e.actor,
            at=at,
        )
    )


def _window(session: Session, e: Event, at: dt.datetime) -> None:
    p = e.payload
    window = p["window"]
    session.add(
        MonitorWindowRow(
            ledger_seq=e.seq,
            version_id=version_id(session, e.subject),
            window_start=_moment(window.get("start")),
            window_end=_moment(window.get("end")),
            rows=int(p["rows"]),
            status=p["status"],
            failed_gates=list(p["failed_gates"]),
            label_coverage=p.get("label_coverage"),
            profile_sha256=p["profile_sha256"],
            results_sha256=p["results_sha256"],
            batch_sha256=p["batch_sha256"],
            config_sha256=p["config_sha256"],
            superseded_by=None,
            actor=e.actor,
            at=at,
        )
    )
    if p.get("supersedes") is not None:
        found = session.scalar(
            select(MonitorWindowRow.id).where(MonitorWindowRow.ledger_seq == p["supersedes"])
        )
        assert found is not None, f"projector: no monitor window at seq {p['supersedes']}"
        session.execute(
            update(MonitorWindowRow).where(MonitorWindowRow.id == found).values(superseded_by=e.seq)
        )


MONITOR_HANDLERS = {"monitor.baseline": _baseline, "monitor.window": _window}
