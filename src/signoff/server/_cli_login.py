"""``signoff login``: a device-authorization flow (the RFC 8628 pattern) served by signoff.

1. The CLI asks ``POST /api/cli-login`` for a login request: a short ``user_code``, the
   page to confirm it at (``verification_uri_complete``) and a secret ``device_code``.
   Nothing is stored yet: the request is signed with the server's secret key and the
   device code is an HMAC of it, so every worker can check both.
2. The person opens the page in a browser where they are signed in (OpenID Connect or a
   login link), compares the code with the one their terminal shows, and confirms
   (``POST /cli-login/{request}``, CSRF-checked).  That records ``cli_session.created`` in
   the ledger — the user, the browser login's time, identity provider and subject, the
   SHA-256 of the device code — projected into ``server_tokens``.
3. The CLI polls ``POST /api/cli-login/token`` with the request and the device code; once
   confirmed it receives a session stamp.  From then on it sends
   ``Authorization: Bearer <device code>`` and ``Signoff-Session: <stamp>``: the device code
   names the session (revocable: ``POST /api/cli-login/logout``), the stamp — signed, and
   renewed in every answer — carries the time of the last request, so the session ends
   after 30 minutes idle and 8 hours after the browser login, as a browser session does.
   Its login time is the browser login's, so a sign-off needs that login at most 15
   minutes old.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from itsdangerous import BadSignature
from pydantic import BaseModel, Field

from .._api import Signoff
from .._time import iso_utc
from ._auth import Principal, need
from ._cli_session import PREFIX, serializer, stamp
from ._params import Reader
from ._problems import Problem
from ._route_rules import only

__all__ = ["router"]

router = APIRouter(tags=["sign in"])
Anyone = Annotated[Principal | None, Depends(need("public"))]

REQUEST_TTL = dt.timedelta(minutes=10)
POLL_INTERVAL = 1
_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels, no look-alikes: no words, no 0/O
BAD_REQUEST = "this CLI login request is unknown or was altered: run `signoff login` again"
EXPIRED = "this CLI login request expired (after 10 minutes): run `signoff login` again"
PENDING = "not confirmed yet: open the page, check the code and confirm it"
BROWSER_ONLY = "a CLI login is confirmed by a person signed in in a browser, not by a token"
CONFIRMED = "this CLI login was confirmed already; run `signoff login` again for another"
NOT_CLI = "only a CLI session (`signoff login`) can log out here"


def _device_code(request: Request, blob: str) -> str:
    key = request.app.state.settings.secret_key.encode()
    digest = hmac.new(key, b"signoff-cli-login:" + blob.encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


def _open_request(request: Request, blob: str) -> dict[str, Any]:
    """The login request a blob stands for; 400 when forged, expired when too old."""
    try:
        data: dict[str, Any] = serializer(request, "cli-login").loads(blob)
    except BadSignature:
        raise Problem(400, "InvalidRequest", BAD_REQUEST, rule="invalid_request") from None
    issued = dt.datetime.fromtimestamp(int(data["t"]), dt.UTC)
    if _api(request).core.clock() - issued > REQUEST_TTL:
        raise Problem(400, "InvalidRequest", EXPIRED, rule="expired_token")
    return data


class LoginRequest(BaseModel):
    """A started CLI login: show ``user_code`` and the page; keep ``device_code`` secret."""

    request: str = Field(description="The login request (part of the confirmation page).")
    device_code: str = Field(description="The secret the CLI polls with, and later sends.")
    user_code: str = Field(description="The code the person compares on the page.")
    verification_uri_complete: str
    expires_in: int
    interval: int


class Poll(BaseModel):
    """The CLI's poll: its request and device code."""

    request: str
    device_code: str


@router.post("/api/cli-login", summary="Start a CLI login (device authorization)")
def start(request: Request, who: Anyone) -> LoginRequest:
    code = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    now = _api(request).core.clock()
    payload = {"u": code, "t": int(now.timestamp()), "n": secrets.token_hex(8)}
    blob = serializer(request, "cli-login").dumps(payload)
    return LoginRequest(
        request=blob,
        device_code=_device_code(request, blob),
        user_code=f"{code[:4]}-{code[4:]}",
        verification_uri_complete=f"{request.app.state.settings.public_url}/cli-login/{blob}",
        expires_in=int(REQUEST_TTL.total_seconds()),
        interval=POLL_INTERVAL,
    )


def _page(request: Request, blob: str, who: Principal | None, done: bool) -> Response:
    data = _open_request(request, blob)
    context = {"who": who, "code": f"{data['u'][:4]}-{data['u'][4:]}", "done": done}
    context["action"] = f"/cli-login/{blob}"
    page: Response = request.app.state.templates.TemplateResponse(
        request, "cli_login.html", context
    )
    return page


@router.get("/cli-login/{request_blob}", response_class=HTMLResponse, summary="Confirm a CLI login")
def confirm_page(request: Request, request_blob: str, who: Reader) -> Response:
    return _page(request, request_blob, who, done=False)


def _browser(who: Principal) -> str | None:
    return None if who.via == "session" and who.login_at is not None else BROWSER_ONLY


def _cli(who: Principal) -> str | None:
    return None if who.via == "cli" and who.token is not None else NOT_CLI


Browser = Annotated[Principal, Depends(only("read", "browser_session_required", _browser))]
CliSession = Annotated[Principal, Depends(only("read", "cli_session", _cli))]


@router.post("/cli-login/{request_blob}", response_class=HTMLResponse, summary="Confirm it")
def confirm(request: Request, request_blob: str, who: Browser) -> Response:
    _open_request(request, request_blob)
    assert who.login_at is not None
    settings = request.app.state.settings
    made = _api(request).registry.tokens.create_cli_session(
        who.name,
        secret=_device_code(request, request_blob),
        login_at=who.login_at,
        lifetime=settings.session_max,
        identity_provider=who.identity_provider or "",
        subject=who.subject or who.name,
    )
    if made is None:  # confirmed before (by this person or another): nothing changes
        raise Problem(409, "AlreadyConfirmed", CONFIRMED, rule="already_confirmed")
    return _page(request, request_blob, who, done=True)


@router.post("/api/cli-login/token", summary="Poll a CLI login; the session once confirmed")
def token(request: Request, body: Poll, who: Anyone) -> dict[str, Any]:
    _open_request(request, body.request)
    if not hmac.compare_digest(_device_code(request, body.request), body.device_code):
        raise Problem(400, "InvalidRequest", BAD_REQUEST, rule="invalid_request")
    found = _api(request).registry.tokens.cli_session(body.device_code)
    if found is None:
        raise Problem(400, "InvalidRequest", PENDING, rule="authorization_pending")
    user, session, login = found
    now = _api(request).core.clock()
    return {
        "user": user.name,
        "session": session.id,
        "stamp": stamp(request, session.id, now),
        "login_at": login["login_at"],
        "expires_at": iso_utc(session.expires_at),
    }


@router.post("/api/cli-login/logout", summary="End this CLI session (`signoff logout`)")
def logout(request: Request, who: CliSession) -> dict[str, Any]:
    assert who.token is not None
    ended = _api(request).registry.tokens.end_cli_session(who.token.id, actor=who.name)
    revoked = iso_utc(ended.revoked_at) if ended.revoked_at else None
    return {"session": ended.id, "revoked_at": revoked}
