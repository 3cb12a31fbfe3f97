"""API tokens over HTTP: ``signoff token create|list|revoke`` in remote mode.

A token is created by a person — its user, or an admin for anyone — never by another
token (a leaked token must not be able to mint itself a successor). The list shows a
person their own tokens and CLI sessions (`signoff login`), an admin everyone's; never
a secret. Revoking works for a token or a CLI session, by its user or an admin.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from .._api import Signoff
from ..registry import parse_duration, token_row
from ._auth import Principal
from ._params import Reader, Writer
from ._route_rules import only

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["administration"])
FROM_PEOPLE = "a token cannot create tokens: a person creates them (signed in, or `signoff login`)"
Person = Annotated[
    Principal,
    Depends(
        only("write", "tokens_from_people", lambda w: FROM_PEOPLE if w.via == "token" else None)
    ),
]


class NewToken(BaseModel):
    """A token for ``user`` (``signoff token create``)."""

    user: str
    scope: str = Field(default="read", description="read, write or monitor.")
    expires: str = Field(default="90d", description="Lifetime: 90d, 12h or 30m (at most 366d).")


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


@router.get("/tokens", summary="API tokens and CLI sessions (never their secrets)")
def tokens(
    request: Request,
    who: Reader,
    user: Annotated[str | None, Query(description="Only this user's.")] = None,
) -> dict[str, Any]:
    found = _api(request).registry.tokens.list_tokens(user, sessions=True)
    if "admin" not in who.user.roles:  # a person sees their own
        found = [t for t in found if t.user == who.name]
    return {"items": [token_row(t) for t in found]}


@router.post("/tokens", status_code=201, summary="Create a token; its secret is shown once")
def create(request: Request, body: NewToken, who: Person, response: Response) -> dict[str, Any]:
    token, secret = _api(request).registry.tokens.create_token(
        body.user, scope=body.scope, expires=parse_duration(body.expires), actor=who.name
    )
    response.headers["Cache-Control"] = "no-store"
    return {"secret": secret, **token_row(token), "id": token.id}


@router.post("/tokens/{token_id}/revoke", summary="Revoke a token or a CLI session")
def revoke(request: Request, token_id: str, who: Writer) -> dict[str, Any]:
    found = _api(request).registry.tokens.revoke_token(token_id, actor=who.name)
    return token_row(found)
