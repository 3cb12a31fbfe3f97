"""A reference profile made elsewhere, checked before it is stored as a baseline.

``monitor baseline`` in remote mode profiles the reference file on the person's machine
(the profile is a small table of counts) and uploads it with the monitor config and the
reference file's SHA-256. The server reads the profile with the same reader every stored
profile goes through and checks it against the config — the score column, the listed
features, the protected attributes — and the reference description's shape; then the
same core call as the local command records it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .errors import DataError
from .monitor import LoadedMonitorConfig, Profile, profile_from_dict

__all__ = ["checked_profile", "checked_reference", "profile_features"]

_SHA256 = re.compile(r"[0-9a-f]{64}")
NOT_JSON = "the profile is not JSON: {reason}"
OTHER_SCORE = "the profile's score column is {found!r}; {config} names {expected!r}"
MISSING_FEATURES = "the profile has no counts for {missing}, which {config} lists"
OTHER_ATTRIBUTES = "the profile groups by {found}; {config} names {expected}"
NO_ROWS = "the profile counts no rows: profile a reference with data"
BAD_REFERENCE = (
    "reference must be an object {{path: the reference file, sha256: its SHA-256 in hex}}; {reason}"
)


def checked_profile(data: bytes, loaded: LoadedMonitorConfig, *, file: str) -> Profile:
    """The profile in ``data``, once it is one and matches the config (DataError naming
    ``file`` and what differs, else)."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(NOT_JSON.format(reason=exc), file=file) from None
    profile = profile_from_dict(document, file=file)
    config, where = loaded.config, str(loaded.path.name)
    if profile.score != config.columns.score:
        raise DataError(
            OTHER_SCORE.format(found=profile.score, config=where, expected=config.columns.score),
            file=file,
            field="score",
        )
    profiled = {*profile.numeric, *profile.categorical}
    missing = sorted(set(config.features or ()) - profiled)
    if missing:
        raise DataError(
            MISSING_FEATURES.format(missing=", ".join(missing), config=where), file=file
        )
    expected = tuple(config.protected_attributes)
    found = profile.table.attributes if profile.table is not None else ()
    if tuple(found) != expected:
        raise DataError(
            OTHER_ATTRIBUTES.format(found=list(found), config=where, expected=list(expected)),
            file=file,
            field="table.attributes",
        )
    if profile.rows < 1:
        raise DataError(NO_ROWS, file=file, field="rows")
    return profile


def checked_reference(reference: Any) -> dict[str, Any]:
    """The reference description: ``{path, sha256}`` (DataError naming what is wrong)."""
    if not isinstance(reference, Mapping):
        raise DataError(BAD_REFERENCE.format(reason=f"got {type(reference).__name__}"))
    extra = sorted(set(reference) - {"path", "sha256"})
    if extra:
        raise DataError(BAD_REFERENCE.format(reason=f"unexpected {', '.join(extra)}"))
    path, sha = reference.get("path"), reference.get("sha256")
    if not isinstance(path, str) or not path.strip():
        raise DataError(BAD_REFERENCE.format(reason=f"path is {path!r}"))
    if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
        raise DataError(BAD_REFERENCE.format(reason=f"sha256 is {sha!r}"))
    return {"path": path, "sha256": sha}


def profile_features(profile: Profile) -> int:
    """How many features the profile counts (its columns other than the score)."""
    return sum(1 for c in (*profile.numeric, *profile.categorical) if c != profile.score)
