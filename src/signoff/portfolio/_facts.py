"""Everything the portfolio needs, read from one registry in a fixed number of statements.

The live tables and a replay of a ledger prefix are both :class:`~signoff.store.Repository`
objects, so the portfolio *now* and *as of a date* are the same computation on different
reads.  Facts that are only events (monitoring alerts, rollbacks) are read from the ledger
by action name; of the monitoring windows, only those the portfolio needs (each version's
last one in force, the last day's, the failed ones).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..store import (
    AuditRecord,
    CRRecord,
    CRTransition,
    EventRecord,
    GovernanceRecord,
    Model,
    ModelVersion,
    WaiverRecord,
    WindowEvent,
)

__all__ = ["EVENT_ACTIONS", "RECENT", "FactSource", "Facts", "MonitorWindow"]

#: Ledger actions the portfolio reads as events (no table holds them); monitoring windows
#: are read apart (:meth:`FactSource.window_events`).
EVENT_ACTIONS = ("model.rolled_back", "monitor.alert")
#: The stages whose versions the status reads (with their latest audit only).
HELD = ("production", "staging")
#: Monitoring coverage counts the windows recorded in this span before now.
RECENT = dt.timedelta(hours=24)


class FactSource(Protocol):
    """What the portfolio reads: the live tables (a :class:`~signoff.store.Repository`) or
    a ledger prefix folded in memory (a :class:`~signoff.store.Fold`) — the same records."""

    def models(self) -> list[Model]: ...
    def stage_holders(self, stages: Collection[str]) -> list[ModelVersion]: ...
    def audit_rows(
        self, *, latest_only: bool = False, stages: Collection[str] | None = None
    ) -> list[tuple[AuditRecord, str, str]]: ...
    def crs(self) -> list[CRRecord]: ...
    def cr_transitions(self) -> list[CRTransition]: ...
    def waivers(self) -> list[WaiverRecord]: ...
    def events_by_action(self, actions: Collection[str]) -> list[EventRecord]: ...
    def window_events(self, *, since: dt.datetime) -> list[WindowEvent]: ...
    def governance(self, number: int) -> GovernanceRecord: ...
    def governance_versions(self, *, state: str | None = None) -> list[GovernanceRecord]: ...


@dataclass(frozen=True)
class MonitorWindow:
    """One recorded monitoring window of a model version."""

    seq: int
    at: dt.datetime
    model: str
    version: str
    start: str | None
    end: str | None
    status: str
    failed_gates: tuple[dict[str, Any], ...]
    supersedes: int | None
    end_at: dt.datetime | None  # ``end`` as a time (None: none or not a time)

    @classmethod
    def from_event(cls, e: EventRecord) -> MonitorWindow:
        """From a ``monitor.window`` event's payload."""
        p = e.payload
        window = p.get("window") or {}
        supersedes = p.get("supersedes")
        return cls(
            e.seq,
            e.at,
            str(p.get("model", e.subject.removeprefix("model:"))),
            str(p.get("version", "")),
            window.get("start"),
            window.get("end"),
            str(p.get("status", "")),
            tuple(g for g in p.get("failed_gates") or () if isinstance(g, dict)),
            supersedes if isinstance(supersedes, int) else None,
            _moment(window.get("end")),
        )


def _moment(text: Any) -> dt.datetime | None:
    """An ISO time as the projector reads a window's end (naive: taken as UTC)."""
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Facts:
    """The registry's models, versions, audits, CRs, waivers and event facts."""

    models: list[Model]
    held: list[ModelVersion]  # the versions now in production or staging
    #: (audit, model, team): all, or the latest of each version in production or staging
    audits: list[tuple[AuditRecord, str, str]]
    crs: list[CRRecord]
    transitions: list[CRTransition]
    waivers: list[WaiverRecord]
    events: list[EventRecord]  # rollbacks and monitoring alerts
    window_events: list[WindowEvent]  # the monitoring windows the portfolio reads
    by_version: dict[str, list[AuditRecord]] = field(default_factory=dict)
    cr_moves: dict[int, list[CRTransition]] = field(default_factory=dict)
    #: Monitoring windows by the seq of their event (shared by the snapshots of a report).
    window_cache: dict[int, MonitorWindow] = field(default_factory=dict)
    in_force: list[list[MonitorWindow]] = field(default_factory=list)  # windows(), once

    @classmethod
    def read(
        cls,
        repo: FactSource,
        *,
        now: dt.datetime,
        all_audits: bool = False,
        window_cache: dict[int, MonitorWindow] | None = None,
        audits: list[tuple[AuditRecord, str, str]] | None = None,
    ) -> Facts:
        """A dozen statements, whatever the number of models; every audit (trends) or only
        the latest of each version in production or staging (the status); the monitoring
        windows the status and trends read as of ``now``. ``window_cache``: windows already
        read (the month ends of a report share them); ``audits``: the audits already read
        (instead of ``all_audits``: a report's trends need only the recent ones)."""
        facts = cls(
            repo.models(),
            repo.stage_holders(HELD),
            audits
            if audits is not None
            else repo.audit_rows()
            if all_audits
            else repo.audit_rows(latest_only=True, stages=HELD),
            repo.crs(),
            repo.cr_transitions(),
            repo.waivers(),
            repo.events_by_action(EVENT_ACTIONS),
            repo.window_events(since=now - RECENT),
            window_cache={} if window_cache is None else window_cache,
        )
        for audit, model, _ in facts.audits:
            facts.by_version.setdefault(f"{model}@{audit.version}", []).append(audit)
        for move in facts.transitions:
            facts.cr_moves.setdefault(move.cr, []).append(move)
        return facts

    # -- derived views -----------------------------------------------------------------
    def holders(self, stage: str) -> dict[str, ModelVersion]:
        """The version of each model now in ``stage``."""
        held: dict[str, ModelVersion] = {}
        for v in self.held:
            if v.stage == stage:
                held[v.model] = v
        return held

    def latest_audit(self, model: str, version: str) -> AuditRecord | None:
        """The version's latest attached audit."""
        found = self.by_version.get(f"{model}@{version}")
        return found[-1] if found else None

    def waivers_of(self, model: str, version: str) -> list[WaiverRecord]:
        """A version's waivers, oldest first."""
        return [w for w in self.waivers if w.model == model and w.version == version]

    def crs_by_model(self) -> dict[str, list[CRRecord]]:
        """Each model's CRs, oldest first."""
        out: dict[str, list[CRRecord]] = defaultdict(list)
        for cr in sorted(self.crs, key=lambda c: c.number):
            out[cr.model].append(cr)
        return out

    def first_time(self, cr: int, state: str) -> dt.datetime | None:
        """When the CR first entered ``state`` (None: never)."""
        return next((m.at for m in self.cr_moves.get(cr, ()) if m.to_state == state), None)

    def last_time(self, cr: int, state: str) -> dt.datetime | None:
        """When the CR last entered ``state`` (None: never)."""
        times = [m.at for m in self.cr_moves.get(cr, ()) if m.to_state == state]
        return times[-1] if times else None

    def windows(self) -> list[MonitorWindow]:
        """The monitoring windows read that are still in force, oldest first: each
        version's last one and those of the last day (enough for the status and the
        coverage; no window a later one supersedes)."""
        if self.in_force:
            return self.in_force[0]
        cache = self.window_cache
        windows = []
        for found in self.window_events:
            e = found.event
            if found.in_force:
                if e.seq not in cache:
                    cache[e.seq] = MonitorWindow.from_event(e)
                windows.append(cache[e.seq])
        self.in_force.append(windows)
        return windows

    def failed_windows(self) -> list[EventRecord]:
        """Every window that failed (status ``error``), superseded or not, oldest first."""
        return [w.event for w in self.window_events if w.event.payload.get("status") == "error"]

    def of_action(self, action: str) -> list[EventRecord]:
        """The events of one action, oldest first."""
        return [e for e in self.events if e.action == action]
