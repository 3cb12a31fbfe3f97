"""The webhook events and the ``webhooks`` section of the governance config.

A leaf module (pydantic only): the governance schema imports :class:`Webhook`
from here, so this module must never import the workflow.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated, Any, Protocol
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["ALL_EVENTS", "HasWebhooks", "Webhook", "Webhooks", "summary_text"]

#: Every event a webhook can subscribe to, in the order a change usually meets them.
ALL_EVENTS: tuple[str, ...] = (
    "cr.submitted",
    "cr.signoff_needed",
    "cr.approved",
    "cr.rejected",
    "cr.deployed",
    "model.rolled_back",
    "emergency.opened",
    "emergency.review_overdue",
    "monitor.alert",
)
BAD_URL = "webhook url must be an http:// or https:// URL with a host, got {url!r}"
CREDENTIALS_IN_URL = (
    "webhook url must not carry credentials (they would be recorded in the ledger); name "
    "an environment variable holding the URL with url_env, the HMAC key with secret_env"
)
BAD_ENV_NAME = "secret_env must name an environment variable (like SIGNOFF_WEBHOOK_SECRET)"
UNKNOWN_EVENTS = "unknown event(s) {bad}; events: {known}"
NO_EVENTS = "a webhook must subscribe to at least one event"
DUPLICATE_URLS = "each webhook url may appear once; repeated: {urls}"
BAD_URL_ENV = "url_env must name an environment variable (like SIGNOFF_SLACK_URL)"
ONE_ADDRESS = "a webhook needs exactly one of url or url_env"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: One line per event for the ``text`` field; ``{what}`` is the subject, ``{detail}`` the rest.
_HEADLINES = {
    "cr.submitted": "{what} submitted for review",
    "cr.signoff_needed": "{what} needs sign-off",
    "cr.approved": "{what} approved",
    "cr.rejected": "{what} rejected",
    "cr.deployed": "{what} deployed",
    "model.rolled_back": "{what} rolled back",
    "emergency.opened": "Emergency change {what} opened",
    "emergency.review_overdue": "Post-incident review of {what} is overdue",
    "monitor.alert": "Monitoring alert for {what}",
}


def check_url(url: str) -> str:
    """``url`` once it is an http(s) endpoint without credentials; ValueError otherwise."""
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # not a number, or out of range
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ValueError(BAD_URL.format(url=url))
    if parts.username is not None or parts.password is not None:
        raise ValueError(CREDENTIALS_IN_URL)
    return url


class Webhook(BaseModel):
    """One receiver: where to POST, which events, and where its HMAC secret lives.

    ``secret_env`` names an environment variable read at delivery time; the
    secret itself never appears in the governance file.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None = Field(
        default=None, description="http:// or https:// endpoint that receives the JSON event."
    )
    url_env: str | None = Field(
        default=None,
        description="Environment variable holding the endpoint, for a URL that carries a "
        "token (Slack): it is read at delivery time, never stored or printed.",
    )
    secret_env: str | None = Field(
        default=None, description="Environment variable holding the HMAC-SHA256 secret."
    )
    events: tuple[str, ...] = Field(default=ALL_EVENTS, description="Events to send.")

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        return check_url(url)

    @field_validator("url_env")
    @classmethod
    def _url_env_name(cls, name: str | None) -> str | None:
        if name is not None and not _ENV_NAME.fullmatch(name):
            raise ValueError(BAD_URL_ENV)
        return name

    @model_validator(mode="after")
    def _one_address(self) -> Webhook:
        if (self.url is None) == (self.url_env is None):
            raise ValueError(ONE_ADDRESS)
        return self

    @property
    def key(self) -> str:
        """How the outbox names this webhook: its URL, or ``env:NAME`` (never the secret URL)."""
        return self.url if self.url is not None else f"env:{self.url_env}"

    def address(self) -> str | None:
        """Where to POST now: the URL, or the value of ``url_env`` (None when unset)."""
        if self.url is not None:
            return self.url
        assert self.url_env is not None
        value = os.environ.get(self.url_env) or ""
        try:
            return check_url(value)
        except ValueError:
            return None

    @field_validator("secret_env")
    @classmethod
    def _env_name(cls, name: str | None) -> str | None:
        if name is not None and not _ENV_NAME.fullmatch(name):
            raise ValueError(BAD_ENV_NAME)
        return name

    @field_validator("events")
    @classmethod
    def _known_events(cls, events: tuple[str, ...]) -> tuple[str, ...]:
        if not events:
            raise ValueError(NO_EVENTS)
        bad = [e for e in events if e not in ALL_EVENTS]
        if bad:
            raise ValueError(UNKNOWN_EVENTS.format(bad=bad, known=", ".join(ALL_EVENTS)))
        return events


def _unique_urls(hooks: tuple[Webhook, ...]) -> tuple[Webhook, ...]:
    urls = [h.key for h in hooks]
    repeated = sorted({u for u in urls if urls.count(u) > 1})
    if repeated:
        raise ValueError(DUPLICATE_URLS.format(urls=", ".join(repeated)))
    return hooks


#: The type of ``Governance.webhooks``: URLs are unique, since a delivery finds its
#: webhook (and so its secret) by URL.
Webhooks = Annotated[tuple[Webhook, ...], AfterValidator(_unique_urls)]


class HasWebhooks(Protocol):
    """What notification needs of a governance config: its webhooks."""

    @property
    def webhooks(self) -> tuple[Webhook, ...]: ...


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def summary_text(event: str, subject: str, payload: Mapping[str, Any]) -> str:
    """A one-line, Slack-compatible summary such as ``CR-3 approved: fraud@2.0 → production``.

    Parameters
    ----------
    event : str
        One of :data:`ALL_EVENTS` (others get a generic ``"{subject}: {event}"`` line).
    subject : str
        The ledger subject (``CR-3``, ``model:fraud``); a ``model:``/``version:``
        prefix is dropped.
    payload : Mapping
        The event payload; the keys used when present are ``version`` and
        ``to_stage`` (or, for a rollback, ``from`` and ``to``; for a monitoring
        alert, ``severity``, ``gates``, ``consecutive`` and ``note``), ``roles``,
        ``reason`` and ``actor``.

    Returns
    -------
    str
        One line; ``&``, ``<`` and ``>`` escaped as Slack requires.
    """
    what = subject.split(":", 1)[1] if subject.startswith(("model:", "version:")) else subject
    line = _HEADLINES.get(event, "{what}: " + event).format(what=what)
    if event == "model.rolled_back":
        moves = (payload.get("from"), payload.get("to"))
    elif event == "monitor.alert":
        gates = ", ".join(map(str, payload.get("gates") or ())) or "gates"
        moves = (
            f"{payload.get('severity')} gate(s) {gates} failed in "
            f"{payload.get('consecutive')} window(s) in a row",
            payload.get("note"),
        )
    else:
        moves = (payload.get("version"), payload.get("to_stage"))
    joiner = "; " if event == "monitor.alert" else " → "
    detail = joiner.join(str(part) for part in moves if part)
    roles = payload.get("roles")
    if roles:
        line += f" ({', '.join(map(str, roles))})"
    if detail:
        line += f": {detail}"
    if payload.get("reason"):
        line += f" — {payload['reason']}"
    if payload.get("actor"):
        line += f" (by {payload['actor']})"
    return _slack_escape(" ".join(line.split()))
