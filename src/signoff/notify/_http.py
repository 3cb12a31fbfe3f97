"""One webhook POST over the standard library: no redirects, every failure as one line."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from typing import IO, Any

__all__ = ["one_line", "post"]

NO_ANSWER = "no answer within {timeout:g} s"
UNREACHABLE = "cannot reach {url}: {reason}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirected POST would arrive as a GET without its body: treat 3xx as an error."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line, at most ``limit`` characters (as ``last_error`` keeps it)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[str | None, bool]:
    """Send once; ``(None, _)`` on a 2xx, else ``(error, transient)``."""
    opener = urllib.request.build_opener(_NoRedirects)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read()
        return None, False
    except urllib.error.HTTPError as exc:
        answer = _snippet(exc)
        exc.close()
        transient = exc.code >= 500 or exc.code in (408, 429)
        return f"HTTP {exc.code} {exc.reason}{answer}", transient
    except urllib.error.URLError as exc:
        return UNREACHABLE.format(url=url, reason=exc.reason), True
    except TimeoutError:
        return NO_ANSWER.format(timeout=timeout), True
    except (OSError, http.client.HTTPException) as exc:
        return f"{type(exc).__name__}: {exc}", True
    except ValueError as exc:  # a URL http.client refuses
        return f"bad url {url!r}: {exc}", False


def _snippet(response: IO[bytes]) -> str:
    try:
        text = response.read(200).decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException):
        return ""
    return f": {text}" if text else ""
