"""Change-request states and the only transitions allowed between them.

``draft → submitted → in_review → approved | rejected | withdrawn → deployed →
rolled_back``; "request changes" sends a CR under review back to ``draft``, and new
evidence sends an approved CR back to ``in_review``.
A CR's state is the latest row of the append-only ``cr_transitions`` table.
"""

from __future__ import annotations

from ..errors import WorkflowRefused
from ..store import CRState

__all__ = ["CR_STATES", "TRANSITIONS", "CRState", "check_transition"]

CR_STATES: tuple[CRState, ...] = tuple(CRState)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("submitted", "withdrawn"),
    "submitted": ("in_review", "approved", "rejected", "withdrawn", "draft"),
    "in_review": ("approved", "rejected", "withdrawn", "draft"),
    # back to review when the evidence changes after approval: sign-offs are renewed
    "approved": ("deployed", "withdrawn", "in_review"),
    "deployed": ("rolled_back",),
    "rejected": (),
    "withdrawn": (),
    "rolled_back": (),
}
ILLEGAL = "{cr} is {state}; {allowed}"


def check_transition(cr: str, state: str, target: str) -> None:
    """Refuse (exit 4) a move the state machine does not allow, saying what is allowed."""
    allowed = TRANSITIONS[state]
    if target not in allowed:
        where = f"from {state} it can go to: {', '.join(allowed)}" if allowed else "that is final"
        raise WorkflowRefused(ILLEGAL.format(cr=cr, state=state, allowed=where))
