"""The governance in force as ``governance show`` prints it — webhook addresses redacted
for anyone but an admin.

A webhook's ``url`` often carries its receiver's secret (a Slack hook's path, a token in
the query). An admin, who manages the webhooks, sees it in full; everyone else sees its
scheme and host only (``https://hooks.slack.com``), enough to know where events go.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from ..store import GovernanceRecord
from ._rules import Rules

__all__ = ["governance_view", "redact_url", "redacted_document", "shown_versions"]

REDACTED = "(redacted)"


def redact_url(url: str) -> str:
    """``url``'s scheme and host only: no user, password, port, path, query or fragment."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return REDACTED
    if not parts.scheme or not host:
        return REDACTED
    return f"{parts.scheme}://{host}"


def redacted_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """A governance document with each webhook's ``url`` redacted."""
    shown = dict(document)
    hooks = document.get("webhooks")
    if isinstance(hooks, Sequence) and not isinstance(hooks, str):
        shown["webhooks"] = [
            {**h, "url": redact_url(str(h["url"]))}
            if isinstance(h, Mapping) and h.get("url")
            else h
            for h in hooks
        ]
    return shown


def governance_view(rules: Rules, *, full: bool) -> dict[str, Any]:
    """``governance show``'s document: the config, its hash and label, its policies."""
    data: dict[str, Any] = rules.governance.model_dump(mode="json")
    if not full:
        data = redacted_document(data)
    data["sha256"] = rules.sha256
    data["in_force"] = rules.label
    data["policies"] = {
        stage: {"name": p.name, "version": p.version, "sha256": p.sha256}
        for stage, p in rules.policies.items()
    }
    return data


def shown_versions(versions: Sequence[GovernanceRecord], *, full: bool) -> list[GovernanceRecord]:
    """Governance versions as ``governance list`` shows them (webhooks redacted unless
    ``full``)."""
    if full:
        return list(versions)
    return [dataclasses.replace(v, document=redacted_document(v.document)) for v in versions]
