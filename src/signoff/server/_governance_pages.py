"""The governance page: the versions, and for an admin a form to propose a new one.

A proposal is :func:`._governance_routes.propose_upload`, as ``POST /api/governance``;
the page then shows the proposer the core's warnings about it (a webhook URL that looks
like it carries a secret, now in the ledger for good), with their line and column.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from .._api import Signoff
from ..errors import SignoffError
from ._auth import Principal
from ._governance_routes import propose_upload
from ._params import Reader, Writer

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


def _may_propose(who: Principal) -> bool:
    """Whether to show the form (the core decides anyway: only an admin proposes)."""
    return who.via == "session" and not who.read_only and "admin" in who.user.roles


def _render(request: Request, who: Principal, status: int = 200, **shown: object) -> Response:
    from ..workflow import gov_id

    versions = _api(request).workflow.governance_versions_shown(viewer=who.name)
    context = {
        "who": who,
        "versions": [(gov_id(v.number), v) for v in reversed(versions)],
        "may_propose": _may_propose(who),
        "result": None,
        "warnings": [],
        "error": None,
        **shown,
    }
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(request, "governance.html", context)
    response.status_code = status
    return response


@router.get("/governance", response_class=HTMLResponse)
def governance_page(request: Request, who: Reader) -> Response:
    return _render(request, who)


@router.post("/governance", response_class=HTMLResponse)
def governance_propose(
    request: Request,
    who: Writer,
    governance: Annotated[UploadFile, File()],
    policies: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    from ..workflow import gov_id

    chosen = [p for p in policies or [] if p.filename]  # a form sends an empty part
    try:
        record, warnings = propose_upload(
            _api(request), who.name, governance, chosen, base_names=True
        )
    except SignoffError as exc:
        return _render(request, who, exc.http_status, error=exc.render())
    result = {"id": gov_id(record.number), "state": record.state}
    return _render(request, who, result=result, warnings=warnings)
