"""What a sign-off or a risk override must say: a reason a reviewer could check."""

from __future__ import annotations

import unicodedata

from ..errors import WorkflowRefused

__all__ = ["BOILERPLATE", "judge_comment"]

#: Comments that say nothing: a sign-off needs a reason a reviewer could check.
BOILERPLATE = frozenset(
    {
        "ok",
        "okay",
        "lgtm",
        "approved",
        "approve",
        "looks good",
        "fine",
        "yes",
        "+1",
        "done",
        "ship it",
    }
)
RUBBER_STAMP = (
    "a sign-off needs a comment that says what was checked (at least 15 characters, not {text!r})"
)


def judge_comment(text: str) -> str:
    """The comment as recorded, once it says something (format and space characters removed)."""
    visible = "".join(
        ch
        for ch in unicodedata.normalize("NFKC", text)
        if unicodedata.category(ch) not in ("Cf", "Cc")
    )
    cleaned = " ".join(visible.split())
    if len(cleaned) < 15 or cleaned.lower().strip(".! ") in BOILERPLATE:
        raise WorkflowRefused(RUBBER_STAMP.format(text=cleaned))
    return cleaned
