"""How the CLI names a change request and prints one (shared by the CR, waiver and
emergency commands)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from ._app import out_console
from ._registry import acting_user, emit

if TYPE_CHECKING:
    from ..workflow import ChangeRequest

__all__ = ["CR", "show_cr", "who"]

CR = Annotated[str, typer.Argument(help="CR id (CR-12 or 12).")]


def who(actor: str | None) -> str:
    return str(acting_user(actor))


def show_cr(cr: ChangeRequest, *, as_json: bool, new: bool = False) -> None:
    if as_json:
        emit(cr, as_json=True, new_id=cr.id)
        return
    p = out_console.print
    p(
        f"[bold]{cr.id}[/] {escape(cr.model)}@{escape(cr.version)} → {cr.to_stage}: "
        f"[cyan]{cr.state}[/] ({cr.risk_level} risk; requested by {escape(cr.requester)})"
    )
    p(f"  judged by governance {escape(cr.governance)}")
    for reason in cr.risk.get("reasons", []):
        p(f"  risk {reason['level']}: {escape(reason['message'])}")
    for item in cr.outstanding():
        p(f"  needs {item['needed'] - item['have']} more {item['role']} approval(s)")
    for s in cr.signoffs:
        stale = " [yellow](stale: evidence changed since; renew it)[/]" if s.stale else ""
        p(f"  {s.decision} by {escape(s.user)} as {s.role}: {escape(s.comment)}{stale}")
    if cr.emergency:
        e = cr.emergency
        p(f"  emergency {escape(e['incident'])}: valid until {e['expires_at']},", end="")
        p(f" review due {e['review_due_at']}")
        if cr.overdue:
            p("  [red]post-incident review overdue[/]")
        if cr.expired:
            p("  [red]expired: it can no longer be deployed[/]")
        if cr.review:
            p(f"  reviewed by {escape(cr.review['reviewer'])}: {escape(cr.review['findings'])}")
    for missing in cr.missing:
        p(f"  [yellow]missing:[/] {escape(missing)}")
    if new:
        print(cr.id)
