"""The parameters routes share: who may call them (by access level) and how a list pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from ._auth import Principal, need

__all__ = ["Limit", "Offset", "Reader", "Writer"]

#: A caller with read access (every signed-in person and read token).
Reader = Annotated[Principal, Depends(need("read"))]
#: A caller with write access.
Writer = Annotated[Principal, Depends(need("write"))]
#: A page's size.
Limit = Annotated[int, Query(ge=1, le=200, description="Items per page.")]
#: How many items a page skips.
Offset = Annotated[int, Query(ge=0, description="Items to skip.")]
