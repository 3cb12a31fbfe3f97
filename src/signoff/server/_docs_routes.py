"""Regulatory documents built by the server for remote mode: the Annex IV documentation
of a version as its deterministic zip (``signoff docs annex-iv``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from .._api import Signoff
from ..registry import VersionRef
from ._auth import Principal, need

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["regulatory"])
Reader = Annotated[Principal, Depends(need("read"))]


@router.get(
    "/models/{model}/versions/{version}/annex-iv",
    summary="EU AI Act Annex IV documentation of a version, as a zip (signoff docs annex-iv)",
    response_class=Response,
    responses={200: {"content": {"application/zip": {"schema": {"type": "string"}}}}},
)
def annex_iv(request: Request, model: str, version: str, who: Reader) -> Response:
    from ..regulatory import annex_files, annex_zip
    from ..regulatory import annex_iv as build

    api: Signoff = request.app.state.api
    doc = build(api.core, VersionRef(model, version))
    return Response(
        annex_zip(annex_files(doc)),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="annex-iv.zip"'},
    )
