"""``signoff notify deliver|list``: the webhook outbox."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from ._app import CliTable, app, err_console, handle_errors, out_console
from ._registry import Json, emit, open_registry, open_signoff
from ._remote import remote_mode, remote_signoff

__all__ = ["notify_app"]

notify_app = typer.Typer(
    help="Webhook notifications: deliver the outbox, list it.", no_args_is_help=True
)
app.add_typer(notify_app, name="notify", rich_help_panel="Workflow")


@notify_app.command("deliver")
@handle_errors
def notify_deliver(
    max_attempts: Annotated[
        int, typer.Option(min=1, help="Attempts per notification, counting earlier runs.")
    ] = 5,
    base_delay: Annotated[
        float, typer.Option(min=0, help="Seconds before the first retry; doubled after.")
    ] = 0.5,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for a receiver.")] = 5.0,
    as_json: Json = False,
) -> None:
    """Send every undelivered notification to its webhook; failures are recorded, not fatal."""
    if remote_mode():  # the server delivers, from its network
        report: Any = remote_signoff().notify.deliver(
            max_attempts=max_attempts, base_delay=base_delay, timeout=timeout
        )
    else:
        from ..notify import deliver_pending

        api = open_signoff(deliver=False)  # this command delivers, with its own retry settings
        api.workflow.flag_overdue_reviews()  # overdue post-incident reviews are announced too
        report = deliver_pending(
            api.store,
            api.workflow.rules().governance,
            clock=api.core.clock,
            max_attempts=max_attempts,
            base_delay=base_delay,
            timeout=timeout,
        )
    if as_json:
        emit(report, as_json=True)
        return
    out_console.print(
        f"delivered {report.delivered}, failed {report.failed}, pending {report.pending}"
    )
    for failure in report.failures:
        state = "failed" if failure.final else "will retry"
        err_console.print(
            f"  notification {failure.id} {failure.event} → {failure.url} ({state} after "
            f"{failure.attempts} attempt(s)): {failure.error}",
            markup=False,
        )


@notify_app.command("list")
@handle_errors
def notify_list(
    failed: Annotated[
        bool, typer.Option("--failed", help="Only undelivered notifications with an error.")
    ] = False,
    as_json: Json = False,
) -> None:
    """The outbox, oldest first: event, webhook, status, attempts and the last error."""
    if remote_mode():
        notifications: list[Any] = remote_signoff().notify.list(failed=failed)
    else:
        from ..notify import list_notifications

        notifications = list_notifications(open_registry(write=False).store, failed=failed)
    table = CliTable("id", "event", "subject", "webhook", "status", "attempts", "last error")
    for n in notifications:
        table.add_row(
            str(n.id),
            n.event,
            escape(n.subject),
            escape(n.url),
            n.status,
            str(n.attempts),
            escape(n.last_error or "—"),
        )
    emit(notifications, as_json=as_json, table=table, nothing="no notification is queued or sent")
