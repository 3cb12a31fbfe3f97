"""Rollback, and what was in a stage at a given moment and who approved it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from ..errors import WorkflowRefused
from ..registry._domain import VersionRef
from ..store._models import ChangeRequestRow, VersionRow
from ._base import ALREADY_THERE, WorkflowBase, refuse
from ._domain import cr_id

__all__ = ["HistoryServices", "RollbackServices"]


class RollbackServices(WorkflowBase):
    """Rollback: production back to the last version approved for it, in one command."""

    def rollback(
        self, model: str, *, actor: str, reason: str, to_version: str | None = None
    ) -> str:
        """Return production to the last version approved for it (or ``to_version``).

        Returns the version now in production.  Recorded like any change: the
        current holder leaves production, its deploying CR becomes ``rolled_back``.
        """
        from ..ledger._log import lock_appends
        from ..store._models import CRTransitionRow

        try:
            with self.write(actor) as (session, record):
                lock_appends(session)
                if "operator" not in self._roles(session, actor):
                    raise refuse("not_operator", user=actor)
                model_row = self._model_row(session, model)
                current = self._holder(session, model_row.id, "production")
                deployed = session.execute(
                    select(ChangeRequestRow, CRTransitionRow.id)
                    .join(CRTransitionRow, CRTransitionRow.cr_id == ChangeRequestRow.id)
                    .join(VersionRow, VersionRow.id == ChangeRequestRow.version_id)
                    .where(
                        VersionRow.model_id == model_row.id,
                        ChangeRequestRow.to_stage == "production",
                        CRTransitionRow.to_state == "deployed",
                    )
                    .order_by(CRTransitionRow.id.desc())
                ).all()
                approved = [
                    cr for cr, _ in deployed if cr.version_id != (current.id if current else None)
                ]
                if to_version is not None:
                    target = self._version_row(session, VersionRef(model, to_version))
                    if not any(cr.version_id == target.id for cr, _ in deployed):
                        raise refuse("not_approved_for", ref=f"{model}@{to_version}")
                elif approved:
                    found = session.get(VersionRow, approved[0].version_id)
                    assert found is not None
                    target = found
                else:
                    raise refuse("no_rollback_target", model=model)
                if current is not None and target.id == current.id:
                    raise WorkflowRefused(
                        ALREADY_THERE.format(ref=f"{model}@{target.version}", stage="production")
                    )
                payload = {"reason": reason, "to": self._ref(session, target)}
                if current is not None:
                    live = [cr for cr, _ in deployed if cr.version_id == current.id]
                    if live and self._state(session, live[0]) == "deployed":
                        self._move(session, record, live[0], "rolled_back", actor, payload)
                    self._enter_stage(
                        session, record, current, "archived", actor, "rolled back", payload
                    )
                self._enter_stage(session, record, target, "production", actor, "rollback", payload)
                rolled = record(
                    "model.rolled_back",
                    f"model:{model}",
                    {**payload, "from": self._ref(session, current) if current else None},
                )
                self._notify(
                    session,
                    "model.rolled_back",
                    f"model:{model}",
                    rolled.seq,
                    {
                        **payload,
                        "from": self._ref(session, current) if current else None,
                        "actor": actor,
                    },
                )
                return self._ref(session, target)
        except WorkflowRefused as refusal:
            self._record_refusal(actor, f"model:{model}", "rollback", refusal.message)
            raise


class HistoryServices(WorkflowBase):
    """What was in a stage at a given moment, and who approved it."""

    def holder_at(
        self, model: str, when: dt.datetime, *, stage: str = "production"
    ) -> dict[str, Any] | None:
        """The version in ``stage`` at ``when``, the CR that put it there and its approvers.

        Answers the examiner's question "what was in production on date D, and who
        approved it" from the transitions and sign-offs, never from a mutable column.
        """
        from ..store._models import StageTransitionRow

        with self.store.transaction() as session:
            model_row = self._model_row(session, model)
            moves = session.execute(
                select(StageTransitionRow, VersionRow)
                .join(VersionRow, VersionRow.id == StageTransitionRow.version_id)
                .where(VersionRow.model_id == model_row.id, StageTransitionRow.at <= when)
                .order_by(StageTransitionRow.id)
            ).all()
            current: dict[int, tuple[Any, VersionRow]] = {}
            for move, version in moves:
                current[version.id] = (move, version)
            live = [(m, v) for m, v in current.values() if m.to_stage == stage]
            if not live:
                return None
            move, version = max(live, key=lambda item: item[0].id)
            crs = session.scalars(
                select(ChangeRequestRow)
                .where(
                    ChangeRequestRow.version_id == version.id, ChangeRequestRow.to_stage == stage
                )
                .order_by(ChangeRequestRow.id.desc())
            ).all()
            deployed = next(
                (c for c in crs if self._state_at(session, c, move.ledger_seq) == "deployed"), None
            )
            approvals = (
                []
                if deployed is None
                else [
                    {"user": s.user, "role": s.role, "at": s.at.isoformat()}
                    for s in self._signoffs(session, deployed)
                    if s.decision == "approve"
                ]
            )
            return {
                "model": model,
                "stage": stage,
                "at": when.isoformat(),
                "version": version.version,
                "since": move.at.isoformat(),
                "moved_by": move.actor,
                "ledger_seq": move.ledger_seq,
                "change_request": cr_id(deployed.id) if deployed else None,
                "approved_by": approvals,
            }

    def _state_at(self, session: Any, cr: ChangeRequestRow, seq: int) -> str | None:
        from ..store._models import CRTransitionRow

        state: str | None = session.scalar(
            select(CRTransitionRow.to_state)
            .where(CRTransitionRow.cr_id == cr.id, CRTransitionRow.ledger_seq <= seq)
            .order_by(CRTransitionRow.id.desc())
            .limit(1)
        )
        return state
