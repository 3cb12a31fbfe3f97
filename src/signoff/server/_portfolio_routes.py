"""The portfolio over HTTP: the table (as of any date), the trends, the inventory export
and the audit log — ``signoff portfolio [--at] [trends]``, ``inventory export`` and
``log export``, computed by the same core functions."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from .._api import Signoff
from ._params import Reader

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["portfolio"])
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


@router.get("/portfolio", summary="One row per model with its compliance status (as of --at)")
def portfolio(
    request: Request,
    who: Reader,
    at: Annotated[
        str | None, Query(description="A past date or time: recomputed from the ledger alone.")
    ] = None,
    team: Annotated[str | None, Query(description="Only this team's models.")] = None,
    status: Annotated[
        str | None, Query(description="Only models with this status: compliant|attention|blocked.")
    ] = None,
) -> dict[str, Any]:
    view = _api(request).portfolio.view(at=at, team=team, status=status)
    result: dict[str, Any] = view.to_dict()
    return result


@router.get("/portfolio/trends", summary="Pass rates, failed gates, velocity, change failure")
def trends(
    request: Request,
    who: Reader,
    since: Annotated[str | None, Query(description="Only from this date on.")] = None,
    by: Annotated[str, Query(description="Group by month, team or risk.")] = "month",
) -> dict[str, Any]:
    return _api(request).portfolio.trends(since=since, by=by)


@router.get(
    "/inventory",
    summary="The model inventory for supervisors: CSV, JSON or xlsx (signoff inventory export)",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
                MEDIA["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
def inventory(
    request: Request,
    who: Reader,
    format: Annotated[
        Literal["csv", "json", "xlsx"], Query(description="csv, json or xlsx.")
    ] = "csv",
) -> Response:
    from ..regulatory import inventory as rows_of
    from ..regulatory import inventory_bytes

    api = _api(request)
    rows = rows_of(api.core)
    data = inventory_bytes(rows, format, created=api.core.clock())
    headers = {
        "Content-Disposition": f'attachment; filename="inventory.{format}"',
        "X-Signoff-Models": str(len(rows)),  # what `inventory export -o` reports
    }
    return Response(data, media_type=MEDIA[format], headers=headers)


@router.get(
    "/log",
    summary="One line per audit, attached or imported, oldest first (signoff log export)",
    response_class=Response,
    responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
)
def log(
    request: Request,
    who: Reader,
    format: Annotated[Literal["jsonl"], Query(description="jsonl, the only format.")] = "jsonl",
) -> Response:
    lines = (
        json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        for record in _api(request).registry.audit_log()
    )
    return Response("".join(lines), media_type="application/x-ndjson")
