"""The registry as it stood after a prefix of the ledger, folded in memory.

:class:`Fold` applies ledger events, oldest first, to plain Python state — the projector's
rules (:mod:`signoff.store._project`) for the tables the portfolio reads, without SQL or an
ORM — and answers the same reads as a :class:`Repository` (``models()``, ``crs()``,
``audit_rows()`` …) with the same records in the same order.  It moves forward only: apply
events up to one date, read, apply more, read again (the status at every month end of a
report costs one pass).  A test replays the same events through the projector into an
empty database and checks every read is equal at many cuts.

Two hundred thousand events fold in well under a second, where the projector, one
statement per row, needs minutes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from ._fold_reads import FoldReads
from ._fold_state import FoldedAudit, MutableCR, VersionFacts
from ._portfolio_reads import CRTransition, EventRecord
from ._project_base import Event, cr_number, event_time, number
from ._project_workflow import _emergency_risk
from ._records import (
    CRState,
    Decision,
    GovernanceRecord,
    Model,
    SignOff,
    WaiverRecord,
)

__all__ = ["Fold"]

WINDOW = "monitor.window"

#: How a fold applies one event: ``handler(fold, event, payload, time)``.
Handler = Callable[["Fold", Event, Mapping[str, Any], dt.datetime], None]


class Fold(FoldReads):
    """The portfolio's view of the registry, folded from ledger events in memory."""

    def __init__(self, events: Iterable[Event] = (), *, keep: Collection[str] = ()) -> None:
        """``keep``: actions whose events :meth:`events_by_action` returns (facts only the
        ledger holds: rollbacks, monitoring alerts).  Monitoring windows are always folded
        for :meth:`window_events`, and kept whole too only when named here."""
        super().__init__()
        self.kept = frozenset(keep)
        # the class's functions, not methods bound to this fold: a fold that held its own
        # methods would be a reference cycle, its million objects freed only by the cyclic
        # collector's next pass (a third of a second at 200k events), not when dropped
        cls = type(self)
        self._handlers: dict[str, Handler] = {
            **dict.fromkeys(self.kept, cls._event),
            "monitor.window": cls._window_kept if WINDOW in self.kept else cls._window,
            "model.registered": cls._model_registered,
            "version.added": cls._version_added,
            "version.stage_changed": cls._stage_changed,
            "audit.attached": cls._audit_attached,
            "cr.opened": cls._cr_opened,
            "emergency.opened": cls._cr_opened,
            "cr.signed": cls._cr_signed,
            "cr.risk_overridden": cls._risk_overridden,
            "emergency.reviewed": cls._emergency_reviewed,
            "waiver.requested": cls._waiver_requested,
            "waiver.granted": cls._waiver_granted,
            "governance.proposed": cls._governance_proposed,
            "governance.applied": cls._governance_decided,
            "governance.rejected": cls._governance_decided,
            **{f"cr.{state.value}": cls._cr_moved for state in CRState},
        }
        self.apply(events)

    # -- applying events ---------------------------------------------------------------
    def apply(self, events: Iterable[Event]) -> None:
        """Apply events (``seq``, ``ts``, ``actor``, ``action``, ``subject``, ``payload``),
        oldest first, as the projector applies them to the tables."""
        handlers = self._handlers
        times = self._times
        for e in events:
            handler = handlers.get(e.action)
            if handler is not None:
                at = times.get(e.ts)
                if at is None:
                    at = times[e.ts] = event_time(e.ts)
                handler(self, e, e.payload, at)
            self.seq = e.seq

    def _model_registered(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        self.models_[p["name"]] = Model(
            p["name"],
            p["owner"],
            p["team"],
            p["use_case"],
            p["risk_tier"],
            p.get("description", ""),
            at,
        )

    def _version_added(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        ref = f"{p['model']}@{p['version']}"
        self.versions[ref] = VersionFacts(e, p, at)
        self.stages[ref] = p.get("stage", "development")

    def _stage_changed(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        ref = e.subject.removeprefix("version:")
        self.stages[ref] = p["to"]

    def _audit_attached(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        of = self.refs.get(e.subject)
        if of is None:  # as the projector reads the subject
            model, _, version = e.subject.removeprefix("version:").partition("@")
            of = self.refs[e.subject] = (f"{model}@{version}", model, version)
        audit = FoldedAudit(e, p, at, of)  # its id read when a read needs it (most never)
        self.audits.append(audit)
        same = self.audited.get(of[0])
        if same is None:
            self.audited[of[0]] = [audit]
        else:
            same.append(audit)

    def _cr_opened(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        model, _, version = p["version"].partition("@")
        if e.action == "emergency.opened":
            keys = ("incident", "reason", "expires_at", "review_due_at")
            details: dict[str, Any] = {"emergency": {k: p[k] for k in keys if k in p}}
            risk = p.get("risk") or _emergency_risk(p["incident"])
        else:
            details, risk = dict(p.get("details") or {}), p["risk"]
        summary = p["summary"] if "summary" in p else f"EMERGENCY {p['incident']}: {p['reason']}"
        baseline = p["baseline"].partition("@")[2] if p.get("baseline") else None
        cr = cr_number(e.subject)
        self.crs_[cr] = MutableCR(
            cr, model, version, p["to_stage"], summary, e.actor, baseline, risk["level"], risk,
            list(p["required"]), details, p["governance_sha256"], p.get("governance_version"), at,
        )  # fmt: skip
        self._move(cr, None, "draft", at, e.seq)

    def _move(self, cr: int, source: str | None, to: str, at: dt.datetime, seq: int) -> None:
        self.transitions.append(CRTransition(cr, source, to, at, seq))
        state = self.crs_[cr]
        state.state, state.last_seq = to, seq

    def _cr_moved(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        self._move(cr_number(e.subject), p["from"], p["to"], at, e.seq)

    def _cr_signed(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        self.crs_[cr_number(e.subject)].signoffs.append(
            SignOff(
                p["user"],
                p["role"],
                Decision(p["decision"]),
                p["comment"],
                dict(p.get("evidence") or {}),
                at,
                e.seq,
            )
        )

    def _risk_overridden(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        row = self.crs_[cr_number(e.subject)]
        computed = row.risk.get("computed", row.risk)
        override = {"by": e.actor, "justification": p["justification"]}
        if p.get("approved_by"):
            override["approved_by"] = p["approved_by"]
        row.risk = {**computed, "level": p["to"], "computed": computed, "override": override}
        row.risk_level = p["to"]
        row.required = list(p["required"])
        row.last_seq = max(row.last_seq, e.seq)  # an override changes the CR (its ETag)

    def _emergency_reviewed(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        self.crs_[cr_number(e.subject)].review = {
            "findings": p["findings"],
            "actions": p["actions"],
            "reviewer": e.actor,
            "at": at.isoformat(),
        }

    def _waiver_requested(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        model, _, version = e.subject.removeprefix("version:").partition("@")
        until = dt.datetime.fromisoformat(p["until"])
        if until.tzinfo is None:
            raise ValueError("timestamps must be time-zone aware")  # as the table refuses it
        w = number(p["waiver"])
        self.waivers_[w] = WaiverRecord(
            w, model, version, p["gate"], p["reason"], until.astimezone(dt.UTC), e.actor,
            None, None, at,
        )  # fmt: skip

    def _waiver_granted(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        w = self.waivers_[number(p["waiver"])]
        self.waivers_[w.number] = WaiverRecord(
            w.number, w.model, w.version, w.gate, w.reason, w.until, w.requested_by,
            e.actor, at, w.created_at,
        )  # fmt: skip

    def _governance_proposed(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        g = number(e.subject)
        self.governance_[g] = GovernanceRecord(
            g, p["sha256"], p["name"], p["version"], dict(p["document"]), dict(p["policies"]),
            "proposed", e.actor, None, at, None,
        )  # fmt: skip

    def _governance_decided(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        g = self.governance_[number(e.subject)]
        state = "applied" if e.action == "governance.applied" else "rejected"
        self.governance_[g.number] = GovernanceRecord(
            g.number, g.sha256, g.name, g.label, g.document, g.policies, state,
            g.proposed_by, e.actor, g.created_at, at,
        )  # fmt: skip

    def _event(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        self.events.append(EventRecord(e.seq, at, e.actor, e.action, e.subject, dict(p)))

    def _window_kept(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        self._window(e, p, at)
        self._event(e, p, at)
