"""``Idempotency-Key`` on POST (draft-ietf-httpapi-idempotency-key-header).

A client that sends ``Idempotency-Key: <unique value>`` with a POST under ``/api`` may
send the same request again — after a timeout, a dropped connection — without doing
the thing twice: the first successful answer is kept (in the database, so every worker
sees it) and replayed, with ``Idempotent-Replayed: true``.

* Keys belong to the caller (a person's session, or one API token): nobody replays
  another caller's answer.
* The same key with a different request (method, path, ``If-Match``, content type or
  body) is refused: 422, ``rule: idempotency_key_reused``.
* While the first request still runs, a repetition gets 409,
  ``rule: idempotency_in_progress``.
* Only a successful (2xx) answer is kept: a refused or failed request changed nothing
  (its transaction rolled back), so the key is released and the client may retry it.
* Answers are kept for 24 hours.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from .._api import Signoff
from ..store import claim_key, forget_key, keep_answer
from ._problems import PROBLEM_JSON, problem_body

__all__ = ["KEEP", "Idempotency", "caller_of_token", "fingerprint", "idempotent"]

KEEP = dt.timedelta(hours=24)
#: The headers of an answer that are replayed with it.
REPLAYED_HEADERS = ("content-type", "etag", "location")
BAD_KEY = "Idempotency-Key must be 1 to 255 printable ASCII characters"
REUSED = (
    "this Idempotency-Key was already used for a different request; use a new key for a new request"
)
IN_PROGRESS = "a request with this Idempotency-Key is still being processed; retry shortly"


def _problem(request: Request, status: int, detail: str, rule: str) -> Response:
    import json

    body = problem_body(status, "IdempotencyRefused", detail, rule=rule, instance=request.url.path)
    return Response(json.dumps(body), status_code=status, media_type=PROBLEM_JSON)


def caller_of_token(secret: str) -> str:
    """The caller an API token's requests are keyed under (its hash, never the secret)."""
    return "token:" + hashlib.sha256(secret.encode()).hexdigest()


def _caller(request: Request) -> str | None:
    """Whose keys these are: the API token (by its hash) or the session's person."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return caller_of_token(header[7:].strip())
    user = request.scope.get("session", {}).get("user")
    return f"session:{user}" if user else None


def fingerprint(
    method: str, path: str, query: str, if_match: str, content_type: str, body: bytes
) -> str:
    """SHA-256 of what makes two requests the same request."""
    digest = hashlib.sha256()
    for part in (method, path, query, if_match, content_type):
        digest.update(part.encode() + b"\n")
    digest.update(body)
    return digest.hexdigest()


def _fingerprint(request: Request, body: bytes) -> str:
    headers = request.headers
    return fingerprint(
        request.method,
        request.url.path,
        request.url.query,
        headers.get("if-match", ""),
        headers.get("content-type", ""),
        body,
    )


async def idempotent(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """The middleware: claim, run, keep — or replay."""
    key = request.headers.get("idempotency-key")
    if key is None or request.method != "POST" or not request.url.path.startswith("/api/"):
        return await call_next(request)
    if not 0 < len(key) <= 255 or not (key.isascii() and key.isprintable()):
        return _problem(request, 400, BAD_KEY, "idempotency_key")
    caller = _caller(request)
    if caller is None:
        return await call_next(request)  # not signed in: refused anyway, nothing to keep
    api: Signoff = request.app.state.api
    body = await request.body()
    claim = await run_in_threadpool(
        claim_key,
        api.store,
        caller,
        key,
        _fingerprint(request, body),
        now=api.core.clock(),
        keep=KEEP,
    )
    if not claim.new:
        if not claim.same:
            return _problem(request, 422, REUSED, "idempotency_key_reused")
        if claim.status is None:
            return _problem(request, 409, IN_PROGRESS, "idempotency_in_progress")
        headers = {**(claim.headers or {}), "Idempotent-Replayed": "true"}
        return Response(claim.body or "", status_code=claim.status, headers=headers)
    try:
        response = await call_next(request)
        raw = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
    except BaseException:
        await run_in_threadpool(forget_key, api.store, caller, key)
        raise
    answer = Response(raw, status_code=response.status_code)
    answer.raw_headers = list(response.raw_headers)  # every header, repeated ones too
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if not 200 <= response.status_code < 300 or text is None:
        await run_in_threadpool(forget_key, api.store, caller, key)
        return answer
    kept = {k: v for k, v in response.headers.items() if k.lower() in REPLAYED_HEADERS}
    await run_in_threadpool(keep_answer, api.store, caller, key, response.status_code, kept, text)
    return answer


class Idempotency:
    """The middleware, entered only by what it concerns (a POST under ``/api/`` with an
    ``Idempotency-Key``); every other request passes straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.keyed = BaseHTTPMiddleware(app, dispatch=idempotent)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        keyed = (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].startswith("/api/")
            and any(name == b"idempotency-key" for name, _ in scope["headers"])
        )
        await (self.keyed if keyed else self.app)(scope, receive, send)
