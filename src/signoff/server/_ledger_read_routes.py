"""The ledger's events over HTTP — ``signoff ledger show`` and ``ledger export`` in remote
mode —, a checkpoint signed by a person's own key, kept as ``ledger checkpoint`` keeps it
(the server checks the signature and that its ledger contains the tree), and the proofs
of ``ledger prove --audit/--checkpoint``."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from .._api import Signoff
from ..ledger import (
    MAX_SEQ,
    attached_seq,
    installation_origin,
    iter_events,
    keep_checkpoint,
    parse_checkpoint,
    prove_event,
    tree_head,
)
from ._params import Reader, Writer

__all__ = ["router"]

router = APIRouter(prefix="/api/ledger", tags=["ledger"])


class KeepAsk(BaseModel):
    """A checkpoint note signed elsewhere, and the public key that signed it."""

    note: str = Field(description="The signed note (`signoff ledger checkpoint`).")
    public_key: str = Field(description="The public key that signed it.")


class ProveAsk(BaseModel):
    """An inclusion proof of event ``seq`` against a signed checkpoint kept elsewhere."""

    seq: int = Field(ge=1, le=MAX_SEQ, description="The event's seq.")
    checkpoint: str = Field(description="The signed note, as pasted.")
    public_key: str = Field(description="The key that signed it.")
    origin: str | None = Field(
        default=None, description="The log's name in the checkpoint (default: this log's)."
    )


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
    subject: Annotated[
        str | None,
        Query(pattern=r"^[^\x00]*$", description="Only subjects starting with this (no NUL)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Events per page.")] = 500,
) -> dict[str, Any]:
    api = _api(request)
    with api.store.transaction() as session:  # one more than a page: is there a next?
        found = [_row(e) for e in iter_events(session, start=start, subject_prefix=subject,
                                              limit=limit + 1)]  # fmt: skip
    following = found[limit]["seq"] if len(found) > limit else None
    found = found[:limit]
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


@router.get("/attached", summary="The event that attached an audit's results.json, by hash")
def attached(
    request: Request,
    who: Reader,
    results_sha256: Annotated[
        str, Query(pattern="^[0-9a-f]{64}$", description="SHA-256 of results.json's bytes.")
    ],
) -> dict[str, Any]:
    return {"seq": attached_seq(_api(request).store, results_sha256)}


@router.post("/prove", summary="An inclusion proof against a signed checkpoint")
def prove(request: Request, body: ProveAsk, who: Reader) -> dict[str, Any]:
    store = _api(request).store
    origin = body.origin or installation_origin(store)
    cp = parse_checkpoint(body.checkpoint, body.public_key, origin=origin)
    doc: dict[str, Any] = prove_event(
        store, body.seq, checkpoint=cp, note=body.checkpoint, origin=origin
    )
    return doc
