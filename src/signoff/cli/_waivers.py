"""Waivers and emergency changes: the two recorded ways past the normal flow."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape

from .._time import iso_utc
from ..errors import ConfigError
from ._app import CliTable, handle_errors
from ._cr_show import CR, show_cr, who
from ._registry import As, Json, emit, open_workflow, parse_ref

__all__ = ["emergency_app", "waiver_app"]

waiver_app = typer.Typer(
    help="Time-limited exceptions for failed warning gates.", no_args_is_help=True
)
emergency_app = typer.Typer(
    help="Break-glass changes and their post-incident reviews.", no_args_is_help=True
)
BAD_DATE = "expected a date like 2026-12-31, got {text!r}"


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
        parse_ref(ref), gate=gate, reason=reason, until=_date(until), actor=who(actor)
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
    done = open_workflow().grant_waiver(waiver, actor=who(actor))
    emit(done, as_json=as_json, new_id=done.id)


def _last_day(until: str) -> str:
    """``2027-02-15`` for a waiver that holds to the end of that day (UTC), as asked with
    ``--until``; else the minute (``--json`` keeps the second)."""
    day, _, time = until.partition("T")
    return day if time == "23:59:59Z" else f"{day} {time[:5]}"


@waiver_app.command("list")
@handle_errors
def waiver_list(
    ref: Annotated[str, typer.Argument(help="MODEL@VERSION.")], as_json: Json = False
) -> None:
    """A version's waivers and whether each is in force."""
    waivers = open_workflow(write=False).list_waivers(parse_ref(ref))
    table = CliTable("id", "gate", "state", "until", "requested by", "granted by")
    for w in waivers:
        table.add_row(
            w.id,
            escape(w.gate),
            w.state,
            _last_day(iso_utc(w.until)),
            escape(w.requested_by),
            escape(w.granted_by or "—"),
        )
    emit(waivers, as_json=as_json, table=table, nothing=f"{ref} has no waiver")


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
        parse_ref(ref), to_stage=to, incident=incident, reason=reason, actor=who(actor)
    )
    show_cr(cr, as_json=as_json, new=True)


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
        cr, findings=findings, actions=actions, actor=who(actor)
    )
    show_cr(done, as_json=as_json)
