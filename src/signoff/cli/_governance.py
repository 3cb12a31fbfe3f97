"""``signoff governance``: the rules in force are registry state, changed with four eyes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from .._time import iso_utc
from ._app import CliTable, app, err_console, handle_errors, out_console
from ._registry import As, Json, acting_user, emit, open_workflow
from ._remote import remote_mode, remote_signoff
from ._remote_admin import propose_remote

if TYPE_CHECKING:
    from ..workflow import GovernanceRecord, GovernanceWarning

__all__: list[str] = []

governance_app = typer.Typer(
    help="The governance in force: stages, policies, approvals, duties.", no_args_is_help=True
)
app.add_typer(governance_app, name="governance", rich_help_panel="Workflow")
GID = Annotated[str, typer.Argument(help="Governance version (G-2).")]


def _record(record: GovernanceRecord | Any, *, as_json: bool) -> None:
    from ..workflow import gov_id

    gid = gov_id(record.number)
    if not as_json:
        who = f"; {record.state} by {record.decided_by}" if record.decided_by else ""
        out_console.print(
            f"{gid} {escape(record.name)} v{escape(record.label)}: {record.state} "
            f"(proposed by {escape(record.proposed_by)}{escape(who)})"
        )
    emit(record, as_json=as_json, new_id=gid)


def _warn(warnings: Iterable[GovernanceWarning | Any], file: Path) -> None:
    """Print each warning (stderr) as ``file:line:column: warning: …``: the core's
    :func:`~signoff.workflow.governance_warnings`, found here or by the server (the
    ``warnings`` of ``POST /api/governance``)."""
    for warning in warnings:
        where = f"{file}:{warning.line}:{warning.column}" if warning.line else str(file)
        err_console.print(f"{escape(where)}: warning: {escape(warning.message)}", soft_wrap=True)


def _decide(gid: str, *, approve: bool, comment: str, actor: str | None, as_json: bool) -> None:
    who = str(acting_user(actor))
    done = open_workflow().decide_governance(gid, actor=who, approve=approve, comment=comment)
    _record(done, as_json=as_json)


@governance_app.command("show")
@handle_errors
def governance_show(as_json: Json = False, actor: As = None) -> None:
    """Print the governance in force (YAML, or JSON with --json), with its version;
    webhook addresses in full for an admin only (else scheme and host)."""
    data: dict[str, Any]
    viewer = acting_user(actor, required=False)
    if remote_mode():  # the server redacts by the credential's person
        data = remote_signoff().workflow.governance.in_force()
    else:
        data = open_workflow(write=False).governance_shown(viewer=viewer)
    if as_json:
        print(json.dumps(data, indent=2))
        return
    import yaml  # here, not at start-up: only this command writes YAML

    print(yaml.safe_dump(data, sort_keys=False), end="")


@governance_app.command("lint")
@handle_errors
def governance_lint(
    file: Annotated[Path, typer.Argument(help="Governance config (YAML).")],
) -> None:
    """Check a governance file: schema, roles, stages, artifact kinds (file:line:column);
    warns about a webhook URL that looks like it carries a secret."""
    from ..workflow import governance_warnings, load_governance

    loaded = load_governance(file)
    _warn(governance_warnings(loaded), file)
    out_console.print(
        f"ok: {file} ({escape(loaded.governance.governance_name)} v{loaded.governance.version})"
    )


@governance_app.command("apply")
@handle_errors
def governance_apply(
    file: Annotated[Path, typer.Argument(help="Governance config (YAML).")],
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Record a new governance version from a file, with the policies its stages name.

    With one admin it is in force at once; with two or more, another admin approves it
    (`signoff governance approve`).  Change requests already open keep the rules they
    were opened under.  Warns about a webhook URL that looks like it carries a secret
    (a query string, a token-shaped path): the whole file is recorded in the ledger;
    use url_env.
    """
    from ..workflow import governance_warnings, load_governance

    who = str(acting_user(actor))
    if remote_mode():  # the file and the policies it names, uploaded; the server warns
        record = propose_remote(file)
        _warn(getattr(record, "warnings", ()), file)  # () from a server that sends none
    else:
        _warn(governance_warnings(load_governance(file)), file)  # before it is recorded
        record = open_workflow().propose_governance(file, actor=who, warn=False)
    _record(record, as_json=as_json)


@governance_app.command("approve")
@handle_errors
def governance_approve(
    gid: GID,
    comment: Annotated[str, typer.Option(help="What you checked.")] = "",
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Put a proposed governance version in force (an admin other than its proposer)."""
    _decide(gid, approve=True, comment=comment, actor=actor, as_json=as_json)


@governance_app.command("reject")
@handle_errors
def governance_reject(
    gid: GID,
    comment: Annotated[str, typer.Option(help="Why.")] = "",
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Reject a proposed governance version (admins)."""
    _decide(gid, approve=False, comment=comment, actor=actor, as_json=as_json)


NO_VERSIONS = (
    "no governance version is recorded: the bundled default is in force "
    "(`signoff governance show` prints it)"
)


@governance_app.command("list")
@handle_errors
def governance_list(as_json: Json = False, actor: As = None) -> None:
    """Every governance version: proposed, applied or rejected, by whom (with --json,
    webhook addresses in full for an admin only)."""
    from ..workflow import gov_id

    viewer = acting_user(actor, required=False)
    if remote_mode():  # the server redacts by the credential's person
        versions = remote_signoff().workflow.governance.versions()
    else:
        versions = open_workflow(write=False).governance_versions_shown(viewer=viewer)
    table = CliTable("id", "name", "version", "state", "proposed by", "decided by", "when")
    for g in versions:
        table.add_row(
            gov_id(g.number),
            escape(g.name),
            escape(g.label),
            g.state,
            escape(g.proposed_by),
            escape(g.decided_by or "—"),
            iso_utc(g.decided_at or g.created_at),
        )
    emit(versions, as_json=as_json, table=table, nothing=NO_VERSIONS)
