"""People and the rules over HTTP: ``signoff user add|grant|list`` and ``signoff governance
show|list|apply|approve|reject``. The core decides who may: only an admin adds users or
grants roles (never to themselves), and a governance version proposed by one admin is
put in force by another — a refusal is a 403 naming the rule, as the CLI's exit 4."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field

from .._api import Signoff
from ..errors import ConfigError
from ._auth import Principal, need
from ._present import page, plain
from ._uploads import upload_name

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["administration"])
Reader = Annotated[Principal, Depends(need("read"))]
Writer = Annotated[Principal, Depends(need("write"))]
Limit = Annotated[int, Query(ge=1, le=200, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, description="Items to skip.")]
OUTSIDE = (
    "stage {stage}'s policy {policy!r} is outside the uploaded files: over HTTP a governance "
    "file names its policies by relative paths and sends them along"
)
BAD_POLICY_NAME = (
    "a policy file is named by the path the governance file gives it (e.g. "
    "policies/production.yaml): a relative path without '..'; got {name!r}"
)


class NewUser(BaseModel):
    """A person (``signoff user add``)."""

    name: str
    email: str
    roles: list[str] = Field(description="Roles of the governance in force.")
    public_key: str | None = Field(default=None, description="Their Ed25519 public key (PEM).")


class Grant(BaseModel):
    """A role to grant."""

    role: str


class Decision(BaseModel):
    """An admin's decision on a proposed governance version."""

    comment: str = ""


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


@router.get("/users", summary="People and their roles")
def users(request: Request, who: Reader, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    return page(request, _api(request).registry.list_users(), limit, offset)


@router.post("/users", status_code=201, summary="Add a person (admins)")
def add_user(request: Request, body: NewUser, who: Writer, response: Response) -> dict[str, Any]:
    api = _api(request)
    found = api.registry.add_user(
        body.name,
        body.email,
        body.roles,
        actor=who.name,  # never None over HTTP: nobody becomes the first admin here
        known_roles=api.workflow.rules().governance.roles,
        public_key=body.public_key,
    )
    response.headers["Location"] = "/api/users"
    return {**plain(found), "id": found.name}


class Deactivate(BaseModel):
    """Why a person's access is removed."""

    reason: str = Field(description="Recorded in the ledger (at least 10 characters).")


@router.post("/users/{user}/deactivate", summary="Remove a person's access at once (admins)")
def deactivate(request: Request, user: str, body: Deactivate, who: Writer) -> dict[str, Any]:
    found = _api(request).registry.deactivate_user(user, actor=who.name, reason=body.reason)
    return {**plain(found), "id": found.name}


class Reactivate(BaseModel):
    """Why a person's access is given back."""

    reason: str = Field(description="Recorded in the ledger (at least 10 characters).")


@router.post(
    "/users/{user}/reactivate",
    summary="Give a deactivated person access again, without their old roles (admins)",
)
def reactivate(request: Request, user: str, body: Reactivate, who: Writer) -> dict[str, Any]:
    found = _api(request).registry.reactivate_user(user, actor=who.name, reason=body.reason)
    return {**plain(found), "id": found.name}


class NewKey(BaseModel):
    """A person's Ed25519 public key, and for a rotation by themselves, the old key's
    signature over it (the private key never leaves their machine)."""

    public_key: str = Field(description="The public key file's text (`signoff ledger keygen`).")
    old_key_signature: str | None = Field(
        None,
        description="Rotating your own key: the old key's signature over "
        '{"rotate_key": USER, "public_key": KEY} (KEY as the registry writes it).',
    )


@router.post(
    "/users/{user}/key",
    summary="Register a person's signing key (another admin; or the person, signed by the old key)",
)
def set_key(request: Request, user: str, body: NewKey, who: Writer) -> dict[str, Any]:
    found = _api(request).registry.set_public_key(
        user, body.public_key, actor=who.name, old_key_signature=body.old_key_signature
    )
    return {**plain(found), "id": found.name}


@router.post("/users/{user}/roles", summary="Grant a role (admins; never to themselves)")
def grant(request: Request, user: str, body: Grant, who: Writer) -> dict[str, Any]:
    api = _api(request)
    found = api.registry.grant_role(
        user, body.role, actor=who.name, known_roles=api.workflow.rules().governance.roles
    )
    return {**plain(found), "id": found.name}


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


def _policy_path(folder: Path, upload: UploadFile) -> Path:
    name = upload.filename or ""
    pure = PurePosixPath(name)
    if not name or pure.is_absolute() or ".." in pure.parts or "\\" in name or str(pure) != name:
        raise ConfigError(BAD_POLICY_NAME.format(name=name), field="policies")
    return folder.joinpath(*pure.parts)


def _policies_inside(path: Path, folder: Path) -> None:
    """Refuse a governance file that names a policy outside the upload (an absolute path,
    ``..``): the server reads no file of its own on a caller's word."""
    from ..workflow import load_governance

    loaded = load_governance(path)
    for stage, rule in loaded.governance.stages.items():
        found = loaded.policy_path(stage)
        if found is not None and not found.resolve().is_relative_to(folder.resolve()):
            message = OUTSIDE.format(stage=stage, policy=rule.policy)
            raise ConfigError(message, file=path.name, field=f"stages.{stage}.policy")


@router.post("/governance", status_code=201, summary="Propose a governance version (admins)")
def apply(
    request: Request,
    who: Writer,
    governance: Annotated[UploadFile, File(description="The governance config (YAML).")],
    policies: Annotated[
        list[UploadFile] | None,
        File(description="The policy files it names, each sent under the path it gives."),
    ] = None,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="signoff-governance-") as temporary:
        folder = Path(temporary) / "governance"
        folder.mkdir()
        for upload in policies or []:
            target = _policy_path(folder, upload)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(upload.file.read())
        path = folder / upload_name(governance, "governance.yaml")
        path.write_bytes(governance.file.read())
        _policies_inside(path, folder)
        record = _api(request).workflow.propose_governance(path, actor=who.name)
    return _record(record)


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
