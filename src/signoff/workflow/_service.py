"""Change requests: open, submit, read (signing: ``_sign``; risk overrides: ``_override``).

Every rule lives here, in the core, so the CLI, the Python API and a server inherit
it; each write runs in one unit of work under the registry's write lock, taken before
anything it decides on is read.  A CR is judged by the governance version in force
when it was opened.  Refusals are exit 4 and are themselves recorded in the ledger.
"""

from __future__ import annotations

import json
from typing import Any

from .._results import overall_value
from ..errors import WorkflowRefused
from ..registry import Core, Unit
from ..store import ModelVersion, VersionRef
from ._deploy import deploy_rows
from ._domain import ChangeRequest, cr_id, cr_number
from ._readiness import Prefetched, missing_for, view
from ._risk import RiskThresholds, VersionFacts, rate_change
from ._rules import Rules, rules_in_force
from ._support import (
    check_revision,
    cr_rules,
    cr_view,
    guarded,
    move,
    only_requester,
    plain,
    refuse,
)

__all__ = ["ChangeRequestServices"]

ALREADY_THERE = "{ref} is already in {stage}"


class ChangeRequestServices:
    """Open, submit and read change requests."""

    def __init__(self, core: Core) -> None:
        self._core = core

    # -- helpers -----------------------------------------------------------------------
    def _facts(self, unit: Unit, version: ModelVersion, rules: Rules) -> VersionFacts:
        audits = unit.repo.audits(version.ref)
        metrics: dict[str, float] = {}
        if audits:
            results = json.loads(self._core.artifacts.get(audits[-1].results_sha256))
            for name in rules.governance.risk.key_metrics:
                value = overall_value(results, name)  # user content: any shape
                if value is not None:
                    metrics[name] = value
        return VersionFacts(
            version.feature_schema,
            version.training_data_sha256,
            version.training_data_source,
            version.objective,
            version.hyperparameters,
            metrics,
        )

    # -- open and submit ---------------------------------------------------------------
    def open_cr(
        self,
        ref: VersionRef,
        *,
        to_stage: str,
        summary: str,
        actor: str,
        details: dict[str, Any] | None = None,
    ) -> ChangeRequest:
        """Open a CR (state ``draft``) with its computed risk rating and required sign-offs."""
        with self._core.write(actor) as unit:
            rules = rules_in_force(unit.repo, self._core.artifacts)
            rules.check_stage(to_stage)
            version = unit.repo.version(ref)
            if version.stage == to_stage:
                raise WorkflowRefused(ALREADY_THERE.format(ref=ref, stage=to_stage))
            model = unit.repo.model(ref.model)
            baseline = unit.repo.holder(ref.model, to_stage)
            risk = rules.governance.risk
            rating = rate_change(
                self._facts(unit, version, rules),
                self._facts(unit, baseline, rules) if baseline else None,
                model_risk_tier=model.risk_tier,  # type: ignore[arg-type]
                use_case=model.use_case,
                thresholds=RiskThresholds(
                    low_shift=risk.low_shift,
                    high_shift=risk.high_shift,
                    key_metrics=risk.key_metrics,
                ),
            )
            required = [r.model_dump() for r in rules.governance.approvals[rating.level]]
            number = unit.repo.next_number("cr")
            unit.emit(
                "cr.opened",
                cr_id(number),
                {
                    "version": str(ref),
                    "to_stage": to_stage,
                    "summary": summary,
                    "required": required,
                    "baseline": str(baseline.ref) if baseline else None,
                    "governance_sha256": rules.sha256,
                    "governance_version": rules.number,
                    "risk": rating.to_dict(),
                    "details": plain(details or {}),
                },
            )
            return cr_view(unit, self._core, number)

    def submit(self, cr: str, *, actor: str, if_match: int | None = None) -> ChangeRequest:
        """Submit for review once every readiness check passes; else list what is missing.

        ``if_match``: the revision the caller read; refused when the CR moved on since.
        """

        def work() -> ChangeRequest:
            with self._core.write(actor) as unit:
                record = unit.repo.cr(cr_number(cr))
                check_revision(unit, self._core, record, if_match)
                only_requester(unit, record, "submit")
                rules = cr_rules(unit, self._core, record)
                ref = VersionRef(record.model, record.version)
                missing = missing_for(
                    unit.repo, self._core.artifacts, rules, ref, record.to_stage, unit.now
                )
                if missing:
                    raise refuse("not_ready", cr=cr_id(record.number), items=missing)
                move(unit, self._core, record, "submitted", {})
                rule = rules.governance.stages[record.to_stage]
                if rule.promotion == "automatic":
                    auto = f"stages.{record.to_stage}.promotion is automatic; checks passed"
                    why = {"automatic": auto}
                    move(unit, self._core, record, "in_review", why)
                    move(unit, self._core, record, "approved", why)
                    deploy_rows(unit, self._core, unit.repo.cr(record.number))
                return cr_view(unit, self._core, record.number)

        return guarded(self._core, actor, cr, "submit", work)

    # -- reading -----------------------------------------------------------------------
    def get_cr(self, cr: str) -> ChangeRequest:
        """One CR with its sign-offs, outstanding roles and missing checks."""
        with self._core.read() as repo:
            return view(repo, self._core.artifacts, repo.cr(cr_number(cr)), self._core.clock())

    def list_crs(
        self,
        *,
        state: str | None = None,
        mine: str | None = None,
        waiting_for: str | None = None,
        overdue: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[ChangeRequest]:
        """CRs, newest first; filtered by state, requester, a role still needed, or an
        overdue post-incident review / expired emergency change. ``limit``/``offset``: one
        page of them (read from the database alone when only state and requester filter)."""
        states: tuple[str, ...] | None = (state,) if state else None
        if waiting_for is not None:
            states = tuple(
                s for s in (states or ("submitted", "in_review")) if s in ("submitted", "in_review")
            )
        now = self._core.clock()
        with self._core.read() as repo:
            who = repo.user(mine).name if mine is not None else None
            in_sql = waiting_for is None and not overdue
            records = repo.crs(
                states=states,
                requester=who,
                emergency_only=overdue,
                limit=limit if in_sql else None,
                offset=offset if in_sql else 0,
            )
            ahead = Prefetched.read(repo)
            crs = [
                view(repo, self._core.artifacts, r, now, full=False, prefetched=ahead)
                for r in records
            ]
        if overdue:
            crs = [c for c in crs if c.overdue or c.expired]
        if waiting_for is not None:
            crs = [c for c in crs if any(o["role"] == waiting_for for o in c.outstanding())]
        if not in_sql and (limit is not None or offset):
            crs = crs[offset : None if limit is None else offset + limit]
        return crs
