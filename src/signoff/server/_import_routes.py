"""``signoff portfolio import`` over HTTP: a team's audit log uploaded and imported all or
nothing by the same core function, its errors naming the file as the person typed it."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile

from .._api import Signoff
from ..errors import SignoffError
from ._params import Writer
from ._present import plain
from ._uploads import save_upload, upload_name

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["portfolio"])
DEFAULT_NAME = "audit-log.jsonl"


@router.post(
    "/portfolio/import",
    status_code=201,
    summary="Import a team's audit log (JSON Lines), all or nothing (signoff portfolio import)",
)
def portfolio_import(
    request: Request,
    who: Writer,
    log: Annotated[UploadFile, File(description="The audit log, one JSON object per line.")],
    shown: Annotated[
        str | None, Form(description="The file as its errors name it (the path typed).")
    ] = None,
) -> dict[str, Any]:
    from ..regulatory import import_audit_log

    api: Signoff = request.app.state.api
    display = shown or upload_name(log, DEFAULT_NAME)
    with tempfile.TemporaryDirectory(prefix="signoff-import-") as temporary:
        saved = save_upload(log, Path(temporary), DEFAULT_NAME)  # recorded under its name
        try:
            result = import_audit_log(api.core, saved, actor=who.name)
        except SignoffError as exc:
            if exc.file == str(saved):
                exc.file = display
            raise
    records = [plain(r) for r in result.records]
    return {**result.to_dict(), "file": display, "records": records}
