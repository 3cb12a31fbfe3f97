"""The monitoring metrics alone, as ``signoff monitor export --prometheus`` writes them
(``/metrics`` adds the server's request counts): remote mode's ``monitor export``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from .._api import Signoff
from ._params import Reader

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["monitoring"])


@router.get(
    "/monitor-metrics",
    response_class=PlainTextResponse,
    summary="Each monitored model's latest window as Prometheus text (signoff monitor export)",
)
def monitor_metrics(request: Request, who: Reader) -> PlainTextResponse:
    api: Signoff = request.app.state.api
    return PlainTextResponse(api.monitor.prometheus(), media_type="text/plain; version=0.0.4")
