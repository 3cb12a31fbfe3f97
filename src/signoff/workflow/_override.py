"""Overriding a change request's computed risk rating (``cr override-risk``).

Lives apart from ``_service.py`` so the check of the revision the caller read
(``if_match``, the server's ETag) runs under the same write lock as the override.
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from ..registry import Core
from ..store import CRState
from ._comments import judge_comment
from ._domain import ChangeRequest, cr_id, cr_number
from ._support import check_revision, cr_rules, cr_view, guarded, refuse

__all__ = ["RiskOverrideServices"]

BAD_LEVEL = "risk level must be one of: low, medium, high; got {value!r}"
_RANK = {"low": 0, "medium": 1, "high": 2, "emergency": 3}
_OPEN = (CRState.DRAFT, CRState.SUBMITTED, CRState.IN_REVIEW)


class RiskOverrideServices:
    """A risk reviewer replaces a CR's computed rating."""

    def __init__(self, core: Core) -> None:
        self._core = core

    def override_risk(
        self,
        cr: str,
        *,
        level: str,
        justification: str,
        actor: str,
        if_match: int | None = None,
    ) -> ChangeRequest:
        """A risk reviewer replaces the computed rating, with a written justification.

        Only before the first sign-off.  Raising the rating takes one risk reviewer;
        lowering it takes two: the first is recorded as a proposal, a second risk
        reviewer confirms it.  The overrider then counts as a signer of the CR for
        one-role-per-person.  ``if_match``: the revision the caller read; refused
        (``stale_page``) when the CR moved on since.
        """
        if level not in ("low", "medium", "high"):
            raise ConfigError(BAD_LEVEL.format(value=level), field="--level")

        def work() -> ChangeRequest:
            text = judge_comment(justification)
            with self._core.write(actor) as unit:
                record = unit.repo.cr(cr_number(cr))
                name = cr_id(record.number)
                check_revision(unit, self._core, record, if_match)
                if "risk_reviewer" not in unit.repo.user(unit.actor).roles:
                    raise refuse("role_not_held", user=unit.actor, role="risk_reviewer")
                if unit.actor == record.requester:
                    raise refuse("requester_cannot_sign", user=unit.actor, cr=name)
                if record.signoffs or record.state not in _OPEN:
                    raise refuse("late_override", cr=name)
                rules = cr_rules(unit, self._core, record)
                required = [r.model_dump() for r in rules.governance.approvals[level]]  # type: ignore[index]
                payload: dict[str, Any] = {
                    "from": record.risk_level,
                    "to": level,
                    "justification": text,
                    "required": required,
                }
                if _RANK[level] < _RANK[record.risk_level]:
                    proposals = unit.repo.events(
                        name, ("cr.risk_downgrade_proposed", "cr.risk_overridden")
                    )
                    last = proposals[-1] if proposals else None
                    if (
                        last is None
                        or last[2] != "cr.risk_downgrade_proposed"
                        or last[3]["to"] != level
                        or last[1] == unit.actor
                    ):
                        unit.emit("cr.risk_downgrade_proposed", name, payload)
                        return cr_view(unit, self._core, record.number)
                    payload["approved_by"] = last[1]
                unit.emit("cr.risk_overridden", name, payload)
                return cr_view(unit, self._core, record.number)

        return guarded(self._core, actor, cr, "override_risk", work)
