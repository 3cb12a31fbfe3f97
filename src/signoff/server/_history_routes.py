"""What happened, over HTTP: a model's stage history, what was in a stage on a date and
who approved it, a version's waivers, the emergency changes — the CLI's ``model history
[--at]``, ``waiver list`` and ``cr list --overdue``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from .._api import Signoff
from ..errors import ConfigError
from ..registry import VersionRef
from ._params import Limit, Offset, Reader
from ._present import cr_json, page

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["registry and workflow"])
BAD_MOMENT = "expected a date or time like 2026-11-01 or 2026-11-01T12:00:00, got {text!r}"


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


def moment(text: str, field: str) -> dt.datetime:
    """A date (the end of that day) or a time, UTC unless it says otherwise — as
    ``signoff model history --at`` reads it."""
    try:
        found = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(BAD_MOMENT.format(text=text), field=field) from None
    if found.tzinfo is None:
        found = found.replace(tzinfo=dt.UTC)
    if len(text) == 10:  # a bare date means the end of that day
        found += dt.timedelta(days=1, microseconds=-1)
    return found


@router.get("/models/{model}/history", summary="Which version was in which stage, when, by whom")
def history(
    request: Request, model: str, who: Reader, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    return page(request, _api(request).registry.history(model), limit, offset)


@router.get(
    "/models/{model}/at",
    summary="What was in a stage at a moment, and who approved it (signoff model history --at)",
)
def holder_at(
    request: Request,
    model: str,
    who: Reader,
    when: Annotated[str, Query(description="A date (its end) or time, ISO 8601, UTC.")],
    stage: Annotated[str, Query(description="The stage.")] = "production",
) -> dict[str, Any]:
    api = _api(request)
    name = api.registry.get_model(model).name
    at = moment(when, "when")
    found = api.workflow.holder_at(name, at, stage=stage)
    return {"model": name, "stage": stage, "at": at.isoformat(), "holder": found}


@router.get("/models/{model}/versions/{version}/waivers", summary="A version's waivers")
def waivers(
    request: Request,
    model: str,
    version: str,
    who: Reader,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    found = _api(request).workflow.list_waivers(VersionRef(model, version))
    return page(request, found, limit, offset)


@router.get("/emergencies", summary="Emergency (break-glass) changes, newest first")
def emergencies(
    request: Request,
    who: Reader,
    overdue: Annotated[
        bool, Query(description="Only those with an overdue review, or expired.")
    ] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    found = [c for c in _api(request).workflow.list_crs(overdue=overdue) if c.emergency]
    return page(request, found, limit, offset, render=cr_json)
