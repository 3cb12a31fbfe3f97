"""The remote rules and overview: governance versions, the portfolio and its trends, the
inventory export — each the server's answer in the shape the local command renders."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from ..errors import ConfigError
from ._parts import Part, seg
from ._records import Record, records

#: ``(origin, size, root_hash hex, private key) → (signed note, public key)``.
CheckpointSigner = Callable[[str, int, str, str], tuple[str, str]]
NO_SIGNER = (
    "signing the report needs a checkpoint signer on this client (the CLI sets one; "
    "the private key never leaves this machine)"
)

__all__ = [
    "CheckpointSigner",
    "GovernanceProposal",
    "RemoteGovernance",
    "RemoteLedgerHead",
    "RemoteNotify",
    "RemotePortfolio",
    "RemoteTokens",
    "RemoteView",
]


class GovernanceProposal(Record):
    """A governance version the server recorded, and its ``warnings`` (``field``, ``line``,
    ``column``, ``message``): printed, not part of the CLI's ``--json``."""

    EXTRA = ("warnings",)


class RemoteGovernance(Part):
    """Governance versions: listed, proposed with their policy files, decided."""

    def versions(self) -> list[Any]:
        return records(self._client.items("/api/governance/versions"))

    def in_force(self) -> dict[str, Any]:
        """``governance show``'s document (``GET /api/governance``)."""
        found: dict[str, Any] = self._client.json("GET", "/api/governance")
        return found

    def propose(self, path: Path, policies: Sequence[tuple[str, Path]]) -> GovernanceProposal:
        """Upload a governance file and the policy files it names, each under the path
        the governance file gives it."""
        with contextlib.ExitStack() as stack:
            files: list[tuple[str, tuple[str, IO[bytes]]]] = [
                ("governance", (path.name, stack.enter_context(path.open("rb"))))
            ]
            files += [
                ("policies", (name, stack.enter_context(file.open("rb"))))
                for name, file in policies
            ]
            found = self._client.json("POST", "/api/governance", files=files)
            return GovernanceProposal(found)

    def decide(self, gid: str, *, approve: bool, comment: str) -> Record:
        step = "approve" if approve else "reject"
        path = f"/api/governance/{seg(gid)}/{step}"
        return Record(self._client.json("POST", path, json={"comment": comment}))


class RemoteLedgerHead:
    """The ledger tree a portfolio rests on (``size``, ``root``)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.size = int(data["size"])
        self.root: str | None = data.get("root_hash")


class RemoteView:
    """A portfolio view as the server computed it: ``to_dict()`` is its ``--json``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self.as_of = dt.datetime.fromisoformat(data["as_of"])
        self.ledger = RemoteLedgerHead(data["ledger"])

    def to_dict(self) -> dict[str, Any]:
        return self._data


class RemoteImport:
    """An import as the server recorded it: ``to_dict()`` is its ``--json``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.records = records(data.pop("records"))
        self.registered = tuple(data["registered_models"])
        self._data = data

    def to_dict(self) -> dict[str, Any]:
        return self._data


class RemotePortfolio(Part):
    """``signoff portfolio`` and ``trends``, and the inventory export, from the server."""

    #: Signs the report's checkpoint on this machine (set by the CLI: the client does not
    #: load the ledger's signing code, to start fast).
    checkpoint_signer: CheckpointSigner | None = None

    def view(
        self, *, at: str | None = None, team: str | None = None, status: str | None = None
    ) -> RemoteView:
        params = {"at": at, "team": team, "status": status}
        return RemoteView(self._client.json("GET", "/api/portfolio", params=params))

    def trends(self, *, since: str | None = None, by: str = "month") -> dict[str, Any]:
        params = {"since": since, "by": by}
        found: dict[str, Any] = self._client.json("GET", "/api/portfolio/trends", params=params)
        return found

    def report(
        self, period: str, *, fmt: str = "pdf", private_key: str | None = None
    ) -> tuple[bytes, dict[str, Any]]:
        """The executive report as the server renders it, and its ledger head."""
        params = {"period": period, "format": fmt}
        if private_key is not None:  # the key stays here: the server's checkpoint signed here
            params.update(self._signed(period, private_key))
        found = self._client.request("GET", "/api/portfolio/report", params=params)
        size, root = (
            found.headers.get("x-signoff-ledger-size"),
            found.headers.get("x-signoff-ledger-root"),
        )
        signed = found.headers.get("x-signoff-signed") == "yes"
        note = params.get("signed_note") if signed else None
        ledger = {"size": int(size or 0), "root_hash": root or None, "signed_note": note}
        return found.content, {"ledger": ledger}

    def _signed(self, period: str, private_key: str) -> dict[str, str]:
        """The report's checkpoint, asked of the server and signed here (by
        :attr:`checkpoint_signer`: the client itself holds no signing code)."""
        if self.checkpoint_signer is None:
            raise ConfigError(NO_SIGNER)
        head = self._client.json(
            "GET", "/api/portfolio/report/checkpoint", params={"period": period}
        )
        note, public_key = self.checkpoint_signer(
            str(head["origin"]), int(head["size"]), str(head["root_hash"]), private_key
        )
        return {"signed_note": note, "public_key": public_key}

    def import_log(self, file: Path, shown: str) -> RemoteImport:
        """``portfolio import`` on the server: ``file`` uploaded, all or nothing."""
        with file.open("rb") as handle:
            found = self._client.json(
                "POST",
                "/api/portfolio/import",
                files={"log": (file.name, handle)},
                data={"shown": shown},
            )
        return RemoteImport(found)

    def inventory(self, fmt: str) -> tuple[bytes, int]:
        """``inventory export --format csv|json|xlsx`` as the server writes it, and how
        many models it lists."""
        found = self._client.request("GET", "/api/inventory", params={"format": fmt})
        return found.content, int(found.headers.get("x-signoff-models", "0"))


class RemoteTokens(Part):
    """API tokens (and people's CLI sessions), as ``token list --json`` prints them."""

    def list(self, user: str | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._client.json(
            "GET", "/api/tokens", params={"user": user}
        )["items"]
        return found

    def create(self, user: str, *, scope: str, expires: str) -> dict[str, Any]:
        body = {"user": user, "scope": scope, "expires": expires}
        found: dict[str, Any] = self._client.json("POST", "/api/tokens", json=body)
        return found

    def revoke(self, token_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self._client.json("POST", f"/api/tokens/{seg(token_id)}/revoke")
        return found


class RemoteNotify(Part):
    """The webhook outbox: listed and delivered by the server (admins)."""

    def list(self, *, failed: bool) -> list[Any]:
        params = {"failed": "true" if failed else None}
        return records(self._client.json("GET", "/api/notifications", params=params)["items"])

    def deliver(self, *, max_attempts: int, base_delay: float, timeout: float) -> Record:
        body = {"max_attempts": max_attempts, "base_delay": base_delay, "timeout": timeout}
        return Record(self._client.json("POST", "/api/notifications/deliver", json=body))
