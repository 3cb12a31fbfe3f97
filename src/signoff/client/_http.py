"""One HTTP client of ``signoff serve``: who it acts as, and errors as the CLI's."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from ..errors import ConfigError, StoreError, WorkflowRefused
from . import _credentials
from ._errors import error_from_problem
from ._transport import Response, Transport, TransportError

__all__ = ["STAMP_HEADER", "Client", "remote_url"]

STAMP_HEADER = "Signoff-Session"
UNREACHABLE = "cannot reach the signoff server at {url}: {why}"
NO_URL = "set SIGNOFF_URL to the signoff server's address"
BAD_URL = "SIGNOFF_URL must be an http:// or https:// address, got {url!r}"
NOT_JSON = "the server at {url} did not answer JSON ({status}): is SIGNOFF_URL a signoff server?"
NOT_SIGNED_IN = (
    "not signed in to {url}: run `signoff login` (a person) or set SIGNOFF_TOKEN (a machine)"
)
FRESH_RULE = "fresh_login_required"
FRESH_HINT = ", then run `signoff login` again (it takes the new browser login's time)"
LOGIN_TIMEOUT = "the login was not confirmed within {minutes} minutes: run `signoff login` again"


def remote_url() -> str | None:
    """``SIGNOFF_URL`` (remote mode), without a trailing slash; None when unset."""
    url = os.environ.get("SIGNOFF_URL", "").strip().rstrip("/")
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise ConfigError(BAD_URL.format(url=url), field="SIGNOFF_URL")
    return url


class Client:
    """Requests to the server at ``url`` with an API token or a stored CLI session."""

    def __init__(self, url: str, *, token: str | None = None, anonymous: bool = False) -> None:
        self.url = url
        self.token = token
        self.session = None if token or anonymous else _credentials.load(url)
        self._http = Transport(url)

    @classmethod
    def from_environment(cls, *, anonymous: bool = False) -> Client:
        """The server of ``SIGNOFF_URL``, as ``SIGNOFF_TOKEN`` or the stored login."""
        url = remote_url()
        if url is None:
            raise ConfigError(NO_URL, field="SIGNOFF_URL")
        token = os.environ.get("SIGNOFF_TOKEN", "").strip() or None
        return cls(url, token=None if anonymous else token, anonymous=anonymous)

    @property
    def signed_in(self) -> bool:
        """Whether requests carry a credential."""
        return bool(self.token or self.session)

    def close(self) -> None:
        """Release the connection."""
        self._http.close()

    def _headers(self) -> dict[str, str]:
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        if self.session:
            return {
                "Authorization": f"Bearer {self.session['device_code']}",
                STAMP_HEADER: str(self.session.get("stamp", "")),
            }
        return {}

    def request(self, method: str, path: str, **kwargs: Any) -> Response:
        """One request; a problem answer raised as the CLI's error for it."""
        headers = {**self._headers(), **kwargs.pop("headers", {})}
        response = self._send(method, path, headers=headers, **kwargs)
        stamp = response.headers.get(STAMP_HEADER)
        if self.session is not None and stamp and stamp != self.session.get("stamp"):
            self.session["stamp"] = stamp  # the idle clock restarted: keep the renewal
            _credentials.save(self.url, self.session)
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            if response.status_code == 401 and not self.signed_in:
                raise ConfigError(NOT_SIGNED_IN.format(url=self.url))
            error = error_from_problem(response.status_code, body)
            if isinstance(error, WorkflowRefused) and error.rule == FRESH_RULE and self.session:
                error.message += FRESH_HINT  # a CLI session has its browser login's time
            raise error
        return response

    def _send(self, method: str, path: str, **kwargs: Any) -> Response:
        try:
            return self._http.request(method, path, **kwargs)
        except TransportError as exc:
            raise StoreError(UNREACHABLE.format(url=self.url, why=exc)) from None

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """A request's JSON answer."""
        response = self.request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            status = response.status_code
            raise StoreError(NOT_JSON.format(url=self.url, status=status)) from None

    def items(self, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        """Every item of a paginated list."""
        found: list[Any] = []
        query = {**(params or {}), "limit": 200, "offset": 0}
        while True:
            page = self.json("GET", path, params=query)
            found.extend(page["items"])
            if not page.get("next"):
                return found
            query["offset"] = int(query["offset"]) + len(page["items"])

    def login(
        self,
        show: Callable[[dict[str, Any]], None],
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> dict[str, Any]:
        """``signoff login``: start a device login, ``show`` its page and code, poll until
        the person confirms it in a browser; store and return the session."""
        started = self.json("POST", "/api/cli-login")
        show(started)
        deadline = time.monotonic() + float(started["expires_in"])
        body = {"request": started["request"], "device_code": started["device_code"]}
        while time.monotonic() < deadline:
            response = self._send("POST", "/api/cli-login/token", json=body)
            if response.status_code == 200:
                session = {**response.json(), "device_code": started["device_code"]}
                _credentials.save(self.url, session)
                self.session, self.token = session, None
                return session
            problem = response.json() if response.content else {}
            if problem.get("rule") != "authorization_pending":
                raise error_from_problem(response.status_code, problem)
            sleep(float(started.get("interval", 1)))
        minutes = int(float(started["expires_in"]) // 60)
        raise ConfigError(LOGIN_TIMEOUT.format(minutes=minutes))
