"""The ledger over HTTP: the tree head, verification (against a pasted checkpoint) and
inclusion proofs anyone can check offline; plus health and readiness."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from .._api import Signoff
from ..errors import ConfigError
from ..ledger import (
    MAX_SEQ,
    check_public_key,
    installation_origin,
    parse_checkpoint,
    prove_event,
)
from ..store import schema_status
from ._auth import Principal, need
from ._params import Reader

__all__ = ["SeqQuery", "health", "router"]

router = APIRouter(prefix="/api/ledger", tags=["ledger"])
health = APIRouter(tags=["operations"])
Anyone = Annotated[Principal | None, Depends(need("public"))]
#: The largest seq a route accepts (the ledger's seq column is a 32-bit integer).
SeqPath = Annotated[int, Path(ge=1, le=MAX_SEQ, description="The event's seq.")]
SeqQuery = Annotated[int, Query(ge=1, le=MAX_SEQ, description="The event's seq.")]
HALF = "a checkpoint needs the public key that signed it (and the reverse)"


class VerifyAsk(BaseModel):
    """Verify the ledger, optionally against a checkpoint kept elsewhere."""

    checkpoint: str | None = Field(default=None, description="The signed note, as pasted.")
    public_key: str | None = Field(default=None, description="The key that signed it.")
    writer_key: str | None = Field(
        default=None,
        description="The server's public writer key: check every event's writer signature.",
    )
    origin: str | None = Field(
        default=None, description="The log's name in the checkpoint (default: this log's)."
    )


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


def verify(
    api: Signoff,
    checkpoint: str | None,
    public_key: str | None,
    writer_key: str | None = None,
    origin: str | None = None,
) -> dict[str, Any]:
    """``ledger verify`` (LedgerVerificationError names the first bad seq)."""
    if (checkpoint is None) != (public_key is None):
        raise ConfigError(HALF, field="checkpoint")
    cp = None
    if checkpoint is not None and public_key is not None:
        named = origin or installation_origin(api.store)
        cp = parse_checkpoint(checkpoint, public_key, origin=named)
    writer = check_public_key(writer_key) if writer_key is not None else None
    result: dict[str, Any] = api.ledger.verify(checkpoint=cp, writer_key=writer).to_dict()
    return result


@router.get("/head", summary="The ledger's size and root hash, recomputed")
def head(request: Request, who: Reader) -> dict[str, Any]:
    return verify(_api(request), None, None)


@router.post("/verify", summary="Verify the ledger, optionally against a signed checkpoint")
def verify_route(request: Request, body: VerifyAsk, who: Reader) -> dict[str, Any]:
    return verify(_api(request), body.checkpoint, body.public_key, body.writer_key, body.origin)


@router.get("/proof/{seq}", summary="An inclusion proof of one event (check it offline)")
def proof(request: Request, seq: SeqPath, who: Reader) -> dict[str, Any]:
    api = _api(request)
    doc: dict[str, Any] = prove_event(api.store, seq, origin=installation_origin(api.store))
    return doc


@health.get("/healthz", summary="The process is up")
def healthz(who: Anyone) -> dict[str, str]:
    return {"status": "ok"}


@health.get("/readyz", summary="The database answers and has this signoff's schema")
async def readyz(request: Request, who: Anyone) -> dict[str, Any]:
    status = await run_in_threadpool(schema_status, _api(request).store)
    if not status.up_to_date:
        from ._problems import Problem

        message = f"schema {status.current}, this signoff needs {status.head}"
        raise Problem(503, "NotReady", message, rule="schema")
    return {"status": "ready", "schema": status.current}
