"""Uploaded files and form values, read as the CLI reads its files and options.

An upload is written to a new temporary folder under its own base name when that is a
safe file name (see :func:`upload_name`), never where the upload says.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import UploadFile

from .._canonical import json_object_option

__all__ = ["attachment", "json_object", "save_upload", "upload_name"]

#: A file name's longest UTF-8 encoding on the file systems signoff runs on.
_NAME_BYTES = 255


def upload_name(upload: UploadFile, default: str) -> str:
    """The uploaded file's base name when it is a safe one, else ``default``.

    The base name is what follows the last ``/`` or ``\\`` (a browser on Windows may
    send the whole path), in Unicode NFC as the registry records names. It is kept —
    spaces and accents included, so ``model card.md`` is recorded as it would be by a
    local ``artifact add`` — unless it is empty, ``.`` or ``..``, starts with ``-``
    (it would read as an option in a shell), holds a control or format character, or
    is longer than 255 bytes.
    """
    given = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", given.strip())
    unsafe = (
        name in ("", ".", "..")
        or name.startswith("-")
        or len(name.encode("utf-8")) > _NAME_BYTES
        or any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in name)
    )
    return default if unsafe else name


_NOT_PLAIN = re.compile(r"[^A-Za-z0-9._-]")


def attachment(name: str) -> str:
    """A ``Content-Disposition`` for a download named ``name`` (RFC 6266).

    ``filename`` is a plain ASCII stand-in every client reads; when the name is not
    plain, ``filename*`` carries it whole in UTF-8 (RFC 8187), which browsers and
    ``curl -J`` prefer.
    """
    plain = _NOT_PLAIN.sub("_", name) or "download"
    if plain == name:
        return f'attachment; filename="{plain}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


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
