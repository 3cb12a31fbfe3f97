"""``signoff cr|waiver|emergency|rollback``: thin faces over the workflow.

No command here reads the rules from a file or the environment: the governance in
force is registry state (``signoff governance``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.markup import escape
from rich.table import Table

from .._time import iso_utc
from ..errors import ConfigError
from ._app import app, err_console, handle_errors, out_console
from ._registry import As, Json, acting_user, emit, open_signoff, open_workflow, parse_ref
from ._remote import remote_mode, remote_signoff
from ._remote_ledger import statement_signer

if TYPE_CHECKING:
    from ..workflow import ChangeRequest

__all__: list[str] = []

cr_app = typer.Typer(help="Change requests: open, submit, sign, deploy.", no_args_is_help=True)
waiver_app = typer.Typer(
    help="Time-limited exceptions for failed warning gates.", no_args_is_help=True
)
emergency_app = typer.Typer(
    help="Break-glass changes and their post-incident reviews.", no_args_is_help=True
)
for _name, _sub in (("cr", cr_app), ("waiver", waiver_app), ("emergency", emergency_app)):
    app.add_typer(_sub, name=_name, rich_help_panel="Workflow")

CR = Annotated[str, typer.Argument(help="CR id (CR-12 or 12).")]
BAD_ARTIFACT = "expected KIND=FILE with an existing file, e.g. model_card=card.md; got {item!r}"
BAD_DATE = "expected a date like 2026-12-31, got {text!r}"


def _who(actor: str | None) -> str:
    return str(acting_user(actor))


def _show(cr: ChangeRequest, *, as_json: bool, new: bool = False) -> None:
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


@cr_app.command("open")
@handle_errors
def cr_open(
    ref: Annotated[str, typer.Argument(help="MODEL@VERSION.")],
    to: Annotated[str, typer.Option(help="Target stage.")],
    summary: Annotated[str, typer.Option(help="What changes and why.")],
    rollout_plan: Annotated[str | None, typer.Option(help="How it will be rolled out.")] = None,
    rollback_plan: Annotated[str | None, typer.Option(help="How to undo it.")] = None,
    impact: Annotated[str | None, typer.Option(help="Users, KPIs, dependencies affected.")] = None,
    artifact: Annotated[
        list[str] | None,
        typer.Option(help="KIND=FILE to attach first, e.g. model_card=card.md (repeatable)."),
    ] = None,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Open a change request (draft) with its computed risk rating and required sign-offs."""
    plans = (("rollout_plan", rollout_plan), ("rollback_plan", rollback_plan), ("impact", impact))
    details = {k: v for k, v in plans if v}
    api, who, version = open_signoff(), _who(actor), parse_ref(ref)
    for item in artifact or []:
        kind, sep, file = item.partition("=")
        path = Path(file)
        if not sep or not path.is_file():
            raise ConfigError(BAD_ARTIFACT.format(item=item), field="--artifact")
        api.registry.add_artifact(version, kind, path.read_bytes(), filename=path.name, actor=who)
    cr = api.workflow.open_cr(version, to_stage=to, summary=summary, actor=who, details=details)
    _show(cr, as_json=as_json, new=True)


@cr_app.command("submit")
@handle_errors
def cr_submit(cr: CR, actor: As = None, as_json: Json = False) -> None:
    """Submit for review; refused with the list of what is missing until every check passes."""
    _show(open_workflow().submit(cr, actor=_who(actor)), as_json=as_json)


@cr_app.command("sign")
@handle_errors
def cr_sign(
    cr: CR,
    role: Annotated[str, typer.Option(help="The role you sign in.")],
    decision: Annotated[str, typer.Option(help="approve | reject | changes.")],
    comment: Annotated[str, typer.Option(help="What you checked (no rubber stamps).")],
    key: Annotated[
        Path | None, typer.Option(help="Your private key, if you registered a public one.")
    ] = None,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Sign off a CR in a role; your latest decision counts; refusals are recorded."""
    from ..ledger import load_private_key

    private = load_private_key(key) if key is not None else None
    if remote_mode() and private is not None:  # signed here; the key stays on this machine
        signed = remote_signoff().workflow.sign(
            cr, actor=_who(actor), role=role, decision=decision, comment=comment,
            signer=statement_signer(private),
        )  # fmt: skip
        _show(cast("ChangeRequest", signed), as_json=as_json)
    else:
        done = open_workflow().sign(
            cr, actor=_who(actor), role=role, decision=decision, comment=comment,
            private_key=private,
        )  # fmt: skip
        _show(done, as_json=as_json)


@cr_app.command("deploy")
@handle_errors
def cr_deploy(cr: CR, actor: As = None, as_json: Json = False) -> None:
    """Move an approved CR's version into its stage (operators; not an approver of it).

    Readiness, approvals and an emergency change's validity are checked again.
    """
    _show(open_workflow().deploy(cr, actor=_who(actor)), as_json=as_json)


@cr_app.command("override-risk")
@handle_errors
def cr_override_risk(
    cr: CR,
    level: Annotated[str, typer.Option(help="low | medium | high.")],
    justification: Annotated[str, typer.Option(help="Why the computed rating is wrong.")],
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Replace the computed risk rating before any sign-off (risk reviewers; a lower
    rating needs a second risk reviewer to confirm it)."""
    done = open_workflow().override_risk(
        cr, level=level, justification=justification, actor=_who(actor)
    )
    if done.risk_level != level and not as_json:
        err_console.print(
            f"proposed lowering {done.id} to {level}: a second risk reviewer must confirm"
        )
    _show(done, as_json=as_json)


@cr_app.command("withdraw")
@handle_errors
def cr_withdraw(
    cr: CR,
    reason: Annotated[str, typer.Option(help="Why.")],
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Withdraw a CR that is not deployed (its requester or an admin)."""
    _show(open_workflow().withdraw(cr, actor=_who(actor), reason=reason), as_json=as_json)


@cr_app.command("show")
@handle_errors
def cr_show(cr: CR, as_json: Json = False) -> None:
    """Everything a reviewer needs on one screen: risk, sign-offs, what is missing."""
    _show(open_workflow(write=False).get_cr(cr), as_json=as_json)


@cr_app.command("list")
@handle_errors
def cr_list(
    state: Annotated[str | None, typer.Option(help="Only CRs in this state.")] = None,
    mine: Annotated[bool, typer.Option(help="Only CRs I opened.")] = False,
    waiting_for: Annotated[
        str | None, typer.Option(help="Only CRs still needing this role.")
    ] = None,
    overdue: Annotated[
        bool,
        typer.Option(help="Only emergency changes whose review is overdue or that expired."),
    ] = False,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Change requests, newest first."""
    who = acting_user(actor) if mine else None
    crs = open_workflow(write=False).list_crs(
        state=state, mine=who, waiting_for=waiting_for, overdue=overdue
    )
    table = Table("id", "version", "to", "state", "risk", "requester", "opened")
    for c in crs:
        flags = (" [red](review overdue)[/]" if c.overdue else "") + (
            " [red](expired)[/]" if c.expired else ""
        )
        table.add_row(
            c.id,
            escape(f"{c.model}@{c.version}"),
            c.to_stage,
            c.state + flags,
            c.risk_level,
            escape(c.requester),
            iso_utc(c.created_at),
        )
    emit(crs, as_json=as_json, table=table)


@app.command("rollback", rich_help_panel="Workflow")
@handle_errors
def rollback(
    model: Annotated[str, typer.Argument(help="Model name.")],
    reason: Annotated[str, typer.Option(help="Why (an incident id helps).")],
    to: Annotated[
        str | None, typer.Option(help="Version to return to (must have been approved).")
    ] = None,
    actor: As = None,
) -> None:
    """Return production to the last version approved for it, in one command (operators).

    A retry changes nothing: it reports that production already is where the
    rollback left it.
    """
    done = open_workflow().rollback(model, actor=_who(actor), reason=reason, to_version=to)
    if done.changed:
        err_console.print(f"production of {model} is now {done}")
    else:
        err_console.print(f"production of {model} already is {done}; nothing changed")
    print(done)


def _date(text: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(BAD_DATE.format(text=text), field="--until") from None
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)


@waiver_app.command("request")
@handle_errors
def waiver_request(
    ref: Annotated[str, typer.Argument(help="MODEL@VERSION.")],
    gate: Annotated[str, typer.Option(help="The failed warning gate's name or id.")],
    reason: Annotated[str, typer.Option(help="Why the exception is acceptable.")],
    until: Annotated[str, typer.Option(help="Last day it holds (YYYY-MM-DD).")],
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Ask for a time-limited waiver of one failed warning gate."""
    waiver = open_workflow().request_waiver(
        parse_ref(ref), gate=gate, reason=reason, until=_date(until), actor=_who(actor)
    )
    emit(waiver, as_json=as_json, new_id=waiver.id)


@waiver_app.command("grant")
@handle_errors
def waiver_grant(
    waiver: Annotated[str, typer.Argument(help="Waiver id (W-3).")],
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Grant a waiver (a granting role; not the person who asked)."""
    done = open_workflow().grant_waiver(waiver, actor=_who(actor))
    emit(done, as_json=as_json, new_id=done.id)


@waiver_app.command("list")
@handle_errors
def waiver_list(
    ref: Annotated[str, typer.Argument(help="MODEL@VERSION.")], as_json: Json = False
) -> None:
    """A version's waivers and whether each is in force."""
    waivers = open_workflow(write=False).list_waivers(parse_ref(ref))
    table = Table("id", "gate", "state", "until", "requested by", "granted by")
    for w in waivers:
        table.add_row(
            w.id,
            escape(w.gate),
            w.state,
            iso_utc(w.until),
            escape(w.requested_by),
            escape(w.granted_by or "—"),
        )
    emit(waivers, as_json=as_json, table=table)


@emergency_app.command("open")
@handle_errors
def emergency_open(
    ref: Annotated[str, typer.Argument(help="MODEL@VERSION.")],
    incident: Annotated[str, typer.Option(help="Incident id, e.g. INC-123.")],
    reason: Annotated[str, typer.Option(help="Why normal approvals cannot wait.")],
    to: Annotated[str, typer.Option(help="Target stage.")] = "production",
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Open a break-glass change: one on-call sign-off, time-limited, reviewed afterwards."""
    cr = open_workflow().open_emergency(
        parse_ref(ref), to_stage=to, incident=incident, reason=reason, actor=_who(actor)
    )
    _show(cr, as_json=as_json, new=True)


@emergency_app.command("review")
@handle_errors
def emergency_review(
    cr: CR,
    findings: Annotated[str, typer.Option(help="What happened and why.")],
    actions: Annotated[str, typer.Option(help="What will prevent it next time.")],
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Close an emergency change's post-incident review (not its requester)."""
    done = open_workflow().review_emergency(
        cr, findings=findings, actions=actions, actor=_who(actor)
    )
    _show(done, as_json=as_json)
