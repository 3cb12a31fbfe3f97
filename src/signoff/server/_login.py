"""Signing in and out: one-time login links (loopback) and OpenID Connect (code + PKCE).

A login starts a new session (a fresh CSRF token, the login time, the identity provider
and its subject), which a sign-off records.  A person signs in as the registry user whose
e-mail address the provider vouches for (``email_verified``); nobody is created here.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .._api import Signoff
from ..errors import WorkflowRefused
from ._auth import Principal, need
from ._identify import end_session, start_session
from ._params import Reader
from ._problems import Problem
from ._settings import LOOPBACK

__all__ = ["router"]

router = APIRouter(tags=["sign in"], include_in_schema=True)
Anyone = Annotated[Principal | None, Depends(need("public"))]
LINKS_OFF = (
    "login links work only on a server listening on loopback, from this machine, not through "
    "a proxy (SIGNOFF_LOGIN_LINKS)"
)
LINK_BAD = "this login link is unknown, used or expired: ask for a new one (signoff login-link)"
NO_OIDC = "OpenID Connect is not configured (SIGNOFF_OIDC_ISSUER …)"
OIDC_FAILED = "the identity provider did not sign you in: {why}"
NO_USER = (
    "the identity provider vouches for {email!r}, but no registry user has that e-mail "
    "address verified by the provider; ask an admin to add you"
)


def _safe_next(target: str | None) -> str:
    """Only a local path: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return urlsplit(target).path or "/"


@router.get("/login", response_class=HTMLResponse, summary="The sign-in page")
def login_page(request: Request, who: Anyone, next: str | None = None) -> Response:
    settings = request.app.state.settings
    context = {"who": who, "next": _safe_next(next), "settings": settings}
    response: Response = request.app.state.templates.TemplateResponse(
        request, "login.html", context
    )
    return response


@router.post("/login/link", summary="Spend a one-time login link (loopback only)")
def login_link(
    request: Request, who: Anyone, token: Annotated[str, Form()], next: Annotated[str, Form()] = "/"
) -> Response:
    settings = request.app.state.settings
    client = request.client.host if request.client else ""
    local = client in LOOPBACK and "x-forwarded-for" not in request.headers
    if not settings.login_links or not local:
        raise Problem(403, "AccessRefused", LINKS_OFF, rule="login_links")
    api: Signoff = request.app.state.api
    user = api.registry.tokens.use_login_link(token)
    if user is None:
        raise Problem(401, "NotAuthenticated", LINK_BAD, rule="login_link")
    start_session(
        request, user, identity_provider="login-link", subject=user.name, now=api.core.clock()
    )
    return RedirectResponse(_safe_next(next), status_code=303)


@router.get("/login/link", response_class=HTMLResponse, summary="The login link's landing page")
def login_link_page(request: Request, who: Anyone, token: str = "") -> Response:
    # A GET never spends the link (mail scanners prefetch): the page posts it back.
    context = {"token": token, "settings": request.app.state.settings}
    response: Response = request.app.state.templates.TemplateResponse(
        request, "login_link.html", context
    )
    return response


@router.post("/logout", summary="End the session")
def logout(request: Request, who: Reader) -> Response:
    end_session(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/login/oidc", summary="Sign in with the organisation's identity provider")
async def login_oidc(request: Request, who: Anyone, next: str | None = None) -> Response:
    client = request.app.state.oidc
    if client is None:
        raise Problem(404, "NotFound", NO_OIDC, rule="oidc")
    request.session["next"] = _safe_next(next)
    redirect = request.app.state.settings.public_url + "/auth/callback"
    response: Response = await client.authorize_redirect(request, redirect)
    return response


@router.get("/auth/callback", summary="Where the identity provider sends you back")
async def oidc_callback(request: Request, who: Anyone) -> Response:
    from authlib.integrations.base_client.errors import OAuthError

    client = request.app.state.oidc
    if client is None:
        raise Problem(404, "NotFound", NO_OIDC, rule="oidc")
    try:
        token = await client.authorize_access_token(request)
    except OAuthError as exc:
        raise Problem(401, "NotAuthenticated", OIDC_FAILED.format(why=exc.description)) from None
    claims: dict[str, Any] = dict(token.get("userinfo") or {})
    groups_claim = request.app.state.settings.oidc_groups_claim
    if not claims.get("email") or groups_claim not in claims:  # a minimal ID token
        claims.update(dict(await client.userinfo(token=token)))
    email = str(claims.get("email") or "")
    api: Signoff = request.app.state.api
    users = await run_in_threadpool(api.registry.list_users)
    match = [u for u in users if email and u.email.lower() == email.lower()]
    if not match or claims.get("email_verified") is False:
        raise Problem(403, "AccessRefused", NO_USER.format(email=email), rule="unknown_user")
    target = _safe_next(request.session.get("next"))
    issuer = request.app.state.settings.oidc_issuer
    subject = str(claims["sub"])
    try:
        synced = await run_in_threadpool(
            api.workflow.sync_roles,
            match[0].name,
            _groups(claims.get(groups_claim)),
            issuer=issuer,
            subject=subject,
        )
    except WorkflowRefused as refusal:  # recorded by the core
        raise Problem(403, "AccessRefused", str(refusal), rule=refusal.rule) from None
    start_session(
        request,
        synced.user,
        identity_provider=issuer,
        subject=subject,
        now=api.core.clock(),
    )
    return RedirectResponse(target, status_code=303)


def _groups(value: Any) -> list[str]:
    """The groups claim: a list of names (a single string counts as one; absent: none)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if isinstance(v, str | int)]
    return []
