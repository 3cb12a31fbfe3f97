"""The JSON API: models, versions, change requests, waivers.  Parse, call the core, render."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from .._api import Signoff
from ..registry import VersionRef
from ._auth import Principal, need
from ._params import Limit, Offset, Reader, Writer
from ._present import cr_json, etag, page, paged, plain, revision_from

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["registry and workflow"])
Signer = Annotated[Principal, Depends(need("sign"))]


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


class OpenCR(BaseModel):
    """A new change request."""

    version: str = Field(description="MODEL@VERSION", examples=["credit@1.2"])
    to_stage: str = Field(examples=["production"])
    summary: str
    rollout_plan: str | None = None
    rollback_plan: str | None = None
    impact: str | None = None


class SignCR(BaseModel):
    """A sign-off decision."""

    role: str
    decision: str = Field(description="approve, reject or changes")
    comment: str
    shown_evidence: dict[str, str | None] | None = Field(
        default=None, description="The evidence hashes the page showed (from GET the CR)."
    )
    signature: str | None = Field(
        default=None,
        description="For a person with a registered key: base64 Ed25519 over the canonical "
        "JSON of {cr, user, role, decision, comment (as recorded), evidence}.",
    )


class WaiverAsk(BaseModel):
    """A waiver request for one failed gate."""

    gate: str
    reason: str
    until: dt.date


@router.get("/me", summary="Who the server thinks you are")
def me(who: Reader) -> dict[str, Any]:
    return {
        "user": who.name,
        "roles": list(who.user.roles),
        "via": who.via,
        "scope": who.scope,
        "login_at": plain(who.login_at) if who.login_at else None,
        "identity_provider": who.identity_provider,
        "csrf": who.csrf,  # a session's unsafe requests send it as X-CSRF-Token
    }


@router.get("/models", summary="The model inventory")
def models(request: Request, who: Reader, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    return page(request, _api(request).registry.list_models(), limit, offset)


@router.get("/models/{model}", summary="One model, its versions and stage history")
def model(request: Request, model: str, who: Reader) -> dict[str, Any]:
    registry = _api(request).registry
    found = registry.get_model(model)
    return {
        **plain(found),
        "versions": plain(registry.list_versions(found.name)),
        "history": plain(registry.history(found.name)),
    }


@router.get("/models/{model}/versions/{version}", summary="One version and its evidence")
def version(request: Request, model: str, version: str, who: Reader) -> dict[str, Any]:
    api, ref = _api(request), VersionRef(model, version)
    return {
        **plain(api.registry.get_version(ref)),
        "audits": plain(api.registry.list_audits(ref)),
        "artifacts": plain(api.registry.list_artifacts(ref)),
        "waivers": plain(api.workflow.list_waivers(ref)),
    }


@router.get("/crs", summary="Change requests, newest first (paged in SQL)")
def crs(
    request: Request,
    who: Reader,
    state: str | None = None,
    waiting_for: Annotated[str | None, Query(description="A role still needed.")] = None,
    requester: Annotated[str | None, Query(description="Only those this person opened.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    found = _api(request).workflow.page_crs(
        state=state, requester=requester, waiting_for=waiting_for, limit=limit, offset=offset
    )
    return paged(request, found.items, found.total, limit, offset, render=cr_json)


@router.get("/crs/{cr}", summary="One change request with its readiness; ETag for If-Match")
def cr(request: Request, cr: str, who: Reader, response: Response) -> dict[str, Any]:
    found = _api(request).workflow.get_cr(cr)
    response.headers["ETag"] = etag(found)
    return cr_json(found)


def _answer(found: Any, response: Response) -> dict[str, Any]:
    response.headers["ETag"] = etag(found)
    return cr_json(found)


@router.post("/crs", status_code=201, summary="Open a change request (draft)")
def open_cr(request: Request, body: OpenCR, who: Writer, response: Response) -> dict[str, Any]:
    plans = {"rollout_plan": body.rollout_plan, "rollback_plan": body.rollback_plan}
    details = {k: v for k, v in {**plans, "impact": body.impact}.items() if v}
    found = _api(request).workflow.open_cr(
        VersionRef.parse(body.version),
        to_stage=body.to_stage,
        summary=body.summary,
        actor=who.name,
        details=details,
    )
    response.headers["Location"] = f"/api/crs/{found.id}"
    return _answer(found, response)


@router.post("/crs/{cr}/submit", summary="Submit for review (If-Match required)")
def submit(request: Request, cr: str, who: Writer, response: Response) -> dict[str, Any]:
    revision = revision_from(request, cr, "submit")
    found = _api(request).workflow.submit(cr, actor=who.name, if_match=revision)
    return _answer(found, response)


@router.post("/crs/{cr}/sign", summary="Sign off, as a freshly logged-in person (If-Match)")
def sign(
    request: Request, cr: str, body: SignCR, who: Signer, response: Response
) -> dict[str, Any]:
    revision = revision_from(request, cr, "sign")
    found = _api(request).workflow.sign(
        cr,
        actor=who.name,
        role=body.role,
        decision=body.decision,
        comment=body.comment,
        if_match=revision,
        attestation=attestation(who, body.shown_evidence),
        signature=body.signature,
    )
    return _answer(found, response)


def attestation(who: Principal, shown: dict[str, str | None] | None) -> dict[str, Any]:
    """What a sign-off records of the login it came from and the evidence shown."""
    return {
        "login_at": plain(who.login_at),
        "identity_provider": who.identity_provider,
        "subject": who.subject,
        "shown_evidence": shown,
    }


@router.post("/crs/{cr}/deploy", summary="Deploy an approved CR (If-Match required)")
def deploy(request: Request, cr: str, who: Writer, response: Response) -> dict[str, Any]:
    revision = revision_from(request, cr, "deploy")
    return _answer(_api(request).workflow.deploy(cr, actor=who.name, if_match=revision), response)


@router.post(
    "/models/{model}/versions/{version}/waivers", status_code=201, summary="Ask for a waiver"
)
def request_waiver(
    request: Request, model: str, version: str, body: WaiverAsk, who: Writer
) -> dict[str, Any]:
    until = dt.datetime.combine(body.until, dt.time(23, 59, 59), dt.UTC)
    found = _api(request).workflow.request_waiver(
        VersionRef(model, version), gate=body.gate, reason=body.reason, until=until, actor=who.name
    )
    result: dict[str, Any] = plain(found)
    return result


@router.post("/waivers/{waiver}/grant", summary="Grant a waiver (a person, freshly logged in)")
def grant_waiver(request: Request, waiver: str, who: Signer) -> dict[str, Any]:
    result: dict[str, Any] = plain(_api(request).workflow.grant_waiver(waiver, actor=who.name))
    return result
