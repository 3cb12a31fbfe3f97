"""The portfolio dashboard page: the ``signoff portfolio`` table with its filters (team,
status, as of a date) and the portfolio report's charts, each model linking to its page.
The same core calls as ``GET /api/portfolio`` and ``/api/portfolio/trends``.

What lies below the filters is the same for everyone at one registry state, so it is
computed and rendered once per (filters, tree size, minute) in each worker (the page
cache); only the page's frame — who is signed in, their CSRF token — is rendered per
request.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from .._api import Signoff
from ..errors import SignoffError
from ._pages import kept
from ._params import Reader

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Filter = Annotated[str, Query()]


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


def _board(request: Request, filters: dict[str, str]) -> Markup:
    """The counts, table and charts for ``filters``, rendered (SignoffError: a bad filter)."""
    from ..portfolio import STATUSES, portfolio_charts

    view, trends = _api(request).portfolio.dashboard(
        at=filters["at"] or None, team=filters["team"] or None, status=filters["status"] or None
    )
    shown = view.to_dict()
    order = {s: i for i, s in enumerate(reversed(STATUSES))}  # blocked, attention, …
    rows = sorted(shown["models"], key=lambda r: (order[r["status"]], r["model"]))
    chosen = {k: v for k, v in filters.items() if v}
    template = request.app.state.templates.env.get_template("_portfolio_body.html")
    html = template.render(
        view=shown,
        rows=rows,
        filters=filters,
        charts=portfolio_charts(view, trends),
        query=f"?{urlencode(chosen)}" if chosen else "",
    )
    return Markup(html)


@router.get("/portfolio", response_class=HTMLResponse)
async def portfolio_page(
    request: Request, who: Reader, team: Filter = "", status: Filter = "", at: Filter = ""
) -> Response:
    from ..portfolio import STATUSES

    api = _api(request)
    filters = {"team": team, "status": status, "at": at}
    teams = await kept(
        request, ("teams",), lambda: sorted({m.team for m in api.registry.list_models()})
    )
    context: dict[str, Any] = {
        "who": who,
        "filters": filters,
        "teams": teams,
        "statuses": STATUSES,
        "error": None,
        "body": None,
    }
    code = 200
    try:
        key = ("portfolio", team, status, at)
        context["body"] = await kept(request, key, lambda: _board(request, filters))
    except SignoffError as exc:  # a bad filter: say so above the form, keep the form
        context["error"], code = exc.render(), exc.http_status
    templates = request.app.state.templates
    page: Response = templates.TemplateResponse(
        request, "portfolio.html", context, status_code=code
    )
    return page
