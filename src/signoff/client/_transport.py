"""HTTP/1.1 over the standard library (``http.client``): one kept-alive connection per
command.  httpx would add about a third to a remote command's start-up, for nothing a
CLI needs here: JSON bodies, query strings, and one multipart upload.

Every POST carries an ``Idempotency-Key``: when a kept-alive connection turns out closed
and the request is sent again, the server answers the repetition from its first answer
instead of doing the thing twice."""

from __future__ import annotations

import http.client
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlencode, urlsplit

__all__ = ["Files", "Response", "Transport", "TransportError"]

#: Files to upload: by field, or (field, file) pairs when a field repeats.
Files = Mapping[str, tuple[str, IO[bytes]]] | Iterable[tuple[str, tuple[str, IO[bytes]]]]


class TransportError(Exception):
    """The server could not be reached, or the connection broke."""


@dataclass(frozen=True)
class Response:
    """A status, the headers (lower-case names) and the body."""

    status_code: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        """The body as text (UTF-8)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON (ValueError when it is not)."""
        return json.loads(self.content)


def _clean(text: str) -> str:
    return text.replace('"', "_").replace("\r", "_").replace("\n", "_")


def _multipart(files: Files, fields: Mapping[str, str] | None) -> tuple[bytes, str]:
    boundary = "signoff-" + secrets.token_hex(12)
    parts = []
    for field, value in (fields or {}).items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{_clean(field)}"\r\n\r\n'
        parts.append(head.encode() + value.encode("utf-8") + b"\r\n")
    pairs = files.items() if isinstance(files, Mapping) else files
    for field, (filename, handle) in pairs:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_clean(field)}"; '
            f'filename="{_clean(filename)}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + handle.read() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Transport:
    """Requests to one server (``http://`` or ``https://``), on one connection."""

    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname or "", parts.port
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._connection = kind(self._host, self._port, timeout=self._timeout)
        return self._connection

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
        files: Files | None = None,
        data: Mapping[str, str] | None = None,
    ) -> Response:
        """One request; :class:`TransportError` when the server cannot be reached.
        ``files`` (with form ``data``) go as multipart/form-data."""
        query = {k: v for k, v in (params or {}).items() if v is not None}
        target = self._prefix + path + (f"?{urlencode(query)}" if query else "")
        sent = {"Accept": "application/json", **(headers or {})}
        if method == "POST":  # the retry below sends the same key: the server replays it
            sent.setdefault("Idempotency-Key", secrets.token_urlsafe(24))
        body: bytes | None = None
        if files is not None:
            body, sent["Content-Type"] = _multipart(files, data)
        elif json is not None:
            body = _dumps(json)
            sent["Content-Type"] = "application/json"
        try:
            return self._send(method, target, body, sent)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.close()  # a kept-alive connection the server closed: once more, afresh
            try:
                return self._send(method, target, body, sent)
            except (OSError, http.client.HTTPException) as exc:
                raise TransportError(str(exc) or type(exc).__name__) from None
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise TransportError(str(exc) or type(exc).__name__) from None

    def _send(
        self, method: str, target: str, body: bytes | None, headers: dict[str, str]
    ) -> Response:
        connection = self._connect()
        connection.request(method, target, body=body, headers=headers)
        answer = connection.getresponse()
        content = answer.read()
        names = {k.lower(): v for k, v in answer.getheaders()}
        return Response(answer.status, names, content)

    def close(self) -> None:
        """Close the connection (the next request opens another)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")
