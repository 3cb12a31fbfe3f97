"""Reads for the portfolio: every version, every CR transition, events by action — each in
one query, whatever the number of models.

The portfolio computes the whole organisation's status at once, so it reads tables whole
(one statement each) instead of model by model.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CTE, Select, exists, func, select, true, union
from sqlalchemy.orm import aliased

from ._models import (
    AuditRow,
    ChangeRequestRow,
    CRTransitionRow,
    LedgerEventRow,
    ModelRow,
    MonitorWindowRow,
    StageTransitionRow,
    TeamRow,
    VersionRow,
)
from ._project_base import event_time
from ._reads import RegistryReads
from ._records import AuditRecord, ModelVersion

__all__ = ["CRTransition", "EventRecord", "PortfolioReads", "WindowEvent"]


@dataclass(frozen=True)
class EventRecord:
    """One ledger event as the portfolio reads it (the time parsed)."""

    seq: int
    at: dt.datetime
    actor: str
    action: str
    subject: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class CRTransition:
    """One state change of a change request."""

    cr: int
    from_state: str | None
    to_state: str
    at: dt.datetime
    seq: int


@dataclass(frozen=True)
class WindowEvent:
    """A ``monitor.window`` event and whether it is still in force (no later window of the
    ledger names it in ``supersedes``)."""

    event: EventRecord
    in_force: bool


class PortfolioReads(RegistryReads):
    """Whole-table reads (one statement each) for portfolio views."""

    def stage_holders(self, stages: Collection[str]) -> list[ModelVersion]:
        """The versions whose current stage is one of ``stages`` (two queries, one when
        no version holds them; the stage of every version is decided in SQL, only the
        holders are read)."""
        held = {row[0]: row[1] for row in self._session.execute(_held(stages))}
        if not held:
            return []
        return self._versions(VersionRow.id.in_(_held(stages, ids_only=True)), stages=held)

    def all_versions(self) -> list[ModelVersion]:
        """Every version of every model with its current stage, oldest first (two queries,
        whatever their number)."""
        last = (
            select(StageTransitionRow.version_id, func.max(StageTransitionRow.id).label("last"))
            .group_by(StageTransitionRow.version_id)
            .subquery()
        )
        stages = self._session.execute(
            select(StageTransitionRow.version_id, StageTransitionRow.to_stage).join(
                last, StageTransitionRow.id == last.c.last
            )
        )
        return self._versions(true(), stages={row[0]: row[1] for row in stages})

    def audit_rows(
        self, *, latest_only: bool = False, stages: Collection[str] | None = None
    ) -> list[tuple[AuditRecord, str, str]]:
        """Every audit (or each version's latest; of the versions now in one of ``stages``)
        with its model and team, by id (one query, plain columns: a hundred thousand audits
        read in well under a second)."""
        query = (
            select(
                AuditRow.id,
                VersionRow.version,
                AuditRow.results_sha256,
                AuditRow.manifest_sha256,
                AuditRow.policy_name,
                AuditRow.policy_version,
                AuditRow.verdict,
                AuditRow.gates,
                AuditRow.created_by,
                AuditRow.created_at,
                AuditRow.policy_sha256,
                ModelRow.name,
                TeamRow.name,
            )
            .join(VersionRow, AuditRow.version_id == VersionRow.id)
            .join(ModelRow, VersionRow.model_id == ModelRow.id)
            .join(TeamRow, ModelRow.team_id == TeamRow.id)
            .order_by(AuditRow.id)
        )
        held = None if stages is None else AuditRow.version_id.in_(_held(stages, ids_only=True))
        if latest_only:  # the latest of the held versions' audits only (not of every version)
            newest = select(func.max(AuditRow.id)).group_by(AuditRow.version_id)
            query = query.where(AuditRow.id.in_(newest if held is None else newest.where(held)))
        elif held is not None:
            query = query.where(held)
        return [(AuditRecord(*row[:11]), row[11], row[12]) for row in self._session.execute(query)]

    def cr_transitions(self) -> list[CRTransition]:
        """Every state change of every change request, oldest first (one query)."""
        rows = self._session.execute(
            select(
                CRTransitionRow.cr_id,
                CRTransitionRow.from_state,
                CRTransitionRow.to_state,
                CRTransitionRow.at,
                CRTransitionRow.ledger_seq,
            )
            .join(ChangeRequestRow, ChangeRequestRow.id == CRTransitionRow.cr_id)
            .order_by(CRTransitionRow.id)
        )
        return [CRTransition(*row) for row in rows]

    def events_by_action(self, actions: Collection[str]) -> list[EventRecord]:
        """The events whose action is one of ``actions``, oldest first (one query).

        Actions no projector knows (``monitor.window``, ``model.rolled_back`` …) are facts
        only the ledger holds; this reads them by name, so a reader works before and after
        the code that records them exists.
        """
        rows = self._session.execute(
            select(
                LedgerEventRow.seq,
                LedgerEventRow.ts,
                LedgerEventRow.actor,
                LedgerEventRow.action,
                LedgerEventRow.subject,
                LedgerEventRow.payload,
            )
            .where(LedgerEventRow.action.in_(sorted(actions)))
            .order_by(LedgerEventRow.seq)
        )
        return [
            EventRecord(seq, event_time(ts), actor, action, subject, json.loads(payload))
            for seq, ts, actor, action, subject, payload in rows
        ]

    def window_events(self, *, since: dt.datetime) -> list[WindowEvent]:
        """The ``monitor.window`` events the portfolio reads, oldest first (one statement,
        whatever the number of windows): each version's last window in force (the latest
        end, a window without one before any with; then the highest seq), every window in
        force recorded after ``since``, and every failed one (status ``error``), in force
        or not.  The ``monitor_windows`` projection picks them; their events are read."""
        w, other = MonitorWindowRow, aliased(MonitorWindowRow)
        versions = _window_versions()
        in_force = (other.version_id == versions.c.id, other.superseded_by.is_(None))
        # per version, the latest end, else (no window has one) the highest seq: each one
        # search of ix_monitor_windows_in_force from its end (PostgreSQL sorted every
        # version's windows for one ORDER BY window_end DESC NULLS LAST)
        with_end = (
            select(other.ledger_seq)
            .where(*in_force, other.window_end.is_not(None))
            .order_by(other.window_end.desc(), other.ledger_seq.desc())
            .limit(1)
            .correlate(versions)
            .scalar_subquery()
        )
        without = (
            select(other.ledger_seq)
            .where(*in_force, other.window_end.is_(None))
            .order_by(other.ledger_seq.desc())
            .limit(1)
            .correlate(versions)
            .scalar_subquery()
        )
        last = func.coalesce(with_end, without)
        # each wanted window with whether it is in force (the first two kinds are), so the
        # events are read by their key alone: joining monitor_windows again for it made
        # PostgreSQL hash the whole table
        wanted = union(
            select(last.label("seq"), true().label("in_force"))
            .select_from(versions)
            .where(versions.c.id.is_not(None)),
            select(w.ledger_seq, true()).where(w.superseded_by.is_(None), w.at > since),
            select(w.ledger_seq, w.superseded_by.is_(None)).where(w.status == "error"),
        ).subquery()
        rows = self._session.execute(
            select(
                LedgerEventRow.seq,
                LedgerEventRow.ts,
                LedgerEventRow.actor,
                LedgerEventRow.action,
                LedgerEventRow.subject,
                LedgerEventRow.payload,
                wanted.c.in_force,
            )
            .join(wanted, wanted.c.seq == LedgerEventRow.seq)
            .order_by(LedgerEventRow.seq)
        )
        return [
            WindowEvent(
                EventRecord(seq, event_time(ts), actor, action, subject, json.loads(payload)),
                bool(in_force),
            )
            for seq, ts, actor, action, subject, payload, in_force in rows
        ]

    def ledger_size(self) -> int:
        """How many events the ledger holds (its highest seq)."""
        return self._session.scalar(select(func.max(LedgerEventRow.seq))) or 0


def _window_versions() -> CTE:
    """The ids of the versions with a monitored window, ascending, then one NULL (a
    recursive walk of ix_monitor_windows_version_id: one search per version, where
    ``SELECT DISTINCT`` read every window's entry — 86,000 for 500 versions)."""
    after = aliased(MonitorWindowRow)
    walk = select(func.min(MonitorWindowRow.version_id).label("id")).cte(
        "window_versions", recursive=True
    )
    following = select(func.min(after.version_id)).where(after.version_id > walk.c.id)
    return walk.union_all(select(following.scalar_subquery()).where(walk.c.id.is_not(None)))


def _held(stages: Collection[str], *, ids_only: bool = False) -> Select[Any]:
    """The versions whose current stage (their last transition) is in ``stages``: each id
    with that stage (``ids_only``: the ids alone).

    A transition into one of ``stages`` with no later transition of its version: only
    those transitions are read, each checked once against its version's others (an anti
    join).  Taking every version's highest transition id first (GROUP BY) read the whole
    table and aggregated it, once per query that asks: twice the time on 10,000 versions.
    """
    later = aliased(StageTransitionRow)
    columns: list[Any] = [StageTransitionRow.version_id]
    if not ids_only:
        columns.append(StageTransitionRow.to_stage)
    return select(*columns).where(
        StageTransitionRow.to_stage.in_(sorted(stages)),
        ~exists().where(
            later.version_id == StageTransitionRow.version_id,
            later.id > StageTransitionRow.id,
        ),
    )
