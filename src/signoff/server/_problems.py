"""Errors as RFC 9457 problem details (the API) or an error page (the web UI).

The ``detail`` is the message the CLI prints after ``error:``; the status comes from the
error's class (:mod:`signoff.errors`); a refusal names the ``rule`` that applied.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from ..errors import SignoffError, WorkflowRefused
from ._drafts import refused_comment

__all__ = ["PROBLEM_JSON", "Problem", "install_handlers", "problem_body"]

PROBLEM_JSON = "application/problem+json"
INTERNAL = "internal error: this is a bug in signoff, not in your request; please report it"
#: A refusal because the page (or ETag) was stale is a failed precondition, not a permission.
STALE_RULES = frozenset({"stale_page"})


class Problem(Exception):
    """A refusal or error the server itself raises (access, CSRF, preconditions)."""

    def __init__(self, status: int, title: str, detail: str, *, rule: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.rule = status, title, detail, rule


def _slug(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def problem_body(
    status: int,
    title: str,
    detail: str,
    *,
    rule: str | None = None,
    instance: str = "",
    items: Sequence[str] = (),
) -> dict[str, Any]:
    """One problem document."""
    body: dict[str, Any] = {
        "type": f"urn:signoff:problem:{_slug(title.replace(' ', ''))}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if rule is not None:
        body["rule"] = rule
    if items:
        body["items"] = list(items)  # what is missing, as the detail ends with them
    return body


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and "text/html" in request.headers.get(
        "accept", ""
    )


def _render(request: Request, body: dict[str, Any]) -> Response:
    if _wants_html(request):
        if body["status"] == 401:
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        templates = request.app.state.templates
        page: Response = templates.TemplateResponse(
            request,
            "error.html",
            {"problem": body, "unkept": refused_comment(request)},
            status_code=body["status"],
        )
        return page
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON)


def install_handlers(app: FastAPI) -> None:
    """Register the handlers: every error leaves as a problem, never a traceback."""

    async def signoff_error(request: Request, exc: SignoffError) -> Response:
        status, rule = exc.http_status, None
        items: tuple[str, ...] = ()
        if isinstance(exc, WorkflowRefused):
            rule, items = exc.rule or "workflow", exc.items
            status = 412 if rule in STALE_RULES else status
        title = type(exc).__name__
        body = problem_body(
            status, title, exc.render(), rule=rule, instance=request.url.path, items=items
        )
        return _render(request, body)

    async def own_problem(request: Request, exc: Problem) -> Response:
        body = problem_body(
            exc.status, exc.title, exc.detail, rule=exc.rule, instance=request.url.path
        )
        response = _render(request, body)
        if exc.status == 401 and not _wants_html(request):
            response.headers["WWW-Authenticate"] = 'Bearer realm="signoff"'
        return response

    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()))
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        body = problem_body(
            422, "InvalidRequest", "; ".join(parts) or "invalid request", instance=request.url.path
        )
        return _render(request, body)

    async def http_error(request: Request, exc: HTTPException) -> Response:
        title = "NotFound" if exc.status_code == 404 else "HTTPError"
        body = problem_body(exc.status_code, title, str(exc.detail), instance=request.url.path)
        return _render(request, body)

    async def bug(request: Request, exc: Exception) -> Response:
        body = problem_body(500, "InternalError", INTERNAL, instance=request.url.path)
        return JSONResponse(body, status_code=500, media_type=PROBLEM_JSON)

    app.add_exception_handler(SignoffError, signoff_error)  # type: ignore[arg-type]
    app.add_exception_handler(Problem, own_problem)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, bad_request)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, bug)
