"""Break-glass and undo over HTTP: emergency changes, their post-incident review,
rollback, withdrawing a CR and overriding its risk rating — the CLI's `emergency open`,
`emergency review`, `rollback`, `cr withdraw` and `cr override-risk`, the same core rules."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from .._api import Signoff
from ..registry import VersionRef
from ._params import Writer
from ._present import cr_json, etag, plain, revision_from

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["registry and workflow"])


class EmergencyAsk(BaseModel):
    """A break-glass change: one on-call approver, an expiry, a review due."""

    version: str = Field(description="MODEL@VERSION", examples=["credit@1.3"])
    to_stage: str = Field(examples=["production"])
    incident: str = Field(description="The incident id.", examples=["INC-4711"])
    reason: str


class ReviewAsk(BaseModel):
    """The post-incident review of an emergency change (not by its requester)."""

    findings: str = Field(description="What happened (at least 15 characters).")
    actions: str = Field(description="What will change (at least 15 characters).")


class RollbackAsk(BaseModel):
    """Production back to the last version approved for it (or ``to_version``)."""

    reason: str
    to_version: str | None = Field(default=None, description="A version approved before.")


class WithdrawAsk(BaseModel):
    """Withdraw a CR that is not deployed (its requester or an admin)."""

    reason: str


class RiskAsk(BaseModel):
    """Replace a CR's computed risk rating (risk reviewers; lowering needs a second)."""

    level: str = Field(description="low, medium or high.")
    justification: str = Field(description="Why the computed rating is wrong.")


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


@router.post("/emergencies", status_code=201, summary="Open a break-glass change (submitted)")
def open_emergency(
    request: Request, body: EmergencyAsk, who: Writer, response: Response
) -> dict[str, Any]:
    found = _api(request).workflow.open_emergency(
        VersionRef.parse(body.version),
        to_stage=body.to_stage,
        incident=body.incident,
        reason=body.reason,
        actor=who.name,
    )
    response.headers["Location"] = f"/api/crs/{found.id}"
    response.headers["ETag"] = etag(found)
    return cr_json(found)


@router.post("/crs/{cr}/review", summary="Close an emergency change's post-incident review")
def review(
    request: Request, cr: str, body: ReviewAsk, who: Writer, response: Response
) -> dict[str, Any]:
    found = _api(request).workflow.review_emergency(
        cr, findings=body.findings, actions=body.actions, actor=who.name
    )
    response.headers["ETag"] = etag(found)
    return cr_json(found)


@router.post("/models/{model}/rollback", summary="Roll production back (the operator)")
def rollback(request: Request, model: str, body: RollbackAsk, who: Writer) -> dict[str, Any]:
    done = _api(request).workflow.rollback(
        model, actor=who.name, reason=body.reason, to_version=body.to_version
    )
    result: dict[str, Any] = plain(done)
    return result


@router.post("/crs/{cr}/withdraw", summary="Withdraw a CR that is not deployed (If-Match)")
def withdraw(
    request: Request, cr: str, body: WithdrawAsk, who: Writer, response: Response
) -> dict[str, Any]:
    revision = revision_from(request, cr, "withdraw")
    found = _api(request).workflow.withdraw(
        cr, actor=who.name, reason=body.reason, if_match=revision
    )
    response.headers["ETag"] = etag(found)
    return cr_json(found)


@router.post("/crs/{cr}/override-risk", summary="Replace a CR's computed risk rating (If-Match)")
def override_risk(
    request: Request, cr: str, body: RiskAsk, who: Writer, response: Response
) -> dict[str, Any]:
    revision = revision_from(request, cr, "override-risk")
    found = _api(request).workflow.override_risk(
        cr,
        level=body.level,
        justification=body.justification,
        actor=who.name,
        if_match=revision,
    )
    response.headers["ETag"] = etag(found)
    return cr_json(found)
