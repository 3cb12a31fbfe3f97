"""The load generator: signed-in people as plain HTTP/1.1 keep-alive connections on one
asyncio loop — no HTTP library, so the generator spends little of the machine it shares
with the server (``bench_server_load.py`` reports its CPU share). Each person is one
connection carrying their session cookie; latency is from sending the request to its
last byte."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

COMMENT = "model card, validation numbers and rollback plan read; fine to ship"
P95_TARGET = 0.300


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Person:
    """One keep-alive connection with its cookies (a signed-in person's browser)."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    @classmethod
    def at(cls, base: str) -> Person:
        parts = urlsplit(base)
        return cls(parts.hostname or "127.0.0.1", parts.port or 80)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Answer:
        """Send one request and read its answer. A kept-alive connection the server closed
        while idle (uvicorn: after 5 s) fails before any byte of an answer: sent again on
        a new connection, as browsers do."""
        reused = self._writer is not None and not self._writer.is_closing()
        try:
            return await self._exchange(method, path, body, headers)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            partial = getattr(exc, "partial", b"")
            if not reused or partial:
                raise
            await self.close()
            return await self._exchange(method, path, body, headers)

    async def _exchange(
        self, method: str, path: str, body: bytes, headers: dict[str, str] | None
    ) -> Answer:
        reader, writer = await self._connect()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        found: dict[str, str] = {}
        for line in filter(None, header_lines):
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie, _, _ = value.partition(";")
                key, _, val = cookie.partition("=")
                self.cookies[key.strip()] = val.strip()
            found[name] = value
        if found.get("transfer-encoding", "").lower() == "chunked":
            content = await _chunks(reader)
        else:
            content = await reader.readexactly(int(found.get("content-length", "0")))
        if found.get("connection", "").lower() == "close":
            await self.close()
        return Answer(int(status_line.split()[1]), found, content)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


async def _chunks(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readline()).split(b";")[0], 16)
        if size == 0:
            await reader.readline()
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readline()


async def sign_in(person: Person, api: Any, user: str) -> None:
    """A one-time login link (made on the server's host, as `signoff login-link` does),
    posted as a browser would: the session cookie, then the session's CSRF token."""
    _, secret = api.registry.tokens.create_login_link(user, actor=user)
    form = urlencode({"token": secret}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = await person.request("POST", "/login/link", form, headers)
    if answer.status != 303:
        raise SystemExit(f"login of {user} failed: {answer.status} {answer.body[:200]!r}")
    me = await person.request("GET", "/api/me")
    person.csrf = str(json.loads(me.body)["csrf"])


async def read_load(
    base: str,
    api: Any,
    people: list[str],
    pages: dict[str, list[str]],
    seconds: float,
    think: float = 0.0,
    started: Callable[[], None] = lambda: None,
) -> dict[str, list[tuple[float, int, float]]]:
    """Each of ``people`` signed in, then reading pages back to back (or ``think`` seconds
    apart on average) for SECONDS: the kind of page (a key of ``pages``) picked at random,
    then one of its paths. (latency, status, seconds since the reading began) per kind;
    status 0 when the connection failed.
    ``started`` is called once everyone is signed in, as the reading starts."""
    results: dict[str, list[tuple[float, int, float]]] = {kind: [] for kind in pages}
    browsers = [Person.at(base) for _ in people]
    for browser, user in zip(browsers, people, strict=True):
        await sign_in(browser, api, user)
    started()
    began = time.perf_counter()
    deadline = began + seconds
    kinds = list(pages)

    async def reading(browser: Person, seed: int) -> None:
        local = random.Random(seed)
        while time.perf_counter() < deadline:
            kind = local.choice(kinds)
            path = local.choice(pages[kind])
            start = time.perf_counter()
            try:
                answer = await browser.request("GET", path, headers={"Accept": "text/html"})
                status = answer.status if answer.body else 0
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status = 0
                await browser.close()
            results[kind].append((time.perf_counter() - start, status, start - began))
            if think:
                await asyncio.sleep(local.uniform(0.5 * think, 1.5 * think))

    await asyncio.gather(*(reading(b, i) for i, b in enumerate(browsers)))
    for browser in browsers:
        await browser.close()
    return results


async def sign_all(base: str, api: Any, crs: list[str], approvers: list[str]) -> list[int]:
    """One approver per CR, all signing at once from their own sessions (``If-Match`` and
    the CSRF token as a browser's script would send them); the statuses."""
    browsers = [Person.at(base) for _ in crs]
    for browser, user in zip(browsers, approvers, strict=True):
        await sign_in(browser, api, user)
    etags = [
        (await b.request("GET", f"/api/crs/{cr}")).headers["etag"]
        for b, cr in zip(browsers, crs, strict=True)
    ]
    body = json.dumps({"role": "approver", "decision": "approve", "comment": COMMENT}).encode()

    async def one(browser: Person, cr: str, etag: str) -> int:
        headers = {
            "Content-Type": "application/json",
            "If-Match": etag,
            "X-CSRF-Token": browser.csrf,
        }
        return (await browser.request("POST", f"/api/crs/{cr}/sign", body, headers)).status

    statuses = await asyncio.gather(
        *(one(b, cr, e) for b, cr, e in zip(browsers, crs, etags, strict=True))
    )
    for browser in browsers:
        await browser.close()
    return list(statuses)


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0–1), nearest-rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


WARM_SECONDS = 5.0


def summarize(
    results: dict[str, list[tuple[float, int, float]]], seconds: float
) -> list[dict[str, Any]]:
    """Per kind of page: requests, rate, p50/p95/p99 (ms), errors, the target met; and the
    p99 of the requests sent after the first WARM_SECONDS (the cold start left out: each
    worker computes every page once while the first readers wait)."""
    rows = []
    for kind, samples in results.items():
        if not samples:
            continue
        latencies = [s[0] for s in samples]
        warm = [s[0] for s in samples if s[2] >= WARM_SECONDS] or latencies
        errors = sum(1 for s in samples if s[1] != 200)
        rows.append(
            {
                "page": kind,
                "requests": len(samples),
                "per_second": round(len(samples) / seconds, 1),
                "p50_ms": round(statistics.median(latencies) * 1000, 1),
                "p95_ms": round(pct(latencies, 0.95) * 1000, 1),
                "p99_ms": round(pct(latencies, 0.99) * 1000, 1),
                "p99_warm_ms": round(pct(warm, 0.99) * 1000, 1),
                "errors": errors,
                "pass": errors == 0 and pct(latencies, 0.95) < P95_TARGET,
            }
        )
    return rows
