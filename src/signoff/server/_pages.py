"""Server-rendered pages (Jinja2, no JavaScript): change requests with the sign-off form,
models, versions and the ledger.  The same core calls as the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from .._api import Signoff
from ..registry import VersionRef
from ..store import CRState
from ..workflow import ChangeRequest
from ._api_routes import attestation
from ._auth import Principal, need
from ._cache import PageCache
from ._drafts import forget_draft, take_draft
from ._identify import span
from ._ledger_routes import SeqQuery, verify
from ._monitor_routes import monitoring_section
from ._params import Reader
from ._present import etag

__all__ = ["kept", "router", "sign_roles"]

T = TypeVar("T")

router = APIRouter(include_in_schema=False)
Signer = Annotated[Principal, Depends(need("sign"))]
_ORDER = {"FAIL": 0, "WARN": 1, "PASS": 2}
PAGE_SIZE = 50  # change requests on one page of /crs
STALE_LOGIN = "Your login is {age} old; a sign-off needs one at most {limit} old."


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


def _page(request: Request, template: str, who: Principal | None, **context: Any) -> Response:
    context["who"] = who
    response: Response = request.app.state.templates.TemplateResponse(request, template, context)
    return response


def sign_roles(cr: ChangeRequest, who: Principal) -> list[str]:
    """The roles ``who`` could sign ``cr`` in (empty: no form; the core decides anyway)."""
    if who.via != "session" or who.read_only or who.name == cr.requester:
        return []
    if cr.state not in (CRState.SUBMITTED, CRState.IN_REVIEW):
        return []
    mine = {s.role for s in cr.signoffs if s.user == who.name}
    roles = [r.role for r in cr.required if r.role in who.user.roles]
    return [r for r in roles if not (mine - {r})]


def _stale_login(request: Request, who: Principal) -> str | None:
    """Why a sign-off would be refused now for want of a fresh login (None: it is fresh)."""
    if who.login_at is None:
        return None
    age = _api(request).core.clock() - who.login_at
    limit = request.app.state.settings.fresh_login
    return None if age <= limit else STALE_LOGIN.format(limit=span(limit), age=span(age))


def shown_evidence(
    api: Signoff, cr: ChangeRequest, audits: list[Any] | None = None
) -> dict[str, str | None]:
    """The evidence hashes a reviewer is shown (the sign-off records them); ``audits``: the
    version's audits when already read."""
    ref = VersionRef(cr.model, cr.version)
    audits = api.registry.list_audits(ref) if audits is None else audits
    latest = {a.kind: a.sha256 for a in api.registry.list_artifacts(ref)}
    return {
        "audit_results_sha256": audits[-1].results_sha256 if audits else None,
        "report_sha256": latest.get("audit_report"),
        "model_card_sha256": latest.get("model_card"),
    }


@router.get("/", response_class=HTMLResponse)
def home(request: Request, who: Reader) -> Response:
    return RedirectResponse("/crs", status_code=303)


def _cached(request: Request) -> PageCache:
    cache: PageCache = request.app.state.page_cache
    return cache


async def kept(request: Request, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """The page data for ``key``: on the event loop when kept at a known state, else read
    or computed in a thread (a page's database reads never block the loop)."""
    cache = _cached(request)
    found = cache.peek(key, request)
    if found is not None:
        return found  # type: ignore[no-any-return]
    return await run_in_threadpool(cache.get, key, compute, request)


@router.get("/crs", response_class=HTMLResponse)
async def cr_list(
    request: Request,
    who: Reader,
    state: str | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """Newest first, PAGE_SIZE at a time (read a page at a time from the database)."""
    api = _api(request)
    crs = await kept(
        request,
        ("crs", state or "", offset),
        lambda: api.workflow.list_crs(state=state, limit=PAGE_SIZE + 1, offset=offset),
    )
    pages = {
        "first": offset + 1,
        "last": offset + min(len(crs), PAGE_SIZE),
        "newer": max(offset - PAGE_SIZE, 0) if offset else None,
        "older": offset + PAGE_SIZE if len(crs) > PAGE_SIZE else None,
    }
    context = {"crs": crs[:PAGE_SIZE], "state": state or "", "pages": pages}
    return _page(request, "crs.html", who, **context)


def _cr_data(api: Signoff, cr: str) -> tuple[ChangeRequest, list[Any], dict[str, Any], Any]:
    """What a CR page shows, whoever reads it (cached by the ledger's tree size)."""
    found = api.workflow.get_cr(cr)
    ref = VersionRef(found.model, found.version)
    audits = api.registry.list_audits(ref)
    waivers = {w.gate: w for w in api.workflow.list_waivers(ref)}
    return found, audits, waivers, shown_evidence(api, found, audits)


@router.get("/crs/{cr}", response_class=HTMLResponse)
async def cr_page(request: Request, cr: str, who: Reader) -> Response:
    api = _api(request)
    found, audits, waivers, evidence = await kept(request, ("cr", cr), lambda: _cr_data(api, cr))
    gates = sorted(
        (audits[-1].gates if audits else {}).items(), key=lambda g: (_ORDER.get(g[1], 3), g[0])
    )
    response = _page(
        request,
        "cr.html",
        who,
        cr=found,
        gates=gates,
        waivers=waivers,
        audit=audits[-1] if audits else None,
        evidence=evidence,
        roles=sign_roles(found, who),
        etag=etag(found).strip('"'),
        stale_login=_stale_login(request, who),
        draft=take_draft(request, found.id),
    )
    response.headers["ETag"] = etag(found)
    return response


@router.post("/crs/{cr}/sign", response_class=HTMLResponse)
def cr_sign(
    request: Request,
    cr: str,
    who: Signer,
    role: Annotated[str, Form()],
    decision: Annotated[str, Form()],
    comment: Annotated[str, Form()],
    revision: Annotated[str, Form()],
    audit_results_sha256: Annotated[str, Form()] = "",
    report_sha256: Annotated[str, Form()] = "",
    model_card_sha256: Annotated[str, Form()] = "",
) -> Response:
    shown = {
        "audit_results_sha256": audit_results_sha256 or None,
        "report_sha256": report_sha256 or None,
        "model_card_sha256": model_card_sha256 or None,
    }
    digits = revision.removeprefix("r")
    number = int(digits) if digits.isascii() and digits.isdigit() else -1
    found = _api(request).workflow.sign(
        cr,
        actor=who.name,
        role=role,
        decision=decision,
        comment=comment,
        if_match=number,
        attestation=attestation(who, shown),
    )
    forget_draft(request)
    return RedirectResponse(f"/crs/{found.id}?signed=1", status_code=303)


@router.get("/models", response_class=HTMLResponse)
def model_list(request: Request, who: Reader) -> Response:
    return _page(request, "models.html", who, models=_api(request).registry.list_models())


@router.get("/models/{model}", response_class=HTMLResponse)
def model_page(request: Request, model: str, who: Reader) -> Response:
    registry = _api(request).registry
    found = registry.get_model(model)
    versions = registry.list_versions(found.name)
    history = registry.history(found.name)
    monitoring = monitoring_section(_api(request), found.name)
    return _page(
        request,
        "model.html",
        who,
        model=found,
        versions=versions,
        history=history,
        monitoring=monitoring,
    )


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, who: Reader) -> Response:
    context = {"result": None, "error": None, "checkpoint": "", "key": "", "writer_key": ""}
    return _page(request, "ledger.html", who, **context)


@router.post("/ledger", response_class=HTMLResponse)
def ledger_verify(
    request: Request,
    who: Reader,
    checkpoint: Annotated[str, Form()] = "",
    public_key: Annotated[str, Form()] = "",
    writer_key: Annotated[str, Form()] = "",
) -> Response:
    from ..errors import SignoffError

    result, error, status = None, None, 200
    given = [checkpoint.strip() or None, public_key.strip() or None, writer_key.strip() or None]
    try:
        result = verify(_api(request), *given)
    except SignoffError as exc:
        error, status = exc.render(), exc.http_status
    context = {"result": result, "error": error, "checkpoint": checkpoint, "key": public_key}
    context["writer_key"] = writer_key
    response = _page(request, "ledger.html", who, **context)
    response.status_code = status
    return response


@router.get("/ledger/proof", response_class=JSONResponse)
def proof_download(request: Request, who: Reader, seq: SeqQuery) -> Response:
    from ._ledger_routes import proof

    doc = proof(request, seq, who)
    headers = {"Content-Disposition": f'attachment; filename="signoff-proof-{seq}.json"'}
    return JSONResponse(doc, headers=headers)
