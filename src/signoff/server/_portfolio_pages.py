"""The portfolio dashboard page: the ``signoff portfolio`` table with its filters (team,
status, as of a date) and the portfolio report's charts, each model linking to its page.
The same core calls as ``GET /api/portfolio`` and ``/api/portfolio/trends``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from .._api import Signoff
from ..errors import SignoffError
from ._auth import Principal, need

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(need("read"))]
Filter = Annotated[str, Query()]


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


@router.get("/portfolio", response_class=HTMLResponse)
def portfolio_page(
    request: Request, who: Reader, team: Filter = "", status: Filter = "", at: Filter = ""
) -> Response:
    from ..portfolio import STATUSES, portfolio_charts

    api = _api(request)
    teams = sorted({m.team for m in api.registry.list_models()})
    context: dict[str, Any] = {
        "who": who,
        "filters": {"team": team, "status": status, "at": at},
        "teams": teams,
        "statuses": STATUSES,
        "error": None,
        "view": None,
        "charts": {},
    }
    code = 200
    try:
        view, trends = api.portfolio.dashboard(
            at=at or None, team=team or None, status=status or None
        )
    except SignoffError as exc:  # a bad filter: say so above the form, keep the form
        context["error"], code = exc.render(), exc.http_status
    else:
        context["view"] = view.to_dict()
        order = {s: i for i, s in enumerate(reversed(STATUSES))}  # blocked, attention, …
        rows = sorted(context["view"]["models"], key=lambda r: (order[r["status"]], r["model"]))
        context["rows"] = rows
        context["charts"] = portfolio_charts(view, trends)
    templates = request.app.state.templates
    page: Response = templates.TemplateResponse(
        request, "portfolio.html", context, status_code=code
    )
    return page
