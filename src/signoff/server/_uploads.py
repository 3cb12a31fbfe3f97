"""Uploaded files and form values, read as the CLI reads its files and options.

An upload is written to a temporary folder under a name the server chooses (the
uploaded name only when it is a plain file name), never where the upload says.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from fastapi import UploadFile

from .._canonical import canonical_json, parse_json
from ..errors import ConfigError

__all__ = ["json_object", "save_upload", "upload_name"]

BAD_JSON = "expected a JSON object, e.g. '{{\"max_depth\": 6}}'; {reason}"
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
    """A JSON object given as text (``--hyperparameters``), as RFC 8785 can hash it."""
    if text is None or text == "":
        return None
    try:
        value = parse_json(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(BAD_JSON.format(reason=exc.msg), field=field) from None
    except ValueError as exc:  # NaN, 1e999, a 5,000-digit integer, deep nesting
        raise ConfigError(BAD_JSON.format(reason=exc), field=field) from None
    if not isinstance(value, dict):
        raise ConfigError(BAD_JSON.format(reason=f"got {type(value).__name__}"), field=field)
    try:
        canonical_json(value)  # it is hashed into the ledger
    except ValueError as exc:
        raise ConfigError(BAD_JSON.format(reason=exc), field=field) from None
    return value
