"""What every remote part shares, and the read-mostly parts: the ledger and monitoring."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import ConfigError
from ._http import Client

__all__ = ["NOT_REMOTE", "Part", "RemoteLedger", "RemoteMonitor", "not_remote", "seg"]

NOT_REMOTE = (
    "{what} is not available in remote mode yet (SIGNOFF_URL is set): the server has no "
    "route for it; run it on the server's host without SIGNOFF_URL"
)


def not_remote(what: str) -> ConfigError:
    """The refusal of something the server's API does not offer yet."""
    return ConfigError(NOT_REMOTE.format(what=what))


def seg(value: object) -> str:
    """One path segment, quoted."""
    return quote(str(value), safe="")


class Part:
    """A part of the remote registry: whatever it does not offer is refused by name."""

    def __init__(self, client: Client, what: str) -> None:
        self._client, self._what = client, what

    def __getattr__(self, name: str) -> Any:
        raise not_remote(self._what)


class RemoteLedger(Part):
    """The ledger's verification and proofs, computed by the server."""

    def verify(self, **texts: str | None) -> dict[str, Any]:
        found: dict[str, Any] = self._client.json("POST", "/api/ledger/verify", json=texts)
        return found

    def prove(self, seq: int) -> dict[str, Any]:
        found: dict[str, Any] = self._client.json("GET", f"/api/ledger/proof/{int(seq)}")
        return found

    def attached(self, results_sha256: str) -> int | None:
        """The seq of the event that attached a results.json with this hash, if any."""
        found = self._client.json(
            "GET", "/api/ledger/attached", params={"results_sha256": results_sha256}
        )["seq"]
        return None if found is None else int(found)

    def prove_against(
        self, seq: int, *, checkpoint: str, public_key: str, origin: str | None
    ) -> dict[str, Any]:
        """An inclusion proof of ``seq`` against a signed checkpoint kept elsewhere."""
        body = {"seq": seq, "checkpoint": checkpoint, "public_key": public_key, "origin": origin}
        found: dict[str, Any] = self._client.json("POST", "/api/ledger/prove", json=body)
        return found

    def events(self, *, start: int, subject: str | None) -> tuple[list[dict[str, Any]], str]:
        """``ledger show``'s events (every page) and the log's origin."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"start": start, "subject": subject}
        while True:
            page = self._client.json("GET", "/api/ledger/events", params=params)
            found.extend(page["items"])
            if page.get("next_start") is None:
                return found, str(page["origin"])
            params["start"] = page["next_start"]

    def export(self) -> str:
        """``ledger export``'s lines."""
        return self._client.request("GET", "/api/ledger/export").text

    def tree(self) -> dict[str, Any]:
        """The origin, size and root a checkpoint signs."""
        found: dict[str, Any] = self._client.json("GET", "/api/ledger/tree")
        return found

    def keep(self, note: str, public_key: str) -> dict[str, Any]:
        """The server keeps a copy of a checkpoint signed here."""
        body = {"note": note, "public_key": public_key}
        found: dict[str, Any] = self._client.json("POST", "/api/ledger/checkpoints", json=body)
        return found


class RemoteMonitor(Part):
    """Monitoring status, history and report, read from the server."""

    def status(self, model: str | None = None) -> list[dict[str, Any]]:
        if model is None:
            rows: list[dict[str, Any]] = self._client.items("/api/monitor")
            return rows
        row = self._client.json("GET", f"/api/monitor/{seg(model)}")
        row.pop("alert_events", None)
        return [row]

    def history(
        self,
        model: str,
        metric: str,
        *,
        column: str | None = None,
        attribute: str | None = None,
        since: Any = None,
    ) -> list[dict[str, Any]]:
        query = {"metric": metric, "column": column, "attribute": attribute}
        if since is not None:
            query["since"] = since.isoformat()
        params = {k: v for k, v in query.items() if v is not None}
        path = f"/api/monitor/{seg(model)}/history"
        items: list[dict[str, Any]] = self._client.json("GET", path, params=params)["items"]
        return items

    def upload_batch(
        self, model: str, batch: Path, *, labels: Path | None, today: dt.date
    ) -> dict[str, Any]:
        """``monitor run`` on the server: the batch (and labels) measured against the
        server's ``<model>.yaml``; its monitor-results document."""
        path = f"/api/monitor/{seg(model)}/batches"
        with contextlib.ExitStack() as files:
            parts = {"batch": (batch.name, files.enter_context(batch.open("rb")))}
            if labels is not None:
                parts["labels"] = (labels.name, files.enter_context(labels.open("rb")))
            params = {"today": today.isoformat()}
            found: dict[str, Any] = self._client.json("POST", path, files=parts, params=params)
        return found

    def upload_baseline(
        self, model: str, config: Path, profile: bytes, reference: dict[str, Any]
    ) -> dict[str, Any]:
        """``monitor baseline`` on the server: the reference profile made here, with the
        config it was made by and the reference file's hash, stored as the baseline."""
        path = f"/api/monitor/{seg(model)}/baseline"
        files = {
            "config": (config.name, io.BytesIO(config.read_bytes())),
            "profile": ("profile.json", io.BytesIO(profile)),
        }
        form = {"reference": json.dumps(reference), "shown": str(config)}
        found: dict[str, Any] = self._client.json("POST", path, files=files, data=form)
        return found

    def report(self, model: str) -> str:
        return self._client.request("GET", f"/api/monitor/{seg(model)}/report").text

    def prometheus(self) -> str:
        """``monitor export``'s text, as the server computes it."""
        return self._client.request("GET", "/api/monitor-metrics").text
