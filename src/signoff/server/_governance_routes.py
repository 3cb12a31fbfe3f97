"""The rules over HTTP: ``signoff governance show|list|apply|approve|reject``. A version
proposed by one admin is put in force by another — a refusal is a 403 naming the rule,
as the CLI's exit 4.

A proposal answers with the core's :func:`~signoff.workflow.governance_warnings` in
``warnings`` (a webhook URL that looks like it carries a secret, with its line and
column in the uploaded file): the CLI prints them as it does locally, the web page
(:mod:`._governance_pages`) shows them to the proposer.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from pydantic import BaseModel

from .._api import Signoff
from ..errors import ConfigError
from ._params import Limit, Offset, Reader, Writer
from ._present import page, plain
from ._uploads import upload_name

if TYPE_CHECKING:
    from ..workflow import GovernanceRecord, GovernanceWarning, LoadedGovernance

__all__ = ["PROPOSAL_SCHEMA", "propose_upload", "proposed", "router"]

router = APIRouter(prefix="/api", tags=["administration"])
OUTSIDE = (
    "stage {stage}'s policy {policy!r} is outside the uploaded files: over HTTP a governance "
    "file names its policies by relative paths and sends them along"
)
BAD_POLICY_NAME = (
    "a policy file is named by the path the governance file gives it (e.g. "
    "policies/production.yaml): a relative path without '..'; got {name!r}"
)
_NULLABLE_INT = {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]}
#: The answer to ``POST /api/governance``: the version recorded, and the warnings.
PROPOSAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "number", "state", "warnings"],
    "properties": {
        "id": {"type": "string", "description": "The version's id (G-3)."},
        "number": {"type": "integer"},
        "state": {"type": "string", "enum": ["proposed", "applied"]},
        "warnings": {
            "type": "array",
            "description": "What the proposer should know: a webhook whose literal URL "
            "looks like it carries a secret (a query string, a user name or password, a "
            "token-shaped path), now in the ledger for good — use url_env. Empty: none.",
            "items": {
                "type": "object",
                "required": ["field", "line", "column", "message"],
                "properties": {
                    "field": {"type": "string", "description": "Like webhooks[1].url."},
                    "line": {**_NULLABLE_INT, "description": "In the uploaded file, 1-based."},
                    "column": {**_NULLABLE_INT, "description": "1-based."},
                    "message": {"type": "string"},
                },
            },
        },
    },
}


class Decision(BaseModel):
    """An admin's decision on a proposed governance version."""

    comment: str = ""


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


@router.get("/governance", summary="The governance in force, with its policies (webhooks redacted)")
def governance(request: Request, who: Reader) -> dict[str, Any]:
    return _api(request).workflow.governance_shown(viewer=who.name)


@router.get("/governance/versions", summary="Every governance version, oldest first")
def versions(
    request: Request, who: Reader, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    shown = _api(request).workflow.governance_versions_shown(viewer=who.name)
    return page(request, shown, limit, offset)


def _record(record: Any) -> dict[str, Any]:
    from ..workflow import gov_id

    return {**plain(record), "id": gov_id(record.number)}


def proposed(record: GovernanceRecord, warnings: Sequence[GovernanceWarning]) -> dict[str, Any]:
    """The JSON of a proposal (:data:`PROPOSAL_SCHEMA`)."""
    return {**_record(record), "warnings": [w.to_dict() for w in warnings]}


def _policy_path(folder: Path, name: str) -> Path:
    pure = PurePosixPath(name)
    if not name or pure.is_absolute() or ".." in pure.parts or "\\" in name or str(pure) != name:
        raise ConfigError(BAD_POLICY_NAME.format(name=name), field="policies")
    return folder.joinpath(*pure.parts)


def _policies_inside(path: Path, folder: Path) -> LoadedGovernance:
    """Refuse a governance file that names a policy outside the upload (an absolute path,
    ``..``): the server reads no file of its own on a caller's word."""
    from ..workflow import load_governance

    loaded = load_governance(path)
    for stage, rule in loaded.governance.stages.items():
        found = loaded.policy_path(stage)
        if found is not None and not found.resolve().is_relative_to(folder.resolve()):
            message = OUTSIDE.format(stage=stage, policy=rule.policy)
            raise ConfigError(message, file=path.name, field=f"stages.{stage}.policy")
    return loaded


def _by_base_name(loaded: LoadedGovernance, name: str) -> str:
    """The path the governance names whose base name is ``name`` (a browser sends a
    file's base name only), when exactly one does; else ``name`` itself."""
    named = {str(r.policy) for s, r in loaded.governance.stages.items() if loaded.policy_path(s)}
    same = [n for n in sorted(named) if PurePosixPath(n).name == name]
    return same[0] if len(same) == 1 else name


def propose_upload(
    api: Signoff,
    actor: str,
    governance: UploadFile,
    policies: Sequence[UploadFile],
    *,
    base_names: bool = False,
) -> tuple[GovernanceRecord, list[GovernanceWarning]]:
    """Propose an uploaded governance file with the policy files it names (each sent under
    the path the governance gives it, or with ``base_names`` — the web form — under its
    base name), and the warnings about it."""
    from ..workflow import governance_warnings, load_governance

    with tempfile.TemporaryDirectory(prefix="signoff-governance-") as temporary:
        folder = Path(temporary) / "governance"
        folder.mkdir()
        path = folder / upload_name(governance, "governance.yaml")
        text = governance.file.read()
        path.write_bytes(text)
        loaded = load_governance(path) if base_names and policies else None
        for upload in policies:
            name = upload.filename or ""
            target = _policy_path(folder, _by_base_name(loaded, name) if loaded else name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(upload.file.read())
        path.write_bytes(text)  # a policy sent under the governance file's name loses
        warnings = governance_warnings(_policies_inside(path, folder))
        record = api.workflow.propose_governance(path, actor=actor, warn=False)
    return record, warnings


@router.post(
    "/governance",
    status_code=201,
    summary="Propose a governance version (admins); answers with warnings about it",
    responses={201: {"content": {"application/json": {"schema": PROPOSAL_SCHEMA}}}},
)
def apply(
    request: Request,
    who: Writer,
    governance: Annotated[UploadFile, File(description="The governance config (YAML).")],
    policies: Annotated[
        list[UploadFile] | None,
        File(description="The policy files it names, each sent under the path it gives."),
    ] = None,
) -> dict[str, Any]:
    record, warnings = propose_upload(_api(request), who.name, governance, policies or [])
    return proposed(record, warnings)


@router.post("/governance/{gid}/approve", summary="Put a proposed version in force (admins)")
def approve(request: Request, gid: str, body: Decision, who: Writer) -> dict[str, Any]:
    done = _api(request).workflow.decide_governance(
        gid, actor=who.name, approve=True, comment=body.comment
    )
    return _record(done)


@router.post("/governance/{gid}/reject", summary="Reject a proposed version (admins)")
def reject(request: Request, gid: str, body: Decision, who: Writer) -> dict[str, Any]:
    done = _api(request).workflow.decide_governance(
        gid, actor=who.name, approve=False, comment=body.comment
    )
    return _record(done)
