"""Build an evidence pack: one zip a validator or examiner can check offline.

The pack holds what exists of an audit's output folder (report, results,
manifest, model card, CI outputs) plus the audit config and policy files the
manifest names — each checked against the hash the manifest recorded — and a
``SHA256SUMS`` file over all of them (``sha256sum -c SHA256SUMS`` reads it).

Byte-identical for the same files: entries in sorted order, every timestamp
the audit's (``manifest.created_at``), fixed permissions, fixed compression.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import InputError, LedgerVerificationError
from ..report import NOT_AUDIT_SHAPE, load_audit

__all__ = ["OUTPUT_FILES", "SUMS", "PackContents", "collect_pack", "sha256sums", "zip_bytes"]

#: Files of an audit's output folder that go into the pack when they exist.
OUTPUT_FILES = (
    "results.json",
    "manifest.json",
    "report.html",
    "report.pdf",
    "model_card.md",
    "model_card.html",
    "gates.junit.xml",
    "summary.md",
)
#: The checksum file's name inside the pack.
SUMS = "SHA256SUMS"
NOT_FOUND = (
    "the {what} '{name}' the manifest names was not found (looked in: {places}); "
    "pass it with {option}"
)
CHANGED = "has changed since the audit: its SHA-256 is {actual}, the manifest records {expected}"


@dataclass(frozen=True)
class PackContents:
    """What goes into a pack, before zipping.

    Attributes
    ----------
    files : Mapping of str to bytes
        Name inside the pack → content (without ``SHA256SUMS``).
    created_at : datetime
        The audit's time: every entry's timestamp.
    missing : tuple of str
        Output files that do not exist (the pack is still built).
    """

    files: Mapping[str, bytes]
    created_at: datetime
    missing: tuple[str, ...]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked(path: Path, expected: str) -> bytes:
    data = path.read_bytes()
    actual = _sha256(data)
    if actual != expected:
        raise LedgerVerificationError(CHANGED.format(actual=actual, expected=expected), file=path)
    return data


def _find(
    recorded: str, explicit: Sequence[Path], expected: str, places: Sequence[Path]
) -> Path | None:
    for path in explicit:  # given on the command line: matched by content
        if path.is_file() and _sha256(path.read_bytes()) == expected:
            return path
    candidates = [Path(recorded)] if Path(recorded).is_absolute() else []
    candidates += [base / recorded for base in places] + [
        base / Path(recorded).name for base in places
    ]
    return next((c for c in candidates if c.is_file()), None)


def _arcname(name: str, taken: set[str]) -> str:
    arc, k = f"inputs/{name}", 2
    while arc in taken:
        arc, k = f"inputs/{k}-{name}", k + 1
    taken.add(arc)
    return arc


def _inputs(
    manifest: Mapping[str, Any], folder: Path, config: Path | None, policies: Sequence[Path]
) -> dict[str, bytes]:
    inputs = manifest.get("inputs") or {}
    places = [folder.parent, Path.cwd()]
    out: dict[str, bytes] = {}
    taken: set[str] = set()
    wanted: list[tuple[str, str, str, Sequence[Path]]] = []
    entry = inputs.get("config") or {}
    if entry.get("path") and entry["path"] != "<python>":
        wanted.append(("audit config", entry["path"], entry["sha256"], [config] if config else []))
    for item in (inputs.get("policy") or {}).get("files", []):
        wanted.append(("policy file", item["path"], item["sha256"], policies))
    for what, recorded, expected, explicit in wanted:
        found = _find(recorded, explicit, expected, places)
        if found is None:
            option = "--config PATH" if what == "audit config" else "--policy PATH"
            where = ", ".join(str(p) for p in places)
            raise InputError(
                NOT_FOUND.format(what=what, name=recorded, places=where, option=option),
                file=folder / "manifest.json",
            )
        out[_arcname(found.name, taken)] = _checked(found, expected)
    return out


def collect_pack(
    folder: str | Path, *, config: str | Path | None = None, policies: Sequence[str | Path] = ()
) -> PackContents:
    """Gather an audit folder's files and the config and policy files its manifest names.

    Parameters
    ----------
    folder : str or Path
        The audit's output folder (``results.json`` and ``manifest.json`` required).
    config : str or Path, keyword-only, optional
        The audit config, when it is not next to the output folder or in the
        current folder under the name the manifest records.
    policies : sequence of str or Path, keyword-only
        Policy files, when they are not where the manifest recorded them.

    Returns
    -------
    PackContents

    Raises
    ------
    InputError
        A required file is missing or unreadable (exit 3).
    LedgerVerificationError
        ``results.json`` does not match the manifest, or a config or policy
        file changed since the audit (exit 5).
    """
    base = Path(folder)
    documents = load_audit(base)  # checks results.json against the manifest
    files: dict[str, bytes] = {}
    missing = []
    for name in OUTPUT_FILES:
        path = base / name
        if path.is_file():
            files[name] = path.read_bytes()
        else:
            missing.append(name)
    explicit = Path(config) if config is not None else None
    try:
        files.update(_inputs(documents.manifest, base, explicit, [Path(p) for p in policies]))
    except (AttributeError, TypeError, KeyError) as exc:  # a manifest signoff did not write
        problem = f"{type(exc).__name__}: {exc}"
        message = NOT_AUDIT_SHAPE.format(problem=problem)
        raise InputError(message, file=base / "manifest.json") from None
    created = str(documents.manifest.get("created_at") or "1980-01-01T00:00:00Z")
    try:
        when = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        message = NOT_AUDIT_SHAPE.format(problem=f"created_at {created[:40]!r} is not a time")
        raise InputError(message, file=base / "manifest.json") from None
    return PackContents(files=files, created_at=when, missing=tuple(missing))


def sha256sums(files: Mapping[str, bytes]) -> bytes:
    """``SHA256SUMS`` in the coreutils format (``<hex>  <name>``), sorted by name."""
    lines = [f"{_sha256(files[name])}  {name}\n" for name in sorted(files)]
    return "".join(lines).encode("utf-8")


def zip_bytes(files: Mapping[str, bytes], created_at: datetime) -> bytes:
    """The pack: ``files`` plus ``SHA256SUMS``, deterministic to the byte."""
    year = min(max(created_at.year, 1980), 2107)  # what a zip timestamp can hold
    stamp = (
        year,
        created_at.month,
        created_at.day,
        created_at.hour,
        created_at.minute,
        created_at.second // 2 * 2,  # zip keeps even seconds
    )
    if year != created_at.year:
        stamp = (year, 1, 1, 0, 0, 0)
    entries = {**files, SUMS: sha256sums(files)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3  # Unix, on every platform
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name], compresslevel=9)
    return buffer.getvalue()
