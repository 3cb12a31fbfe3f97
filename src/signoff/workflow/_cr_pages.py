"""One page of change requests, with the total the filters match — for the API's lists.

Filtering by state and requester, ordering (newest first), ``LIMIT``/``OFFSET`` and the
total are all SQL: a page reads its own rows, never the whole table.  ``waiting_for``
(a role still short of current approvals) depends on which sign-offs went stale, which
depends on the clock and the waivers in force, so it is judged here over the CRs that
can wait at all — those submitted or in review, read in SQL — and then sliced.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..registry import Core
from ._domain import ChangeRequest
from ._readiness import Prefetched, view

__all__ = ["CRPage", "page_crs"]

WAITING = ("submitted", "in_review")


@dataclass(frozen=True)
class CRPage:
    """``items`` (newest first) and how many CRs the filters match in all."""

    items: list[ChangeRequest]
    total: int


def page_crs(
    core: Core,
    *,
    state: str | None = None,
    requester: str | None = None,
    waiting_for: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> CRPage:
    """The CRs ``list_crs`` lists with the same filters, ``offset``..``offset+limit``."""
    states: tuple[str, ...] | None = (state,) if state else None
    if waiting_for is not None:
        states = tuple(s for s in (states or WAITING) if s in WAITING)
    now = core.clock()
    with core.read() as repo:
        who = repo.user(requester).name if requester is not None else None
        if waiting_for is None:
            records = repo.crs(states=states, requester=who, limit=limit, offset=offset)
            total = repo.cr_count(states=states, requester=who)
        else:
            records = repo.crs(states=states, requester=who) if states else []
        ahead = Prefetched.read(repo)
        crs = [view(repo, core.artifacts, r, now, full=False, prefetched=ahead) for r in records]
    if waiting_for is not None:
        crs = [c for c in crs if any(o["role"] == waiting_for for o in c.outstanding())]
        total, crs = len(crs), crs[offset : offset + limit]
    return CRPage(crs, total)
