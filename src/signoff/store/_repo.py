"""Reads: rows in, frozen records out, in a constant number of queries per call.

A :class:`Repository` wraps one open session (a transaction the caller holds);
services get it from a unit of work and never see the session.  Names are looked
up case-insensitively after NFKC normalisation (``Alice`` is ``alice``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..errors import NotFound
from ._models import (
    ChangeRequestRow,
    CRTransitionRow,
    EmergencyReviewRow,
    GovernanceVersionRow,
    LedgerEventRow,
    ModelRow,
    SignOffRow,
    VersionRow,
    WaiverRow,
)
from ._monitor import MonitorReads
from ._portfolio_reads import PortfolioReads
from ._reads_tokens import TokenReads
from ._records import (
    CRRecord,
    CRState,
    Decision,
    GovernanceRecord,
    RequiredSignOff,
    SignOff,
    VersionRef,
    WaiverRecord,
)

__all__ = ["Repository"]

UNKNOWN_USER = "no user named {name!r} (users: {known})"
UNKNOWN_MODEL = "no model named {name!r}; registered models: {known}"
UNKNOWN_VERSION = "no version {ref}; versions of {model}: {known}"
NO_CR = "no change request CR-{number}"
NO_WAIVER = "no waiver W-{number}"
NO_GOVERNANCE = "no governance version G-{number}"


class Repository(PortfolioReads, MonitorReads, TokenReads):
    """Typed reads over one open transaction: the registry's, plus change requests,
    waivers, governance versions and facts that live only in the ledger."""

    # -- change requests ---------------------------------------------------------------
    def cr(self, number: int) -> CRRecord:
        """One change request; NotFound when absent."""
        found = self.crs(numbers=[number])
        if not found:
            raise NotFound(NO_CR.format(number=number))
        return found[0]

    def crs(
        self,
        *,
        numbers: Sequence[int] | None = None,
        model: str | None = None,
        version: VersionRef | None = None,
        requester: str | None = None,
        states: Sequence[str] | None = None,
        emergency_only: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[CRRecord]:
        """Change requests, newest first, filtered in SQL (five queries whatever their number,
        six when one of them had its risk overridden);
        ``limit``/``offset``: one page of them, paged in SQL too."""
        query = self._cr_query(numbers, model, version, requester, states, emergency_only)
        if limit is not None or offset:
            query = query.limit(limit).offset(offset)
        rows = self._session.execute(query).all()
        ids = [r[0].id for r in rows]
        signoffs = self._signoffs(ids)
        reviews = self._reviews(ids)
        overridden = self._overridden([r[0].id for r in rows if "override" in r[0].risk])
        return [
            CRRecord(
                number=cr.id,
                model=model_name,
                version=version_name,
                to_stage=cr.to_stage,
                state=CRState(state),
                summary=cr.summary,
                requester=cr.requester,
                baseline=baseline,
                risk_level=cr.risk_level,
                risk=dict(cr.risk),
                required=tuple(
                    RequiredSignOff(r["role"], int(r.get("count", 1)))
                    for r in cr.required.get("rules", [])
                ),
                details=dict(cr.details),
                governance_sha256=cr.governance_sha256,
                governance_version=cr.governance_version,
                created_at=cr.created_at,
                opened_seq=0,
                signoffs=signoffs.get(cr.id, ()),
                review=reviews.get(cr.id),
                last_seq=max(last_seq, overridden.get(cr.id, 0)),
            )
            for cr, model_name, version_name, baseline, state, last_seq in rows
        ]

    def cr_count(
        self,
        *,
        requester: str | None = None,
        states: Sequence[str] | None = None,
        emergency_only: bool = False,
    ) -> int:
        """How many change requests :meth:`crs` lists with these filters (one query)."""
        query = self._cr_query(None, None, None, requester, states, emergency_only)
        counted = select(func.count()).select_from(query.order_by(None).subquery())
        return self._session.scalar(counted) or 0

    def _cr_query(
        self,
        numbers: Sequence[int] | None,
        model: str | None,
        version: VersionRef | None,
        requester: str | None,
        states: Sequence[str] | None,
        emergency_only: bool,
    ) -> Any:
        base = aliased(VersionRow)
        latest = (
            select(CRTransitionRow.cr_id, func.max(CRTransitionRow.id).label("last"))
            .group_by(CRTransitionRow.cr_id)
            .subquery()
        )
        query = (
            select(
                ChangeRequestRow,
                ModelRow.name,
                VersionRow.version,
                base.version,
                CRTransitionRow.to_state,
                CRTransitionRow.ledger_seq,
            )
            .join(VersionRow, VersionRow.id == ChangeRequestRow.version_id)
            .join(ModelRow, ModelRow.id == VersionRow.model_id)
            .outerjoin(base, base.id == ChangeRequestRow.baseline_version_id)
            .join(latest, latest.c.cr_id == ChangeRequestRow.id)
            .join(CRTransitionRow, CRTransitionRow.id == latest.c.last)
            .order_by(ChangeRequestRow.id.desc())
        )
        if numbers is not None:
            query = query.where(ChangeRequestRow.id.in_(list(numbers)))
        if model is not None:
            query = query.where(ModelRow.name == model)
        if version is not None:
            query = query.where(
                ModelRow.name == version.model, VersionRow.version == version.version
            )
        if requester is not None:
            query = query.where(ChangeRequestRow.requester == requester)
        if states is not None:
            query = query.where(CRTransitionRow.to_state.in_(list(states)))
        if emergency_only:
            query = query.where(ChangeRequestRow.risk_level == "emergency")
        return query

    def _overridden(self, ids: list[int]) -> dict[int, int]:
        """The seq of each CR's last risk override: it changes the CR (its ETag) too
        (asked only for CRs whose risk records an override, so usually no query)."""
        if not ids:
            return {}
        rows = self._session.execute(
            select(LedgerEventRow.subject, func.max(LedgerEventRow.seq))
            .where(
                LedgerEventRow.action == "cr.risk_overridden",
                LedgerEventRow.subject.in_([f"CR-{n}" for n in ids]),
            )
            .group_by(LedgerEventRow.subject)
        )
        return {int(subject.removeprefix("CR-")): seq for subject, seq in rows}

    def _signoffs(self, ids: list[int]) -> dict[int, tuple[SignOff, ...]]:
        if not ids:
            return {}
        out: dict[int, list[SignOff]] = defaultdict(list)
        for r in self._session.scalars(
            select(SignOffRow).where(SignOffRow.cr_id.in_(ids)).order_by(SignOffRow.id)
        ):
            out[r.cr_id].append(
                SignOff(
                    r.user,
                    r.role,
                    Decision(r.decision),
                    r.comment,
                    dict(r.evidence),
                    r.at,
                    r.ledger_seq,
                )
            )
        return {k: tuple(v) for k, v in out.items()}

    def _reviews(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        if not ids:
            return {}
        rows = self._session.scalars(
            select(EmergencyReviewRow).where(EmergencyReviewRow.cr_id.in_(ids))
        )
        return {
            r.cr_id: {
                "findings": r.findings,
                "actions": r.actions,
                "reviewer": r.reviewer,
                "at": r.at.isoformat(),
            }
            for r in rows
        }

    def cr_states_at(self, number: int, seq: int) -> str | None:
        """The CR's state just after ledger event ``seq``."""
        state: str | None = self._session.scalar(
            select(CRTransitionRow.to_state)
            .where(CRTransitionRow.cr_id == number, CRTransitionRow.ledger_seq <= seq)
            .order_by(CRTransitionRow.id.desc())
            .limit(1)
        )
        return state

    def reached(self, state: str) -> dict[int, tuple[dt.datetime, int]]:
        """``{cr number: (when, seq)}`` of the last time each CR entered ``state`` (one query)."""
        rows = self._session.execute(
            select(CRTransitionRow.cr_id, CRTransitionRow.at, CRTransitionRow.ledger_seq)
            .where(CRTransitionRow.to_state == state)
            .order_by(CRTransitionRow.id)
        )
        return {cr: (at, seq) for cr, at, seq in rows}

    def deployed_crs(self, model: str, stage: str) -> list[tuple[CRRecord, int]]:
        """CRs of ``model`` that were deployed to ``stage``, newest deploy first, with its seq."""
        rows = self._session.execute(
            select(CRTransitionRow.cr_id, CRTransitionRow.ledger_seq)
            .join(ChangeRequestRow, ChangeRequestRow.id == CRTransitionRow.cr_id)
            .join(VersionRow, VersionRow.id == ChangeRequestRow.version_id)
            .join(ModelRow, ModelRow.id == VersionRow.model_id)
            .where(
                ModelRow.name == model,
                ChangeRequestRow.to_stage == stage,
                CRTransitionRow.to_state == "deployed",
            )
            .order_by(CRTransitionRow.id.desc())
        ).all()
        crs = {c.number: c for c in self.crs(numbers=[n for n, _ in rows])}
        return [(crs[n], seq) for n, seq in rows]

    # -- waivers -----------------------------------------------------------------------
    def waivers(
        self, ref: VersionRef | None = None, *, number: int | None = None
    ) -> list[WaiverRecord]:
        """Waivers of a version (or the one numbered), oldest first."""
        query = (
            select(WaiverRow, ModelRow.name, VersionRow.version)
            .join(VersionRow, VersionRow.id == WaiverRow.version_id)
            .join(ModelRow, ModelRow.id == VersionRow.model_id)
            .order_by(WaiverRow.id)
        )
        if ref is not None:
            query = query.where(WaiverRow.version_id == self._version_id(ref))
        if number is not None:
            query = query.where(WaiverRow.id == number)
        return [
            WaiverRecord(
                w.id,
                m,
                v,
                w.gate,
                w.reason,
                w.until,
                w.requested_by,
                w.granted_by,
                w.granted_at,
                w.created_at,
            )
            for w, m, v in self._session.execute(query)
        ]

    def waiver(self, number: int) -> WaiverRecord:
        """One waiver; NotFound when absent."""
        found = self.waivers(number=number)
        if not found:
            raise NotFound(NO_WAIVER.format(number=number))
        return found[0]

    # -- governance --------------------------------------------------------------------
    def governance_versions(self, *, state: str | None = None) -> list[GovernanceRecord]:
        """Governance versions, oldest first."""
        query = select(GovernanceVersionRow).order_by(GovernanceVersionRow.id)
        if state is not None:
            query = query.where(GovernanceVersionRow.state == state)
        return [
            GovernanceRecord(
                g.id,
                g.sha256,
                g.name,
                g.label,
                dict(g.document),
                dict(g.policies),
                g.state,
                g.proposed_by,
                g.decided_by,
                g.created_at,
                g.decided_at,
            )
            for g in self._session.scalars(query)
        ]

    def governance(self, number: int) -> GovernanceRecord:
        """One governance version; NotFound when absent."""
        for g in self.governance_versions():
            if g.number == number:
                return g
        raise NotFound(NO_GOVERNANCE.format(number=number))

    # -- the ledger, for facts that are only events ------------------------------------
    def evidence_seq(self, ref: VersionRef) -> int:
        """The seq of the last event that changed ``ref``'s evidence (audit, artifact, waiver)."""
        seq = self._session.scalar(
            select(func.max(LedgerEventRow.seq)).where(
                LedgerEventRow.subject == f"version:{ref}",
                LedgerEventRow.action.in_(("audit.attached", "artifact.added", "waiver.granted")),
            )
        )
        return seq or 0

    def evidence_seqs(self) -> dict[str, int]:
        """``{"version:m@v": seq}`` of the last evidence change of every version (one query)."""
        rows = self._session.execute(
            select(LedgerEventRow.subject, func.max(LedgerEventRow.seq))
            .where(
                LedgerEventRow.action.in_(("audit.attached", "artifact.added", "waiver.granted"))
            )
            .group_by(LedgerEventRow.subject)
        )
        return {row[0]: row[1] for row in rows}

    def events(
        self, subject: str, actions: Sequence[str]
    ) -> list[tuple[int, str, str, dict[str, Any]]]:
        """``(seq, actor, action, payload)`` of the events about ``subject``, oldest first."""
        import json

        rows = self._session.execute(
            select(
                LedgerEventRow.seq,
                LedgerEventRow.actor,
                LedgerEventRow.action,
                LedgerEventRow.payload,
            )
            .where(LedgerEventRow.subject == subject, LedgerEventRow.action.in_(list(actions)))
            .order_by(LedgerEventRow.seq)
        )
        return [(seq, actor, action, json.loads(payload)) for seq, actor, action, payload in rows]

    def seen(self, subject: str, action: str) -> bool:
        """Whether an event with this subject and action exists."""
        found = self._session.scalar(
            select(LedgerEventRow.seq)
            .where(LedgerEventRow.subject == subject, LedgerEventRow.action == action)
            .limit(1)
        )
        return found is not None

    def unreviewed_emergencies(self) -> list[CRRecord]:
        """Emergency changes without a post-incident review (callers check due dates)."""
        return [c for c in self.crs(emergency_only=True) if c.review is None]
