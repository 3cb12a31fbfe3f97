"""Domain objects as JSON (the CLI's ``--json`` shapes), pages of lists, ETags."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import Request

from .._time import iso_utc
from ..workflow import ChangeRequest
from ._problems import Problem

__all__ = ["cr_json", "etag", "page", "paged", "plain", "revision_from"]

NEED_IF_MATCH = (
    "{what} changes a change request: send If-Match with the ETag of the version you read "
    "(GET /api/crs/{cr})"
)
BAD_IF_MATCH = 'If-Match must be an ETag like "r42" from GET /api/crs/{cr}; got {value!r}'


def plain(value: Any) -> Any:
    """Dataclasses, tuples and datetimes as JSON-ready data (as ``--json`` prints them)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return iso_utc(value)
    return value


def cr_json(cr: ChangeRequest) -> dict[str, Any]:
    """A CR with what a reviewer needs: outstanding roles and readiness."""
    data: dict[str, Any] = plain(cr)
    data["outstanding"] = cr.outstanding()
    data["ready"] = not cr.missing
    data["etag"] = etag(cr)
    return data


def etag(cr: ChangeRequest) -> str:
    """The strong ETag of a CR's revision."""
    return f'"r{cr.revision}"'


def revision_from(request: Request, cr: str, what: str) -> int:
    """The revision named by If-Match (428 when absent, 412 when malformed)."""
    value = request.headers.get("if-match")
    if value is None:
        raise Problem(
            428, "PreconditionRequired", NEED_IF_MATCH.format(what=what, cr=cr), rule="if_match"
        )
    text = value.strip().removeprefix("W/").strip('"')
    if not text.startswith("r") or not (text[1:].isascii() and text[1:].isdigit()):
        raise Problem(
            412, "PreconditionFailed", BAD_IF_MATCH.format(cr=cr, value=value), rule="if_match"
        )
    return int(text[1:])


def page(
    request: Request,
    items: Sequence[Any],
    limit: int,
    offset: int,
    render: Callable[[Any], Any] = plain,
) -> dict[str, Any]:
    """One page of a list, with the total and the link to the next page."""
    return paged(request, items[offset : offset + limit], len(items), limit, offset, render)


def paged(
    request: Request,
    chunk: Sequence[Any],
    total: int,
    limit: int,
    offset: int,
    render: Callable[[Any], Any] = plain,
) -> dict[str, Any]:
    """A page read as one (in SQL), in :func:`page`'s shape, given the list's total."""
    following = None
    if offset + limit < total:
        following = str(request.url.include_query_params(limit=limit, offset=offset + limit))
    return {
        "items": [render(i) for i in chunk],
        "total": total,
        "limit": limit,
        "offset": offset,
        "next": following,
    }
