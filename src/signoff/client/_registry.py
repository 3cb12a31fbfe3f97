"""The remote registry: models, versions, their files and people, through the API.

Files are uploaded (``version add``'s model, scores and training data; ``artifact add``'s
file) and hashed by the server exactly as the CLI hashes them locally: the same bytes,
the same SHA-256 — the version and its ledger event are the local command's.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from ..errors import InputError
from ._http import Client
from ._parts import Part, seg
from ._records import Record, VersionRecord, records

__all__ = ["RemoteRegistry"]

_VERSION_PARTS = ("audits", "artifacts", "waivers")
#: ``version add``'s files, by the form field the server reads them from.
_VERSION_FILES = (("file", "model_file"), ("scores", "scores_file"),
                  ("training_data", "training_data"))  # fmt: skip


def _version_path(ref: Any) -> str:
    return f"/api/models/{seg(ref.model)}/versions/{seg(ref.version)}"


class RemoteRegistry(Part):
    """Models, versions and their evidence, people: read and written on the server."""

    def __init__(self, client: Client, what: str) -> None:
        super().__init__(client, what)
        self._models: dict[str, dict[str, Any]] = {}
        self._versions: dict[str, dict[str, Any]] = {}

    def _model(self, name: str) -> dict[str, Any]:
        if name not in self._models:
            self._models[name] = self._client.json("GET", f"/api/models/{seg(name)}")
        return self._models[name]

    def _version(self, ref: Any) -> dict[str, Any]:
        key = f"{ref.model}@{ref.version}"
        if key not in self._versions:
            self._versions[key] = self._client.json("GET", _version_path(ref))
        return self._versions[key]

    def list_models(self) -> list[Any]:
        return records(self._client.items("/api/models"))

    def get_model(self, name: str) -> Any:
        found = self._model(name)
        return Record({k: v for k, v in found.items() if k not in ("versions", "history")})

    def list_versions(self, name: str) -> list[Any]:
        return records(self._model(name)["versions"], VersionRecord)

    def history(self, name: str) -> list[Any]:
        return records(self._model(name)["history"])

    def get_version(self, ref: Any) -> Any:
        found = self._version(ref)
        return VersionRecord({k: v for k, v in found.items() if k not in _VERSION_PARTS})

    def list_audits(self, ref: Any) -> list[Any]:
        return records(self._version(ref)["audits"])

    def list_artifacts(self, ref: Any) -> list[Any]:
        return records(self._version(ref)["artifacts"])

    def list_waivers(self, ref: Any) -> list[Any]:
        return records(self._version(ref)["waivers"])

    def list_users(self) -> list[Any]:
        return records(self._client.items("/api/users"))

    def audit_log(self) -> Iterator[Mapping[str, Any]]:
        """``log export``'s records (the server's JSON Lines), oldest first."""
        text = self._client.request("GET", "/api/log", params={"format": "jsonl"}).text
        for line in text.splitlines():
            if line.strip():
                yield json.loads(line)

    def annex_iv_zip(self, ref: Any) -> bytes:
        """``docs annex-iv``'s files, as the server zips them (deterministic)."""
        return self._client.request("GET", f"{_version_path(ref)}/annex-iv").content

    def add_user(
        self,
        name: str,
        email: str,
        roles: Sequence[str],
        *,
        actor: str | None,
        known_roles: Sequence[str] = (),
        public_key: str | None = None,
    ) -> Record:
        """A person added by the signed-in admin (the server knows the roles in force)."""
        body = {"name": name, "email": email, "roles": list(roles), "public_key": public_key}
        return Record(self._client.json("POST", "/api/users", json=body))

    def set_public_key(
        self,
        name: str,
        public_key_text: str,
        *,
        actor: str,
        old_private_key: str | None = None,
        old_key_signature: str | None = None,
    ) -> Record:
        """Register a signing key; a rotation carries the old key's signature, made on this
        machine by the caller (a private key is never sent)."""
        if old_private_key is not None:
            raise InputError("sign the rotation locally and pass old_key_signature")
        path = f"/api/users/{seg(name)}/key"
        body = {"public_key": public_key_text, "old_key_signature": old_key_signature}
        return Record(self._client.json("POST", path, json=body))

    def deactivate_user(self, name: str, *, actor: str, reason: str) -> Record:
        """Remove a person's access (the signed-in admin)."""
        path = f"/api/users/{seg(name)}/deactivate"
        return Record(self._client.json("POST", path, json={"reason": reason}))

    def reactivate_user(self, name: str, *, actor: str, reason: str) -> Record:
        """Give a deactivated person access again, without their old roles (the signed-in
        admin)."""
        path = f"/api/users/{seg(name)}/reactivate"
        return Record(self._client.json("POST", path, json={"reason": reason}))

    def register_model(self, name: str, **fields: Any) -> Record:
        fields.pop("actor", None)  # the signed-in person
        body = {"name": name, **fields}
        return Record(self._client.json("POST", "/api/models", json=body))

    def add_version(self, ref: Any, **fields: Any) -> VersionRecord:
        """A version: its files uploaded and hashed by the server, its lineage as fields."""
        fields.pop("actor", None)
        paths: dict[str, Path | None] = {k: fields.pop(k, None) for _, k in _VERSION_FILES}
        for path in paths.values():
            if path is not None and not path.is_file():
                raise InputError("file not found", file=path)
        data = paths["training_data"]
        source = fields.pop("training_data_source", None) or (str(data) if data else None)
        form = {
            "version": str(ref.version),
            "framework": fields.pop("framework"),
            "uri": fields.pop("model_uri", None),
            "data_source": source,
            **{k: fields.pop(k, None) for k in ("objective", "code_commit", "parent")},
            **{
                k: None if fields.get(k) is None else json.dumps(fields.pop(k))
                for k in ("hyperparameters", "feature_schema")
            },
        }
        with contextlib.ExitStack() as stack:
            files: list[tuple[str, tuple[str, IO[bytes]]]] = [
                (field, (path.name, stack.enter_context(path.open("rb"))))
                for field, key in _VERSION_FILES
                if (path := paths[key]) is not None
            ]
            found = self._client.json(
                "POST",
                f"/api/models/{seg(ref.model)}/versions",
                files=files,
                data={k: str(v) for k, v in form.items() if v is not None},
            )
        found.pop("artifacts", None)  # none sent: `artifact add` attaches them
        return VersionRecord(found)

    def add_artifact(
        self, ref: Any, kind: str, data: bytes, *, filename: str, actor: str
    ) -> Record:
        found = self._client.json(
            "POST",
            f"{_version_path(ref)}/artifacts",
            files={"file": (filename, io.BytesIO(data))},
            data={"kind": kind},
        )
        return Record(found)

    def attach_audit(
        self, ref: Any, audit: Path, *, actor: str, reports: Mapping[str, bytes] | None = None
    ) -> Record:
        """``audit --register``: the output folder's results.json and manifest.json (and
        its rendered reports) sent as one zip, read by the server as hostile input."""
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in ("results.json", "manifest.json"):
                archive.writestr(name, (audit / name).read_bytes())
            for name, data in (reports or {}).items():
                archive.writestr(name, data)
        buffer.seek(0)
        path = f"{_version_path(ref)}/audits"
        return Record(self._client.json("POST", path, files={"archive": ("audit.zip", buffer)}))
