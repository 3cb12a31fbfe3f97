"""``signoff cr|waiver|governance|rollback``: thin faces over the workflow."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import yaml
from rich.table import Table

from .._time import iso_utc
from ..errors import ConfigError
from ._app import app, err_console, handle_errors, out_console
from ._registry import As, Json, acting_user, emit, parse_ref

if TYPE_CHECKING:
    from ..workflow import ChangeRequest, Workflow

__all__ = ["deliver_notifications", "open_workflow"]

cr_app = typer.Typer(help="Change requests: open, submit, sign, deploy.", no_args_is_help=True)
waiver_app = typer.Typer(
    help="Time-limited exceptions for failed warning gates.", no_args_is_help=True
)
emergency_app = typer.Typer(
    help="Break-glass changes and their post-incident reviews.", no_args_is_help=True
)
governance_app = typer.Typer(
    help="The governance config: stages, approvals, duties.", no_args_is_help=True
)
for _name, _sub in (
    ("cr", cr_app),
    ("waiver", waiver_app),
    ("emergency", emergency_app),
    ("governance", governance_app),
):
    app.add_typer(_sub, name=_name, rich_help_panel="Workflow")

Governance = Annotated[
    Path | None,
    typer.Option(
        "--governance", help="Governance config (default: SIGNOFF_GOVERNANCE or bundled)."
    ),
]
BAD_ARTIFACT = "expected KIND=FILE with an existing file, e.g. model_card=card.md; got {item!r}"
BAD_DATE = "expected a date like 2026-12-31, got {text!r}"


def open_workflow(governance: Path | None = None) -> Workflow:
    """The workflow over the registry at SIGNOFF_DATABASE_URL / SIGNOFF_HOME."""
    from ..workflow import Workflow, load_governance
    from ._registry import open_registry

    registry = open_registry()
    return Workflow(
        registry.store, governance=load_governance(governance), artifacts=registry.artifacts
    )


def flow_registry(flow: Workflow) -> Any:
    """The registry over the same store, artifacts and clock as ``flow``."""
    from ..registry import Registry

    return Registry(flow.store, artifacts=flow.artifacts, clock=flow.clock)


def deliver_notifications(flow: Workflow) -> None:
    """After a workflow command commits: send its webhook notifications (quickly, once).

    Failures are recorded in the outbox, never raised: `signoff notify deliver` retries.
    """
    from ..errors import SignoffError
    from ..notify import deliver_pending

    try:
        flow.flag_overdue_reviews()
        report = deliver_pending(
            flow.store,
            flow.governance.governance,
            clock=flow.clock,
            max_attempts=2,
            base_delay=0.2,
            timeout=3.0,
        )
    except SignoffError as exc:
        err_console.print(f"warning: notifications not sent: {exc.render()}")
        return
    if report.failed:
        err_console.print(
            f"warning: {report.failed} notification(s) failed; see `signoff notify list --failed`"
        )


def _show(cr: ChangeRequest, *, as_json: bool, new: bool = False) -> None:
    if as_json:
        emit(cr, as_json=True, new_id=cr.id)
        return
    out_console.print(
        f"[bold]{cr.id}[/] {cr.model}@{cr.version} → {cr.to_stage}: [cyan]{cr.state}[/] "
        f"({cr.risk_level} risk; requested by {cr.requester})"
    )
    for reason in cr.risk.get("reasons", []):
        out_console.print(f"  risk {reason['level']}: {reason['message']}")
    for item in cr.outstanding():
        out_console.print(
            f"  needs {item['needed'] - item['have']} more {item['role']} approval(s)"
        )
    for signoff in cr.signoffs:
        out_console.print(
            f"  {signoff.decision} by {signoff.user} as {signoff.role}: {signoff.comment}"
        )
    if cr.emergency:
        e = cr.emergency
        out_console.print(
            f"  emergency {e['incident']}: valid until {e['expires_at']}, "
            f"review due {e['review_due_at']}"
        )
        if cr.overdue:
            out_console.print("  [red]post-incident review overdue[/]")
        if cr.expired:
            out_console.print("  [red]expired: it can no longer be deployed[/]")
        if cr.review:
            out_console.print(f"  reviewed by {cr.review['reviewer']}: {cr.review['findings']}")
    for missing in cr.missing:
        out_console.print(f"  [yellow]missing:[/] {missing}")
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
    governance: Governance = None,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Open a change request (draft) with its computed risk rating and required sign-offs."""
    details = {
        k: v
        for k, v in (
            ("rollout_plan", rollout_plan),
            ("rollback_plan", rollback_plan),
            ("impact", impact),
        )
        if v
    }
    flow = open_workflow(governance)
    who, version = str(acting_user(actor)), parse_ref(ref)
    for item in artifact or []:
        kind, sep, file = item.partition("=")
        path = Path(file)
        if not sep or not path.is_file():
            raise ConfigError(BAD_ARTIFACT.format(item=item), field="--artifact")
        flow_registry(flow).add_artifact(
            version, kind, path.read_bytes(), filename=path.name, actor=who
        )
    cr = flow.open_cr(version, to_stage=to, summary=summary, actor=who, details=details)
    deliver_notifications(flow)
    _show(cr, as_json=as_json, new=True)


@cr_app.command("submit")
@handle_errors
def cr_submit(
    cr: Annotated[str, typer.Argument(help="CR id.")],
    governance: Governance = None,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Submit for review; refused with the list of what is missing until every check passes."""
    flow = open_workflow(governance)
    _show(flow.submit(cr, actor=str(acting_user(actor))), as_json=as_json)
    deliver_notifications(flow)


@cr_app.command("sign")
@handle_errors
def cr_sign(
    cr: Annotated[str, typer.Argument(help="CR id.")],
    role: Annotated[str, typer.Option(help="The role you sign in.")],
    decision: Annotated[str, typer.Option(help="approve | reject | changes.")],
    comment: Annotated[str, typer.Option(help="What you checked (no rubber stamps).")],
    key: Annotated[
        Path | None, typer.Option(help="Your private key, if you registered a public one.")
    ] = None,
    governance: Governance = None,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Sign off a CR in a role; separation of duties is enforced and refusals are recorded."""
    private = None
    if key is not None:
        from ..ledger import load_private_key

        private = load_private_key(key)
    flow = open_workflow(governance)
    done = flow.sign(
        cr,
        actor=str(acting_user(actor)),
        role=role,
        decision=decision,
        comment=comment,
        private_key=private,
    )
    deliver_notifications(flow)
    _show(done, as_json=as_json)


@cr_app.command("deploy")
@handle_errors
def cr_deploy(
    cr: Annotated[str, typer.Argument(help="CR id.")],
    governance: Governance = None,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Move an approved CR's version into its stage (operators; not an approver of it)."""
    flow = open_workflow(governance)
    _show(flow.deploy(cr, actor=str(acting_user(actor))), as_json=as_json)
    deliver_notifications(flow)


@cr_app.command("override-risk")
@handle_errors
def cr_override_risk(
    cr: Annotated[str, typer.Argument(help="CR id.")],
    level: Annotated[str, typer.Option(help="low | medium | high.")],
    justification: Annotated[str, typer.Option(help="Why the computed rating is wrong.")],
    governance: Governance = None,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Replace the computed risk rating (risk reviewers), with a recorded justification."""
    flow = open_workflow(governance)
    done = flow.override_risk(
        cr, level=level, justification=justification, actor=str(acting_user(actor))
    )
    deliver_notifications(flow)
    _show(done, as_json=as_json)


@cr_app.command("withdraw")
@handle_errors
def cr_withdraw(
    cr: Annotated[str, typer.Argument(help="CR id.")],
    reason: Annotated[str, typer.Option(help="Why.")],
    governance: Governance = None,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Withdraw a CR that is not deployed (its requester or an admin)."""
    flow = open_workflow(governance)
    done = flow.withdraw(cr, actor=str(acting_user(actor)), reason=reason)
    deliver_notifications(flow)
    _show(done, as_json=as_json)


@cr_app.command("show")
@handle_errors
def cr_show(
    cr: Annotated[str, typer.Argument(help="CR id.")],
    governance: Governance = None,
    as_json: Json = False,
) -> None:
    """Everything a reviewer needs on one screen: risk, sign-offs, what is missing."""
    _show(open_workflow(governance).get_cr(cr), as_json=as_json)


@cr_app.command("list")
@handle_errors
def cr_list(
    state: Annotated[str | None, typer.Option(help="Only CRs in this state.")] = None,
    mine: Annotated[bool, typer.Option(help="Only CRs I opened.")] = False,
    waiting_for: Annotated[
        str | None, typer.Option(help="Only CRs still needing this role.")
    ] = None,
    overdue: Annotated[
        bool, typer.Option(help="Only emergency changes whose review is overdue.")
    ] = False,
    governance: Governance = None,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Change requests, newest first."""
    who = acting_user(actor) if mine else None
    crs = open_workflow(governance).list_crs(
        state=state, mine=who, waiting_for=waiting_for, overdue=overdue
    )
    table = Table("id", "version", "to", "state", "risk", "requester", "opened")
    for c in crs:
        table.add_row(
            c.id,
            f"{c.model}@{c.version}",
            c.to_stage,
            c.state
            + (" [red](review overdue)[/]" if c.overdue else "")
            + (" [red](expired)[/]" if c.expired else ""),
            c.risk_level,
            c.requester,
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
    governance: Governance = None,
    actor: As = None,
) -> None:
    """Return production to the last version approved for it, in one command (operators)."""
    flow = open_workflow(governance)
    now_live = flow.rollback(model, actor=str(acting_user(actor)), reason=reason, to_version=to)
    deliver_notifications(flow)
    err_console.print(f"production of {model} is now {now_live}")
    print(now_live)


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
    gate: Annotated[str, typer.Option(help="The failed warning gate's name.")],
    reason: Annotated[str, typer.Option(help="Why the exception is acceptable.")],
    until: Annotated[str, typer.Option(help="Last day it holds (YYYY-MM-DD).")],
    governance: Governance = None,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Ask for a time-limited waiver of one failed warning gate."""
    flow = open_workflow(governance)
    waiver = flow.request_waiver(
        parse_ref(ref), gate=gate, reason=reason, until=_date(until), actor=str(acting_user(actor))
    )
    deliver_notifications(flow)
    emit(waiver, as_json=as_json, new_id=waiver.id)


@waiver_app.command("grant")
@handle_errors
def waiver_grant(
    waiver: Annotated[str, typer.Argument(help="Waiver id (W-3).")],
    governance: Governance = None,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Grant a waiver (a granting role; not the person who asked)."""
    flow = open_workflow(governance)
    done = flow.grant_waiver(waiver, actor=str(acting_user(actor)))
    deliver_notifications(flow)
    emit(done, as_json=as_json, new_id=done.id)


@waiver_app.command("list")
@handle_errors
def waiver_list(
    ref: Annotated[str, typer.Argument(help="MODEL@VERSION.")],
    governance: Governance = None,
    as_json: Json = False,
) -> None:
    """A version's waivers and whether each is in force."""
    waivers = open_workflow(governance).list_waivers(parse_ref(ref))
    table = Table("id", "gate", "state", "until", "requested by", "granted by")
    for w in waivers:
        table.add_row(w.id, w.gate, w.state, iso_utc(w.until), w.requested_by, w.granted_by or "—")
    emit(waivers, as_json=as_json, table=table)


def _loaded(path: Path | None) -> Any:
    from ..workflow import load_governance

    return load_governance(path)


@governance_app.command("show")
@handle_errors
def governance_show(governance: Governance = None, as_json: Json = False) -> None:
    """Print the governance config in force (the bundled default unless one is given)."""
    loaded = _loaded(governance)
    data = loaded.governance.model_dump(mode="json")
    data["sha256"] = loaded.sha256
    print(json.dumps(data, indent=2) if as_json else yaml.safe_dump(data, sort_keys=False), end="")


@governance_app.command("lint")
@handle_errors
def governance_lint(
    file: Annotated[Path, typer.Argument(help="Governance config (YAML).")],
) -> None:
    """Check a governance config: schema, roles, stages, artifact kinds (file:line:column)."""
    loaded = _loaded(file)
    out_console.print(
        f"ok: {file} ({loaded.governance.governance_name} v{loaded.governance.version})"
    )


@emergency_app.command("open")
@handle_errors
def emergency_open(
    ref: Annotated[str, typer.Argument(help="MODEL@VERSION.")],
    incident: Annotated[str, typer.Option(help="Incident id, e.g. INC-123.")],
    reason: Annotated[str, typer.Option(help="Why normal approvals cannot wait.")],
    to: Annotated[str, typer.Option(help="Target stage.")] = "production",
    governance: Governance = None,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Open a break-glass change: one on-call sign-off, time-limited, reviewed afterwards."""
    flow = open_workflow(governance)
    cr = flow.open_emergency(
        parse_ref(ref), to_stage=to, incident=incident, reason=reason, actor=str(acting_user(actor))
    )
    deliver_notifications(flow)
    _show(cr, as_json=as_json, new=True)


@emergency_app.command("review")
@handle_errors
def emergency_review(
    cr: Annotated[str, typer.Argument(help="The emergency CR.")],
    findings: Annotated[str, typer.Option(help="What happened and why.")],
    actions: Annotated[str, typer.Option(help="What will prevent it next time.")],
    governance: Governance = None,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Close an emergency change's post-incident review."""
    flow = open_workflow(governance)
    done = flow.review_emergency(
        cr, findings=findings, actions=actions, actor=str(acting_user(actor))
    )
    deliver_notifications(flow)
    _show(done, as_json=as_json)
