"""What a proposer should hear before a governance version is recorded for good.

A governance document goes whole into its ``governance.proposed`` ledger event, which
every ledger reader sees and nothing can redact. :func:`governance_warnings` is the one
check every face runs on a document being proposed or linted — `governance lint|apply`
(local and remote), ``POST /api/governance`` (its ``warnings``) and the web page — so a
webhook whose literal ``url`` looks like it carries a secret (see
:mod:`signoff.notify`'s ``secret_signs``) is named, with the line and column of its
``url`` in the file, whichever way the document arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import read_yaml
from ..notify import webhook_warnings
from ._governance import LoadedGovernance

__all__ = ["GovernanceConfigWarning", "GovernanceWarning", "governance_warnings", "warn_about"]


@dataclass(frozen=True)
class GovernanceWarning:
    """One warning about a governance document: the field, where it is in the file
    (1-based; None when unknown) and the message."""

    field: str
    message: str
    line: int | None = None
    column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON the API answers with (``warnings`` items)."""
        return {
            "field": self.field,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


class GovernanceConfigWarning(UserWarning):
    """What the Python API warns with (``warnings.warn``) about a governance document it
    is proposing: the faces that print instead (the CLI, the server) do not raise it."""


def warn_about(loaded: LoadedGovernance, *, stacklevel: int = 2) -> None:
    """:func:`governance_warnings` of ``loaded``, each as a :class:`GovernanceConfigWarning`
    naming the file, line and column (``stacklevel``: the caller's caller's line)."""
    import warnings

    for found in governance_warnings(loaded):
        where = ":".join(str(p) for p in (loaded.path, found.line, found.column) if p)
        text = f"{where}: {found.message}" if where else found.message
        warnings.warn(text, GovernanceConfigWarning, stacklevel=stacklevel + 1)


def governance_warnings(loaded: LoadedGovernance) -> list[GovernanceWarning]:
    """Warnings about ``loaded`` (empty: none): each webhook whose literal ``url`` looks
    like it carries a secret, in the order of the document's ``webhooks``."""
    found = webhook_warnings(loaded.governance.webhooks)
    if not found:
        return []
    doc = read_yaml(loaded.path, what="governance config") if loaded.path else None
    warnings = []
    for index, message in found:
        line, column = doc.locate(("webhooks", index, "url")) if doc else (None, None)
        warnings.append(GovernanceWarning(f"webhooks[{index}].url", message, line, column))
    return warnings
