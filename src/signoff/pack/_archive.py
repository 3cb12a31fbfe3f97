"""Read an uploaded audit output folder (.zip, .tar, .tar.gz) or evidence pack as
untrusted input, in memory: nothing is extracted anywhere.

A zip goes through the evidence-pack reader (:mod:`._zipread`), which also allows the
empty folder entries ``zip -r`` writes. A tar is held to the same rules: at most
:data:`MAX_ENTRIES` entries, normalised relative names (a leading ``./`` aside) with no
``..``, backslash or absolute path, no name twice, regular files only (no link, device or
sparse file), and at most :data:`MAX_TOTAL_BYTES` read in all, counted as read.

:func:`audit_files` then finds the audit's ``results.json`` and ``manifest.json`` — at
the top or in one folder — and the rendered reports that were rendered from those results
(their ``signoff-results-sha256`` mark equals the manifest's results hash); a report
rendered from other results is left behind, as the CLI leaves a stale one.
"""

from __future__ import annotations

import re
import tarfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

from .._canonical import canonical_sha256, parse_json
from ..errors import DataError, LedgerVerificationError
from ._zipread import (
    MAX_ENTRIES,
    MAX_TOTAL_BYTES,
    NAME_TWICE,
    NOT_REGULAR,
    SYMLINK,
    TOO_LARGE,
    TOO_MANY_ENTRIES,
    _check_name,
    read_pack_entries,
)

__all__ = ["audit_files", "read_archive"]

NOT_ARCHIVE = "not a readable .zip, .tar or .tar.gz file ({reason})"
NO_AUDIT = (
    "holds no audit output: expected results.json and manifest.json at the top or in one "
    "folder (what `signoff audit -o DIR` writes, or `signoff pack` packs)"
)
SEVERAL = "holds more than one audit ({folders}); upload one audit at a time"
RENDERED = ("report.html", "model_card.html")
_MARK = re.compile(rb'<meta name="signoff-results-sha256" content="([0-9a-f]*)">')
_BLOCK = 64 * 1024


def _bad(name: str, message: str) -> DataError:
    return DataError(message, file=name)


def _tar_members(archive: tarfile.TarFile, shown: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    budget, count = MAX_TOTAL_BYTES, 0
    for member in archive:
        count += 1
        if count > MAX_ENTRIES:
            raise _bad(shown, TOO_MANY_ENTRIES.format(count=count, limit=MAX_ENTRIES))
        name = member.name.removeprefix("./")
        if member.isdir():
            if name not in ("", "."):
                _check_name(name.rstrip("/"))
            continue
        if member.issym() or member.islnk():
            raise _bad(name, SYMLINK)
        if not member.isreg() or member.issparse():
            raise _bad(name, NOT_REGULAR)
        _check_name(name)
        if name in files:
            raise _bad(name, NAME_TWICE)
        if member.size > budget:
            raise _bad(shown, TOO_LARGE.format(size=member.size, limit=MAX_TOTAL_BYTES))
        handle = archive.extractfile(member)
        data = handle.read(member.size) if handle is not None else b""
        budget -= len(data)
        files[name] = data
    return files


def _tar_entries(path: Path, shown: str) -> dict[str, bytes]:
    try:
        with tarfile.open(path, mode="r:*") as archive:
            return _tar_members(archive, shown)
    except LedgerVerificationError as exc:  # a bad name, from the pack's checks
        raise _bad(str(exc.file or shown), exc.message) from None
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        raise _bad(shown, NOT_ARCHIVE.format(reason=exc)) from None


def read_archive(path: Path, *, name: str | None = None) -> dict[str, bytes]:
    """Every regular file in the archive at ``path`` (zip or tar, gzip or not), by name.

    ``name`` is how errors name the archive (the uploaded file's name). Raises
    :class:`~signoff.errors.DataError` naming the archive or the offending entry.
    """
    shown = name or path.name
    if zipfile.is_zipfile(path):
        try:
            return read_pack_entries(path, folders=True)
        except LedgerVerificationError as exc:
            where = str(exc.file) if exc.file and str(exc.file) != str(path) else shown
            raise _bad(where, exc.message) from None
    return _tar_entries(path, shown)


def audit_files(
    entries: Mapping[str, bytes], *, name: str
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """``({results.json, manifest.json}, {report: bytes})`` of the one audit in ``entries``.

    Reports are those of :data:`RENDERED` whose results mark is the manifest's results
    hash. Raises :class:`~signoff.errors.DataError` when there is no audit or several.
    """
    folders = sorted(
        n.removesuffix("results.json")
        for n in entries
        if n == "results.json" or (n.endswith("/results.json") and n.count("/") == 1)
    )
    if not folders:
        raise _bad(name, NO_AUDIT)
    if len(folders) > 1:
        shown = ", ".join(f or "the top" for f in folders)
        raise _bad(name, SEVERAL.format(folders=shown))
    prefix = folders[0]
    wanted = ("results.json", "manifest.json")
    files = {n: entries[prefix + n] for n in wanted if prefix + n in entries}
    reports: dict[str, bytes] = {}
    try:
        results_hash = canonical_sha256(parse_json(files["results.json"]))
    except (ValueError, TypeError, UnicodeDecodeError, RecursionError):
        return files, reports  # attaching says what is wrong with results.json
    for report in RENDERED:
        body = entries.get(prefix + report)
        mark = _MARK.search(body) if body is not None else None
        if body is not None and mark is not None and mark.group(1).decode() == results_hash:
            reports[report] = body
    return files, reports
