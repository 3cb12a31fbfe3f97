"""Read an evidence pack as untrusted input: names, limits and memory all bounded.

Before any entry is decompressed, the central directory is checked:

* at most :data:`MAX_ENTRIES` entries;
* every name normalised (``posixpath.normpath(name) == name``): no ``./``, ``//``,
  trailing ``/`` (folders), backslashes, absolute paths (``/x``, ``C:x``) or ``..``;
* no name twice, no symbolic link or other non-regular file, no encryption, only the
  stored and deflate compression methods;
* the declared sizes add up to at most :data:`MAX_TOTAL_BYTES`, and no entry larger than
  :data:`RATIO_FLOOR` expands more than :data:`MAX_RATIO` times (a zip bomb).

Entries are then read in blocks, counting the bytes actually produced, so a header that
lies about a size cannot make the reader hold more than :data:`MAX_TOTAL_BYTES`.
"""

from __future__ import annotations

import posixpath
import re
import stat
import zipfile
from pathlib import Path

from ..errors import InputError, LedgerVerificationError

__all__ = [
    "MAX_ENTRIES",
    "MAX_RATIO",
    "MAX_TOTAL_BYTES",
    "RATIO_FLOOR",
    "read_pack_entries",
]

#: Most entries a pack may hold (a real one has about a dozen).
MAX_ENTRIES = 1000
#: Most bytes all entries may expand to, together (64 MiB).
MAX_TOTAL_BYTES = 64 * 1024 * 1024
#: Largest expansion (uncompressed / compressed) of one entry larger than RATIO_FLOOR.
MAX_RATIO = 100
#: Entries up to this size (1 MiB) are not held to MAX_RATIO.
RATIO_FLOOR = 1024 * 1024
_BLOCK = 64 * 1024

NO_SUCH_PACK = "no such file"
NOT_A_ZIP = "not a readable zip file ({reason})"
TOO_MANY_ENTRIES = "holds {count} entries; a pack may hold at most {limit}"
NAME_ABSOLUTE = "is an absolute path; pack entries are relative names"
NAME_PARENT = "contains '..'; pack entries may not point outside the pack"
NAME_NOT_NORMALISED = "is not a normalised entry name (it reads as {normal!r})"
NAME_BACKSLASH = "contains a backslash; pack entries use '/'"
NAME_TWICE = "appears twice in the pack"
SYMLINK = "is a symbolic link; a pack holds regular files only"
NOT_REGULAR = "is not a regular file (a folder or a special file)"
ENCRYPTED = "is encrypted; a pack is not"
METHOD = "uses compression method {method}; a pack uses stored or deflate only"
TOO_LARGE = "the entries expand to {size} bytes; a pack may expand to at most {limit}"
BOMB = "expands {ratio:.0f} times ({size} bytes from {packed}); at most {limit} times is allowed"
UNREADABLE = "cannot be read ({reason})"

_DRIVE = re.compile(r"^[A-Za-z]:")


def _fail(name: str, message: str) -> LedgerVerificationError:
    return LedgerVerificationError(message, file=name)


def _check_name(name: str) -> None:
    if "\\" in name:
        raise _fail(name, NAME_BACKSLASH)
    if name.startswith("/") or _DRIVE.match(name):
        raise _fail(name, NAME_ABSOLUTE)
    if ".." in name.split("/"):
        raise _fail(name, NAME_PARENT)
    normal = posixpath.normpath(name) if name else "."
    if normal != name:
        raise _fail(name, NAME_NOT_NORMALISED.format(normal=normal))


def _check_entry(info: zipfile.ZipInfo, *, folders: bool = False) -> None:
    name = info.filename
    if name.endswith("/"):
        if not folders or info.file_size:
            raise _fail(name, NOT_REGULAR)
        _check_name(name[:-1])  # an empty folder entry, as `zip -r` writes: named, not read
        return
    _check_name(name)
    mode = info.external_attr >> 16
    if info.create_system == 3 and mode:  # Unix attributes recorded
        if stat.S_ISLNK(mode):
            raise _fail(name, SYMLINK)
        if stat.S_IFMT(mode) and not stat.S_ISREG(mode):
            raise _fail(name, NOT_REGULAR)
    if info.flag_bits & 0x1:
        raise _fail(name, ENCRYPTED)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _fail(name, METHOD.format(method=info.compress_type))
    if info.file_size > RATIO_FLOOR:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > MAX_RATIO:
            message = BOMB.format(
                ratio=ratio, size=info.file_size, packed=info.compress_size, limit=MAX_RATIO
            )
            raise _fail(name, message)


def _check_directory(infos: list[zipfile.ZipInfo], path: Path, *, folders: bool = False) -> None:
    if len(infos) > MAX_ENTRIES:
        raise _fail(str(path), TOO_MANY_ENTRIES.format(count=len(infos), limit=MAX_ENTRIES))
    seen: set[str] = set()
    for info in infos:
        _check_entry(info, folders=folders)
        if info.filename in seen:
            raise _fail(info.filename, NAME_TWICE)
        seen.add(info.filename)
    declared = sum(info.file_size for info in infos)
    if declared > MAX_TOTAL_BYTES:
        raise _fail(str(path), TOO_LARGE.format(size=declared, limit=MAX_TOTAL_BYTES))


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, path: Path) -> bytes:
    blocks: list[bytes] = []
    size = 0
    with archive.open(info) as handle:
        while block := handle.read(_BLOCK):
            size += len(block)
            if size > budget:  # the header lied about the size
                raise _fail(str(path), TOO_LARGE.format(size=f"more than {size}", limit=budget))
            blocks.append(block)
    return b"".join(blocks)


def read_pack_entries(path: Path, *, folders: bool = False) -> dict[str, bytes]:
    """Every entry of the zip at ``path``, after the checks in the module docstring.

    With ``folders`` (a zipped audit folder, as ``zip -r`` makes it), empty folder
    entries (``name/``) are allowed, checked like any name and left out of the result.

    Raises
    ------
    InputError
        There is no file at ``path`` (exit 3).
    LedgerVerificationError
        Not a zip, or an entry breaks a rule; the error names the entry (exit 5).
    """
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError(NO_SUCH_PACK, file=path) from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _fail(str(path), NOT_A_ZIP.format(reason=exc)) from None
    with archive:
        infos = archive.infolist()
        _check_directory(infos, path, folders=folders)
        files: dict[str, bytes] = {}
        budget = MAX_TOTAL_BYTES
        for info in infos:
            if info.filename.endswith("/"):
                continue
            try:
                data = _read_entry(archive, info, budget, path)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
                raise _fail(info.filename, UNREADABLE.format(reason=exc)) from None
            budget -= len(data)
            files[info.filename] = data
    return files
