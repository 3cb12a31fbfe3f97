"""``signoff cr|waiver|emergency|rollback``: thin faces over the workflow.

No command here reads the rules from a file or the environment: the governance in
force is registry state (``signoff governance``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.markup import escape

from .._time import iso_utc
from ..errors import ConfigError
from ._app import CliTable, app, err_console, handle_errors
from ._cr_show import CR, show_cr, who
from ._registry import As, Json, acting_user, emit, open_signoff, open_workflow, parse_ref
from ._remote import remote_mode, remote_signoff
from ._remote_ledger import statement_signer
from ._waivers import emergency_app, waiver_app

if TYPE_CHECKING:
    from ..workflow import ChangeRequest

__all__: list[str] = []

cr_app = typer.Typer(help="Change requests: open, submit, sign, deploy.", no_args_is_help=True)
for _name, _sub in (("cr", cr_app), ("waiver", waiver_app), ("emergency", emergency_app)):
    app.add_typer(_sub, name=_name, rich_help_panel="Workflow")

BAD_ARTIFACT = "expected KIND=FILE with an existing file, e.g. model_card=card.md; got {item!r}"


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
    api, by, version = open_signoff(), who(actor), parse_ref(ref)
    for item in artifact or []:
        kind, sep, file = item.partition("=")
        path = Path(file)
        if not sep or not path.is_file():
            raise ConfigError(BAD_ARTIFACT.format(item=item), field="--artifact")
        api.registry.add_artifact(version, kind, path.read_bytes(), filename=path.name, actor=by)
    cr = api.workflow.open_cr(version, to_stage=to, summary=summary, actor=by, details=details)
    show_cr(cr, as_json=as_json, new=True)


@cr_app.command("submit")
@handle_errors
def cr_submit(cr: CR, actor: As = None, as_json: Json = False) -> None:
    """Submit for review; refused with the list of what is missing until every check passes."""
    show_cr(open_workflow().submit(cr, actor=who(actor)), as_json=as_json)


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
            cr, actor=who(actor), role=role, decision=decision, comment=comment,
            signer=statement_signer(private),
        )  # fmt: skip
        show_cr(cast("ChangeRequest", signed), as_json=as_json)
    else:
        done = open_workflow().sign(
            cr, actor=who(actor), role=role, decision=decision, comment=comment,
            private_key=private,
        )  # fmt: skip
        show_cr(done, as_json=as_json)


@cr_app.command("deploy")
@handle_errors
def cr_deploy(cr: CR, actor: As = None, as_json: Json = False) -> None:
    """Move an approved CR's version into its stage (operators; not an approver of it).

    Readiness, approvals and an emergency change's validity are checked again.
    """
    show_cr(open_workflow().deploy(cr, actor=who(actor)), as_json=as_json)


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
        cr, level=level, justification=justification, actor=who(actor)
    )
    if done.risk_level != level and not as_json:
        err_console.print(
            f"proposed lowering {done.id} to {level}: a second risk reviewer must confirm"
        )
    show_cr(done, as_json=as_json)


@cr_app.command("withdraw")
@handle_errors
def cr_withdraw(
    cr: CR,
    reason: Annotated[str, typer.Option(help="Why.")],
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Withdraw a CR that is not deployed (its requester or an admin)."""
    show_cr(open_workflow().withdraw(cr, actor=who(actor), reason=reason), as_json=as_json)


@cr_app.command("show")
@handle_errors
def crshow_cr(cr: CR, as_json: Json = False) -> None:
    """Everything a reviewer needs on one screen: risk, sign-offs, what is missing."""
    show_cr(open_workflow(write=False).get_cr(cr), as_json=as_json)


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
    requester = acting_user(actor) if mine else None
    crs = open_workflow(write=False).list_crs(
        state=state, mine=requester, waiting_for=waiting_for, overdue=overdue
    )
    table = CliTable("id", "version", "to", "state", "risk", "requester", "opened (UTC)")
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
            iso_utc(c.created_at)[:16].replace("T", " "),  # --json keeps the second
        )
    filtered = state or mine or waiting_for or overdue
    nothing = f"no change request {'matches these filters' if filtered else 'is recorded'}"
    emit(crs, as_json=as_json, table=table, nothing=nothing)


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
    done = open_workflow().rollback(model, actor=who(actor), reason=reason, to_version=to)
    if done.changed:
        err_console.print(f"production of {model} is now {done}")
    else:
        err_console.print(f"production of {model} already is {done}; nothing changed")
    print(done)
