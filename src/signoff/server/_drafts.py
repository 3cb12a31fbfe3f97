"""A sign-off form refused for a stale login keeps what the reviewer typed.

The refusal (``fresh_login_required``) keeps the form's role, decision and comment in the
reviewer's own session (signed, in their cookie: never seen by anyone else); signing in
again as the same person keeps it; the change request's page puts it back in the form;
a recorded sign-off forgets it. A comment too long for a cookie is not kept (the refusal
page still shows it, to copy).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

__all__ = [
    "DRAFT",
    "KEEP_CHARS",
    "carry_draft",
    "forget_draft",
    "keep_draft",
    "refused_comment",
    "take_draft",
]

#: The longest comment kept in the session cookie (browsers drop cookies over 4 KB).
KEEP_CHARS = 1500
DRAFT = "draft"


async def keep_draft(request: Request) -> None:
    """Keep a refused sign-off form's fields in the session (a form post to a CR's sign)."""
    cr = request.path_params.get("cr")
    if not cr or "form" not in request.headers.get("content-type", ""):
        return
    form = await request.form()
    fields = {k: form.get(k) for k in ("role", "decision", "comment")}
    draft = {k: v for k, v in fields.items() if isinstance(v, str)}
    comment = draft.get("comment", "")
    request.state.refused_comment = comment
    if comment.strip() and len(comment) <= KEEP_CHARS:
        request.session[DRAFT] = {"cr": str(cr), **draft}


def refused_comment(request: Request) -> str | None:
    """The comment of the form this request posted, when it was refused and not kept."""
    comment: str | None = getattr(request.state, "refused_comment", None)
    kept = request.session.get(DRAFT, {}).get("comment")
    return comment if comment and comment != kept else None


def take_draft(request: Request, cr: str) -> dict[str, str]:
    """What this person typed into ``cr``'s form before a refusal (empty: nothing)."""
    draft: dict[str, Any] = request.session.get(DRAFT) or {}
    return {k: str(v) for k, v in draft.items()} if draft.get("cr") == cr else {}


def forget_draft(request: Request) -> None:
    """The sign-off was recorded: nothing left to keep."""
    request.session.pop(DRAFT, None)


def carry_draft(request: Request, user: str) -> dict[str, Any] | None:
    """The draft to keep across a new login: only the same person's."""
    if request.session.get("user") != user:
        return None
    draft: dict[str, Any] | None = request.session.get(DRAFT)
    return draft
