"""Reading an audit's output folder and writing rendered files into it.

The renderers are pure; this is the I/O at their edge.  Every problem is one
message naming the file: a missing or unreadable file, JSON that does not
parse (with its line and column), a document that is not what signoff wrote,
and a ``results.json`` that is not the one its manifest names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._canonical import canonical_sha256, parse_json
from ..errors import InputError, LedgerVerificationError

__all__ = ["NOT_AUDIT_SHAPE", "AuditDocuments", "load_audit", "read_json", "write_files"]

MISSING = "not found; run `signoff audit CONFIG --output {folder}` first"
NOT_JSON = "not valid JSON: {reason}"
NOT_AUDIT_SHAPE = "does not have the structure `signoff audit` writes ({problem}); re-run the audit"
UNHASHABLE = "cannot be hashed as canonical JSON ({reason})"
NOT_OURS = "not an audit {what} (no '{key}' key); was it written by `signoff audit`?"
MISMATCH = (
    "does not match manifest.json: its canonical SHA-256 is {actual}, the manifest records "
    "{expected}; the file was changed after the audit (re-run the audit)"
)


@dataclass(frozen=True)
class AuditDocuments:
    """An audit's two documents, as read from its output folder.

    Attributes
    ----------
    results : Mapping
        ``results.json``.
    manifest : Mapping
        ``manifest.json``.
    folder : Path
        Where they were read from.
    """

    results: Mapping[str, Any]
    manifest: Mapping[str, Any]
    folder: Path


def read_json(path: Path, *, what: str, key: str, folder: Path) -> dict[str, Any]:
    """Read one JSON object; ``InputError`` naming ``path`` when it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(MISSING.format(folder=folder), file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot be read: {exc}", file=path) from None
    try:
        document = parse_json(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            NOT_JSON.format(reason=exc.msg), file=path, line=exc.lineno, column=exc.colno
        ) from None
    except ValueError as exc:  # NaN, 1e999, a 5,000-digit integer, 100,000-deep nesting
        raise InputError(NOT_JSON.format(reason=exc), file=path) from None
    if not isinstance(document, dict) or key not in document:
        raise InputError(NOT_OURS.format(what=what, key=key), file=path)
    return document


def load_audit(folder: str | Path, *, verify: bool = True) -> AuditDocuments:
    """Read ``results.json`` and ``manifest.json`` from an audit's output folder.

    Parameters
    ----------
    folder : str or Path
        The folder ``signoff audit --output`` wrote.
    verify : bool, keyword-only
        Check that ``results.json`` is the one the manifest names (its
        canonical SHA-256 equals ``manifest.results_sha256``).

    Returns
    -------
    AuditDocuments

    Raises
    ------
    InputError
        A file is missing, unreadable, not JSON or not an audit document (exit 3).
    LedgerVerificationError
        ``results.json`` was changed after the audit (exit 5).
    """
    base = Path(folder)
    if not base.is_dir():
        raise InputError("no such folder (the output folder of `signoff audit`)", file=base)
    results = read_json(base / "results.json", what="results.json", key="overall", folder=base)
    manifest = read_json(
        base / "manifest.json", what="manifest.json", key="results_sha256", folder=base
    )
    if verify:
        try:
            actual = canonical_sha256(results)
        except (ValueError, TypeError) as exc:  # integers beyond 2**53, lone surrogates
            raise InputError(UNHASHABLE.format(reason=exc), file=base / "results.json") from None
        if actual != manifest["results_sha256"]:
            raise LedgerVerificationError(
                MISMATCH.format(actual=actual, expected=manifest["results_sha256"]),
                file=base / "results.json",
            )
    return AuditDocuments(results=results, manifest=manifest, folder=base)


def write_files(folder: str | Path, files: Mapping[str, bytes]) -> dict[str, Path]:
    """Write each file into ``folder`` atomically (a temporary name, then a rename).

    Parameters
    ----------
    folder : str or Path
        Created when missing.
    files : Mapping of str to bytes
        File name → content.

    Returns
    -------
    dict of str to Path
        File name → the path written.
    """
    base = Path(folder)
    base.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, data in files.items():
        target = base / name
        partial = base / f".{name}.partial"
        partial.write_bytes(data)
        partial.replace(target)
        written[name] = target
    return written
