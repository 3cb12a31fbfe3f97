"""Withdraw and deploy: the two ways an approved change request ends.

Deploy re-checks everything under the write lock in its own transaction: the state
machine, readiness (the latest audit judged by the stage policy, waivers in force,
artifacts intact), current (not stale) approvals, an emergency change's validity, and
that the stage still holds what the CR was opened against.
"""

from __future__ import annotations

from ..registry import Core, Unit
from ..store import CRRecord, CRState, Decision, VersionRef
from ._domain import ChangeRequest, cr_id, cr_number
from ._emergency import check_not_expired
from ._readiness import view
from ._rules import rules_in_force
from ._states import check_transition
from ._support import check_revision, guarded, move, only_requester, refuse, settle

__all__ = ["DeployServices", "deploy_rows"]


def deploy_rows(unit: Unit, core: Core, record: CRRecord) -> None:
    """Move the CR's version into its stage; the previous holder is archived."""
    name = cr_id(record.number)
    holder = unit.repo.holder(record.model, record.to_stage)
    if (holder.version if holder else None) != record.baseline:
        raise refuse(
            "stage_changed",
            stage=record.to_stage,
            cr=name,
            then=f"{record.model}@{record.baseline}" if record.baseline else "nothing",
            now=str(holder.ref) if holder else "nothing",
        )
    move(unit, core, record, "deployed", {"operator": unit.actor})
    if holder is not None:
        unit.emit(
            "version.stage_changed",
            f"version:{holder.ref}",
            {"from": holder.stage, "to": "archived", "why": "superseded", "by": name},
        )
    version = unit.repo.version(VersionRef(record.model, record.version))
    unit.emit(
        "version.stage_changed",
        f"version:{version.ref}",
        {"from": version.stage, "to": record.to_stage, "why": "deployed", "cr": name},
    )


class DeployServices:
    """Withdraw and deploy change requests."""

    def __init__(self, core: Core) -> None:
        self._core = core

    def _view(self, unit: Unit, number: int) -> ChangeRequest:
        return view(unit.repo, self._core.artifacts, unit.repo.cr(number), unit.now)

    def withdraw(
        self, cr: str, *, actor: str, reason: str, if_match: int | None = None
    ) -> ChangeRequest:
        """Withdraw a CR that is not deployed (requester or admin); ``if_match``: the
        revision the caller read, refused (``stale_page``) when the CR moved on since."""

        def work() -> ChangeRequest:
            with self._core.write(actor) as unit:
                record = unit.repo.cr(cr_number(cr))
                check_revision(unit, self._core, record, if_match)
                only_requester(unit, record, "withdraw")
                move(unit, self._core, record, "withdrawn", {"reason": reason})
                return self._view(unit, record.number)

        return guarded(self._core, actor, cr, "withdraw", work)

    def deploy(self, cr: str, *, actor: str, if_match: int | None = None) -> ChangeRequest:
        """Move the approved version into its stage, re-checking everything under the lock.

        Readiness (the latest audit judged by the stage policy, waivers in force,
        artifacts intact), current approvals and an emergency change's validity are
        checked again in the deploy's own transaction.  Two approved CRs racing for one
        stage: the first deploy wins; the other is refused because the stage no longer
        holds what it was opened against.
        """

        def work() -> ChangeRequest:
            with self._core.write(actor) as unit:
                record = unit.repo.cr(cr_number(cr))
                name = cr_id(record.number)
                check_revision(unit, self._core, record, if_match)
                if "operator" not in unit.repo.user(unit.actor).roles:
                    raise refuse("not_operator", user=unit.actor)
                approvers = {s.user for s in record.signoffs if s.decision == Decision.APPROVE}
                sod = rules_in_force(
                    unit.repo, self._core.artifacts, record.governance_version
                ).governance.separation_of_duties
                if sod.deployer_not_approver and unit.actor in approvers:
                    raise refuse("deployer_not_approver", user=unit.actor, cr=name)
                current = settle(unit, self._core, record.number)
                if current.state not in (CRState.SUBMITTED, CRState.IN_REVIEW):
                    check_transition(name, current.state, "deployed")  # says what is allowed
                if current.emergency:
                    check_not_expired(current, unit.now)
                elif current.missing and current.state != CRState.DEPLOYED:
                    raise refuse("not_ready", cr=name, items=current.missing)
                if current.state != CRState.DEPLOYED and current.outstanding():
                    needed = ", ".join(
                        f"{o['needed'] - o['have']} {o['role']}" for o in current.outstanding()
                    )
                    raise refuse("approvals_outstanding", cr=name, needed=needed)
                deploy_rows(unit, self._core, unit.repo.cr(record.number))
                return self._view(unit, record.number)

        return guarded(self._core, actor, cr, "deploy", work)
