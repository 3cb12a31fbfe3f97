"""Webhook addresses that look like they carry a secret.

A governance document is recorded whole in its ``governance.proposed`` ledger event,
which every ledger reader sees (``/api/ledger/events``, ``ledger export``) and which can
never be redacted without breaking verification.  A literal ``url`` with a query string
(``?key=…``), a user name or password (``user:pass@``, refused outright by
:class:`~signoff.notify.Webhook`) or a path segment shaped like a token (Slack's
``/services/T…/B…/XXXX``) most likely carries one: such a webhook should name an
environment variable with ``url_env`` instead, read at delivery time and never stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from ._events import Webhook

__all__ = ["SECRET_IN_URL", "secret_signs", "webhook_warnings"]

SECRET_IN_URL = (
    "webhooks[{index}].url ({where}) has {signs}: likely a secret, and a governance "
    "version is recorded whole in the ledger, where every reader sees it and nothing can "
    "remove it; put the URL in an environment variable and name it with url_env instead"
)
#: A path segment of 20 or more letters, digits, ``-`` and ``_``, with both letters and
#: digits: the shape of a token (Slack, Discord, Teams webhooks), not of a word.
_TOKEN = re.compile(r"(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{20,}")


def secret_signs(url: str) -> list[str]:
    """What in ``url`` looks like a secret (empty: nothing does)."""
    parts = urlsplit(url)
    signs = []
    if parts.query:
        signs.append("a query string")
    if parts.username is not None or parts.password is not None:
        signs.append("a user name or password")
    if any(_TOKEN.fullmatch(segment) for segment in parts.path.split("/")):
        signs.append("a path segment that looks like a token")
    return signs


def webhook_warnings(webhooks: Iterable[Webhook]) -> list[tuple[int, str]]:
    """``(index, warning)`` for each webhook whose literal ``url`` looks like it carries a
    secret."""
    found = []
    for index, hook in enumerate(webhooks):
        signs = secret_signs(hook.url) if hook.url is not None else []
        if hook.url is not None and signs:
            parts = urlsplit(hook.url)
            where = f"{parts.scheme}://{parts.hostname}"
            text = SECRET_IN_URL.format(index=index, where=where, signs=" and ".join(signs))
            found.append((index, text))
    return found
