"""People over HTTP: ``signoff user add|grant|list|deactivate|reactivate`` and signing
keys. The core decides who may: only an admin adds users or grants roles (never to
themselves) — a refusal is a 403 naming the rule, as the CLI's exit 4. The rules
(``signoff governance``) are :mod:`._governance_routes`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from .._api import Signoff
from ._params import Limit, Offset, Reader, Writer
from ._present import page, plain

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["administration"])


class NewUser(BaseModel):
    """A person (``signoff user add``)."""

    name: str
    email: str
    roles: list[str] = Field(description="Roles of the governance in force.")
    public_key: str | None = Field(default=None, description="Their Ed25519 public key (PEM).")


class Grant(BaseModel):
    """A role to grant."""

    role: str


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
