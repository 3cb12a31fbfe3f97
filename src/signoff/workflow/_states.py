"""Change-request states and the only transitions allowed between them.

``draft → submitted → in_review → approved | rejected | withdrawn → deployed →
rolled_back``; "request changes" sends a CR under review back to ``draft``.
A CR's state is the latest row of the append-only ``cr_transitions`` table.
"""

from __future__ import annotations

from typing import Literal

from ..errors import WorkflowRefused

__all__ = ["CR_STATES", "TRANSITIONS", "CRState", "check_transition"]

CRState = Literal[
    "draft",
    "submitted",
    "in_review",
    "approved",
    "rejected",
    "withdrawn",
    "deployed",
    "rolled_back",
]
CR_STATES: tuple[CRState, ...] = (
    "draft",
    "submitted",
    "in_review",
    "approved",
    "rejected",
    "withdrawn",
    "deployed",
    "rolled_back",
)
TRANSITIONS: dict[str, tuple[CRState, ...]] = {
    "draft": ("submitted", "withdrawn"),
    "submitted": ("in_review", "approved", "rejected", "withdrawn", "draft"),
    "in_review": ("approved", "rejected", "withdrawn", "draft"),
    "approved": ("deployed", "withdrawn"),
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
