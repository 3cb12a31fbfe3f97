"""Documents the server builds for remote mode: the Annex IV documentation of a version
as its deterministic zip (``signoff docs annex-iv``) and the monthly executive report
(``signoff portfolio report``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from .._api import Signoff
from ..errors import ConfigError
from ..registry import VersionRef
from ._params import Reader

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["regulatory"])
NOTE_AND_KEY = "give signed_note and public_key together, or neither"
REPORT_MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


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


@router.get(
    "/portfolio/report",
    summary="The monthly executive report, rendered by the server (signoff portfolio report)",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
def portfolio_report(
    request: Request,
    who: Reader,
    period: Annotated[str, Query(description="The month reported on, e.g. 2026-11.")],
    format: Annotated[Literal["html", "pdf"], Query(description="html or pdf.")] = "pdf",
    signed_note: Annotated[
        str | None,
        Query(description="The report's checkpoint (GET …/checkpoint) signed where the key is."),
    ] = None,
    public_key: Annotated[
        str | None, Query(description="The public key that signed `signed_note`.")
    ] = None,
) -> Response:
    api: Signoff = request.app.state.api
    if (signed_note is None) != (public_key is None):
        raise ConfigError(NOTE_AND_KEY, field="signed_note")
    signed = None if signed_note is None or public_key is None else (signed_note, public_key)
    data, context = api.portfolio.report(period, fmt=format, signed=signed)
    ledger = context["ledger"]
    headers = {  # what `portfolio report` prints after writing the file
        "Content-Disposition": f'attachment; filename="report.{format}"',
        "X-Signoff-Ledger-Size": str(ledger["size"]),
        "X-Signoff-Ledger-Root": str(ledger["root_hash"] or ""),
        "X-Signoff-Signed": "yes" if ledger["signed_note"] else "no",
    }
    return Response(data, media_type=REPORT_MEDIA[format], headers=headers)


@router.get(
    "/portfolio/report/checkpoint",
    summary="The ledger checkpoint a report of the period cites, to sign on your own machine",
)
def report_checkpoint(
    request: Request,
    who: Reader,
    period: Annotated[str, Query(description="The month reported on, e.g. 2026-11.")],
) -> dict[str, Any]:
    api: Signoff = request.app.state.api
    return api.portfolio.report_checkpoint(period)
