"""Uploaded files and form values, read as the CLI reads its files and options.

An upload is written to a temporary folder under a name the server chooses (the
uploaded name only when it is a plain file name), never where the upload says.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from fastapi import UploadFile

from .._canonical import json_object_option

__all__ = ["json_object", "save_upload", "upload_name"]

_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def upload_name(upload: UploadFile, default: str) -> str:
    """The uploaded file's own name when it is a plain one, else ``default``."""
    given = Path(upload.filename or "").name
    return given if _PLAIN_NAME.fullmatch(given) else default


def save_upload(upload: UploadFile, folder: Path, default: str) -> Path:
    """``upload`` written to a new sub-folder of ``folder`` (see :func:`upload_name`)."""
    target = folder / f"upload-{len(list(folder.iterdir()))}" / upload_name(upload, default)
    target.parent.mkdir()
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out)
    return target


def json_object(text: str | None, field: str) -> dict[str, Any] | None:
    """A JSON object given as a form field (an empty field is none), as RFC 8785 can hash it."""
    return json_object_option(text or None, field)
