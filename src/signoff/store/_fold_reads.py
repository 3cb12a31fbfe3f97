"""The reads of :class:`~signoff.store._fold.Fold`: the same records, in the same order,
as :class:`~signoff.store.Repository`'s reads of the tables the projector writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from operator import attrgetter

from ..errors import NotFound
from ._fold_state import FoldedAudit
from ._fold_windows import FoldWindows
from ._portfolio_reads import CRTransition, EventRecord
from ._records import (
    AuditRecord,
    CRRecord,
    CRState,
    GovernanceRecord,
    Model,
    ModelVersion,
    RequiredSignOff,
    WaiverRecord,
)

__all__ = ["FoldReads"]


#: An audit's id, once :meth:`FoldedAudit.identify` has read it.
_id = attrgetter("id")


NO_GOVERNANCE = "no governance version G-{number}"
NOT_KEPT = "the fold did not keep the events of {actions}: name them in keep="


class FoldReads(FoldWindows):
    """Repository-shaped reads of the folded state."""

    #: The actions whose events are kept (set by the fold).
    kept: frozenset[str] = frozenset()

    def models(self) -> list[Model]:
        """The inventory, by name."""
        return [self.models_[name] for name in sorted(self.models_)]

    def stage_holders(self, stages: Collection[str]) -> list[ModelVersion]:
        """The versions whose current stage is one of ``stages``, oldest first."""
        return [
            v.record(self.stages[ref])
            for ref, v in self.versions.items()
            if self.stages[ref] in stages
        ]

    def _latest(self, ref: str) -> FoldedAudit:
        """The version's audit of the highest id (the first of equals), kept as the fold
        moves on: only the audits attached since the last read of it are read."""
        audits = self.audited[ref]
        seen, best = self.latest.get(ref, (0, audits[0].identify()))
        for audit in audits[seen:]:
            if best.id < audit.identify().id:
                best = audit
        self.latest[ref] = (len(audits), best)
        return best

    def audit_rows(
        self, *, latest_only: bool = False, stages: Collection[str] | None = None
    ) -> list[tuple[AuditRecord, str, str]]:
        """Every audit (or each version's latest: the first of the highest id; of the
        versions now in one of ``stages``) with its model and team, by id (each record made
        when first read: a payload is parsed only if its audit is read; an audit's id is
        read only if its version is)."""
        held = self.stages
        found: list[FoldedAudit]
        if latest_only:
            found = [
                self._latest(ref) for ref in self.audited if stages is None or held[ref] in stages
            ]
        else:
            found = [a.identify() for a in self.audits]
            if stages is not None:
                found = [a for a in found if held[a.ref] in stages]
        models = self.models_
        return [
            (audit.record(), audit.model, models[audit.model].team)
            for audit in sorted(found, key=_id)
        ]

    def audit_rows_since(self, since: dt.datetime) -> list[tuple[AuditRecord, str, str]]:
        """As :meth:`audit_rows`, but only the audits attached at or after ``since`` and
        each version's first and latest (which order the versions and give their current
        audit): what trends from ``since`` and the status read of all audits, the older
        audits' payloads left unparsed."""
        every = [a.identify() for a in self.audits]
        wanted: set[int] = set()
        for audits in self.audited.values():  # the first of the lowest id, and the latest
            wanted.update((id(min(audits, key=_id)), id(max(audits, key=_id))))
        models = self.models_
        return [
            (audit.record(), audit.model, models[audit.model].team)
            for audit in sorted(every, key=_id)
            if audit.at >= since or id(audit) in wanted
        ]

    def crs(self) -> list[CRRecord]:
        """Change requests, newest first."""
        return [
            CRRecord(
                number=c.number,
                model=c.model,
                version=c.version,
                to_stage=c.to_stage,
                state=CRState(c.state),
                summary=c.summary,
                requester=c.requester,
                baseline=c.baseline,
                risk_level=c.risk_level,
                risk=dict(c.risk),
                required=tuple(
                    RequiredSignOff(r["role"], int(r.get("count", 1))) for r in c.required
                ),
                details=dict(c.details),
                governance_sha256=c.governance_sha256,
                governance_version=c.governance_version,
                created_at=c.created_at,
                opened_seq=0,
                signoffs=tuple(c.signoffs),
                review=c.review,
                last_seq=c.last_seq,
            )
            for _, c in sorted(self.crs_.items(), reverse=True)
        ]

    def cr_transitions(self) -> list[CRTransition]:
        """Every state change of every change request, oldest first."""
        return list(self.transitions)

    def waivers(self) -> list[WaiverRecord]:
        """Every waiver, oldest first."""
        return [self.waivers_[n] for n in sorted(self.waivers_)]

    def events_by_action(self, actions: Collection[str]) -> list[EventRecord]:
        """The events whose action is one of ``actions`` (all of them kept), oldest first."""
        if not set(actions) <= self.kept:
            raise ValueError(NOT_KEPT.format(actions=sorted(set(actions) - self.kept)))
        return [e for e in self.events if e.action in actions]

    def governance_versions(self, *, state: str | None = None) -> list[GovernanceRecord]:
        """Governance versions, oldest first."""
        found = [self.governance_[n] for n in sorted(self.governance_)]
        return [g for g in found if state is None or g.state == state]

    def governance(self, number: int) -> GovernanceRecord:
        """One governance version; NotFound when absent."""
        if number not in self.governance_:
            raise NotFound(NO_GOVERNANCE.format(number=number))
        return self.governance_[number]

    def ledger_size(self) -> int:
        """The seq of the last event applied."""
        return self.seq
