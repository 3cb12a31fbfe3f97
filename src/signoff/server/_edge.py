"""The outermost layer of every answer, as plain ASGI (no per-request task or stream):
security headers, ``Cache-Control: no-store``, a CLI session's renewed stamp, and the
request's count and latency for ``/metrics``; and, inside the session, the mark a
person's write leaves in their session (:class:`MarkWrites`)."""

from __future__ import annotations

import time
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._cache import PageCache, mark_write
from ._cli_session import STAMP_HEADER
from ._metrics import RequestMetrics

__all__ = ["DOCS_CSP", "SECURITY_HEADERS", "Edge", "MarkWrites"]

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}
DOCS_CSP = (
    "default-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:"
)


class Edge:
    """Headers on every HTTP answer, and its count and latency (from the request's arrival
    to its last byte) by method, route template and status."""

    def __init__(self, app: ASGIApp, metrics: RequestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), 500

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                _decorate(scope, MutableHeaders(scope=message))
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe(scope["method"], route, status, time.perf_counter() - start)


def _decorate(scope: Scope, headers: MutableHeaders) -> None:
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    if scope["path"] == "/docs":
        headers["Content-Security-Policy"] = DOCS_CSP
    headers.setdefault("Cache-Control", "no-store")
    state: dict[str, Any] = scope.get("state", {})
    renewed = state.get("cli_stamp")  # a CLI session's idle clock restarts
    if renewed:
        headers[STAMP_HEADER] = renewed


class MarkWrites:
    """After a signed-in person's POST, PUT, PATCH or DELETE, their session carries a
    ledger size at least that of anything they wrote (:func:`mark_write`), set before the
    session middleware outside it writes the cookie: their next page shows their write
    on whichever worker answers it."""

    def __init__(self, app: ASGIApp, cache: PageCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES:
            await self.app(scope, receive, send)
            return

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start" and "session" in scope:
                mark_write(scope["session"], self.cache)
            await send(message)

        await self.app(scope, receive, answer)
