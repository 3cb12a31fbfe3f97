"""The ledger's events over HTTP — ``signoff ledger show`` and ``ledger export`` in remote
mode — and a checkpoint signed by a person's own key, kept as ``ledger checkpoint``
keeps it (the server checks the signature and that its ledger contains the tree)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from .._api import Signoff
from ..ledger import MAX_SEQ, installation_origin, iter_events, keep_checkpoint, tree_head
from ._auth import Principal, need

__all__ = ["router"]

router = APIRouter(prefix="/api/ledger", tags=["ledger"])
Reader = Annotated[Principal, Depends(need("read"))]
Writer = Annotated[Principal, Depends(need("write"))]


class KeepAsk(BaseModel):
    """A checkpoint note signed elsewhere, and the public key that signed it."""

    note: str = Field(description="The signed note (`signoff ledger checkpoint`).")
    public_key: str = Field(description="The public key that signed it.")


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


def _row(event: Any) -> dict[str, Any]:
    found: dict[str, Any] = event.to_dict() | {"leaf_hash": event.leaf_hash}
    return found


@router.get("/events", summary="Ledger events from a seq on (signoff ledger show)")
def events(
    request: Request,
    who: Reader,
    start: Annotated[int, Query(ge=1, le=MAX_SEQ, description="First seq.")] = 1,
    subject: Annotated[str | None, Query(description="Only subjects starting with this.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Events per page.")] = 500,
) -> dict[str, Any]:
    api = _api(request)
    with api.store.transaction() as session:
        found: list[dict[str, Any]] = []
        for event in iter_events(session, start=start, subject_prefix=subject):
            if len(found) == limit:
                break
            found.append(_row(event))
    following = found[-1]["seq"] + 1 if len(found) == limit else None
    return {"items": found, "next_start": following, "origin": installation_origin(api.store)}


@router.get(
    "/export",
    summary="Every event as one canonical JSON line with its leaf hash (signoff ledger export)",
    response_class=Response,
    responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
)
def export(request: Request, who: Reader) -> Response:
    with _api(request).store.transaction() as session:
        lines = [
            json.dumps(_row(e), sort_keys=True, ensure_ascii=False) + "\n"
            for e in iter_events(session)
        ]
    return Response("".join(lines), media_type="application/x-ndjson")


@router.get("/tree", summary="The ledger's origin, size and root, for a checkpoint to sign")
def tree(request: Request, who: Reader) -> dict[str, Any]:
    head = tree_head(_api(request).store)
    return {"origin": head.origin, "size": head.size, "root_hash": head.root.hex()}


@router.post("/checkpoints", status_code=201, summary="Keep a copy of a signed checkpoint")
def keep(request: Request, body: KeepAsk, who: Writer) -> dict[str, Any]:
    api = _api(request)
    found = keep_checkpoint(api.store, body.note, body.public_key, at=api.core.clock())
    return {"origin": found.origin, "size": found.size, "root_hash": found.root.hex()}
