"""The webhook outbox over HTTP: ``signoff notify list|deliver`` in remote mode. Admins
only: webhook addresses often carry their receiver's secret, and delivery sends from the
server's network."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from .._api import Signoff
from ._auth import Principal
from ._present import plain
from ._route_rules import admins

__all__ = ["router"]

router = APIRouter(prefix="/api/notifications", tags=["administration"])
AdminReader = Annotated[Principal, Depends(admins("read", "read the webhook outbox"))]
AdminWriter = Annotated[Principal, Depends(admins("write", "deliver the webhook outbox"))]


class DeliverAsk(BaseModel):
    """How hard to try (``signoff notify deliver``'s options)."""

    max_attempts: int = Field(default=5, ge=1, description="Attempts, counting earlier runs.")
    base_delay: float = Field(default=0.5, ge=0, le=60, description="Seconds before a retry.")
    timeout: float = Field(default=5.0, ge=0.1, le=60, description="Seconds per receiver.")


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


@router.get("", summary="The webhook outbox, oldest first (admins)")
def notifications(
    request: Request,
    who: AdminReader,
    failed: Annotated[bool, Query(description="Only undelivered ones with an error.")] = False,
) -> dict[str, Any]:
    from ..notify import list_notifications

    return {"items": plain(list_notifications(_api(request).store, failed=failed))}


@router.post("/deliver", summary="Send every undelivered notification (admins)")
def deliver(request: Request, body: DeliverAsk, who: AdminWriter) -> dict[str, Any]:
    from ..notify import deliver_pending

    api = _api(request)
    api.workflow.flag_overdue_reviews()  # overdue post-incident reviews are announced too
    report = deliver_pending(
        api.store,
        api.workflow.rules().governance,
        clock=api.core.clock,
        max_attempts=body.max_attempts,
        base_delay=body.base_delay,
        timeout=body.timeout,
    )
    found: dict[str, Any] = plain(report)
    return found
