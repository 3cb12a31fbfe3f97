"""Verify an evidence pack: every hash, and that the evidence is the manifest's.

Checks, in order, stopping at the first failure with the name of the file:

1. the file is a zip holding ``SHA256SUMS``, with no entry twice;
2. every file ``SHA256SUMS`` lists is in the pack and has that SHA-256, and
   the pack holds no file it does not list;
3. ``results.json``'s canonical SHA-256 equals ``manifest.results_sha256``;
4. the config and policy files under ``inputs/`` have the hashes the
   manifest recorded;
5. the report and the model card name the same results hash (they were
   rendered from this ``results.json``).
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._canonical import canonical_sha256
from ..errors import InputError, LedgerVerificationError
from ._build import SUMS

__all__ = ["PackVerification", "verify_pack"]

_LINE = re.compile(r"^([0-9a-f]{64})  (\S.*)$")
_RENDERED_FROM = re.compile(rb'<meta name="signoff-results-sha256" content="([0-9a-f]*)">')


@dataclass(frozen=True)
class PackVerification:
    """A pack that verified.

    Attributes
    ----------
    path : Path
        The pack.
    files : tuple of str
        Every file checked against ``SHA256SUMS``, in pack order.
    results_sha256 : str
        The canonical hash of its ``results.json`` (equal to the manifest's).
    """

    path: Path
    files: tuple[str, ...]
    results_sha256: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``signoff verify-pack --json``)."""
        return {
            "path": str(self.path),
            "verified": True,
            "files": list(self.files),
            "results_sha256": self.results_sha256,
        }


def _fail(name: str, message: str) -> LedgerVerificationError:
    return LedgerVerificationError(message, file=name)


def _read(path: Path) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError("no such file", file=path) from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise LedgerVerificationError(f"not a readable zip file ({exc})", file=path) from None
    with archive:
        names = archive.namelist()
        if len(names) != len(set(names)):
            twice = next(n for n in names if names.count(n) > 1)
            raise _fail(twice, "appears twice in the pack")
        try:
            return {name: archive.read(name) for name in names}
        except (zipfile.BadZipFile, OSError) as exc:  # a corrupted member
            raise LedgerVerificationError(f"cannot be read ({exc})", file=path) from None


def _sums(files: dict[str, bytes]) -> dict[str, str]:
    if SUMS not in files:
        raise _fail(SUMS, "missing: this is not a signoff evidence pack")
    listed: dict[str, str] = {}
    for number, line in enumerate(files[SUMS].decode("utf-8", "replace").splitlines(), start=1):
        match = _LINE.match(line)
        if match is None:
            raise LedgerVerificationError("not a `<sha256>  <file>` line", file=SUMS, line=number)
        listed[match.group(2)] = match.group(1)
    return listed


def _json(files: dict[str, bytes], name: str) -> dict[str, Any]:
    if name not in files:
        raise _fail(name, "missing from the pack")
    try:
        document = json.loads(files[name])
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _fail(name, f"not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise _fail(name, "not a JSON object")
    return document


def verify_pack(path: str | Path) -> PackVerification:
    """Check an evidence pack (see the module docstring for what is checked).

    Parameters
    ----------
    path : str or Path
        The zip written by ``signoff pack``.

    Returns
    -------
    PackVerification

    Raises
    ------
    LedgerVerificationError
        Any mismatch; the error's ``file`` names the file (exit 5).
    InputError
        The pack does not exist (exit 3).
    """
    pack = Path(path)
    files = _read(pack)
    listed = _sums(files)
    for name, expected in listed.items():
        if name not in files:
            raise _fail(name, f"listed in {SUMS} but missing from the pack")
        actual = hashlib.sha256(files[name]).hexdigest()
        if actual != expected:
            raise _fail(name, f"SHA-256 is {actual}, {SUMS} records {expected}")
    for name in files:
        if name != SUMS and name not in listed:
            raise _fail(name, f"in the pack but not listed in {SUMS}")

    results, manifest = _json(files, "results.json"), _json(files, "manifest.json")
    recorded = manifest.get("results_sha256")
    actual = canonical_sha256(results)
    if actual != recorded:
        raise _fail(
            "results.json", f"canonical SHA-256 is {actual}, the manifest records {recorded}"
        )
    inputs = manifest.get("inputs") or {}
    known = {(inputs.get("config") or {}).get("sha256")}
    known |= {f.get("sha256") for f in (inputs.get("policy") or {}).get("files", [])}
    for name in (n for n in files if n.startswith("inputs/")):
        if hashlib.sha256(files[name]).hexdigest() not in known:
            raise _fail(name, "is not a config or policy file the manifest records")
    for name in ("report.html", "model_card.html"):
        match = _RENDERED_FROM.search(files.get(name, b""))
        if name in files and (match is None or match.group(1).decode() != recorded):
            raise _fail(name, "was not rendered from this results.json (its results hash differs)")
    return PackVerification(path=pack, files=tuple(sorted(listed)), results_sha256=actual)
