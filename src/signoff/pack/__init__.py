"""Evidence packs: an audit's report, evidence, inputs and checksums in one zip.

``signoff pack DIR -o evidence.zip`` builds one (:func:`build_pack`);
``signoff verify-pack evidence.zip`` checks it (:func:`verify_pack`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .._canonical import parse_json, pretty_json
from ..errors import InputError, LedgerVerificationError
from ._anchor import LEDGER_PROOF, check_anchor
from ._archive import audit_files, read_archive
from ._build import OUTPUT_FILES, SUMS, PackContents, collect_pack, sha256sums, zip_bytes
from ._verify import PackVerification, verify_pack
from ._zipread import MAX_ENTRIES, MAX_RATIO, MAX_TOTAL_BYTES, RATIO_FLOOR

__all__ = [
    "LEDGER_PROOF",
    "MAX_ENTRIES",
    "MAX_RATIO",
    "MAX_TOTAL_BYTES",
    "OUTPUT_FILES",
    "RATIO_FLOOR",
    "SUMS",
    "PackContents",
    "PackVerification",
    "audit_files",
    "build_pack",
    "check_anchor",
    "collect_pack",
    "read_archive",
    "sha256sums",
    "verify_pack",
    "zip_bytes",
]


def build_pack(
    folder: str | Path,
    *,
    config: str | Path | None = None,
    policies: tuple[str | Path, ...] = (),
    ledger_proof: str | Path | None = None,
) -> tuple[bytes, PackContents]:
    """The evidence pack of an audit folder, as zip bytes, with what went into it.

    Parameters
    ----------
    folder : str or Path
        The audit's output folder.
    config, policies : keyword-only
        Where the audit config and policy files are, when not where the
        manifest recorded them (see :func:`collect_pack`).
    ledger_proof : str or Path, keyword-only, optional
        An inclusion proof from ``signoff ledger prove --audit DIR --checkpoint CP --key PUB`` of
        the ``audit.attached`` event of this audit; packed as ``ledger-proof.json``.

    Returns
    -------
    tuple of (bytes, PackContents)
        The zip (byte-identical for the same files) and its contents.
    """
    contents = collect_pack(folder, config=config, policies=policies)
    if ledger_proof is not None:
        doc = _read_proof(Path(ledger_proof))
        try:
            check_anchor(doc, contents.files, public_key_text=None)
        except LedgerVerificationError as exc:
            raise LedgerVerificationError(exc.message, file=ledger_proof, field=exc.field) from None
        files = {**contents.files, LEDGER_PROOF: pretty_json(doc).encode("utf-8")}
        contents = dataclasses.replace(contents, files=files)
    return zip_bytes(contents.files, contents.created_at), contents


PROOF_UNREADABLE = "cannot be read as a ledger inclusion proof: {reason}"


def _read_proof(path: Path) -> object:
    try:
        return parse_json(path.read_bytes())
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise InputError(PROOF_UNREADABLE.format(reason=reason), file=path) from None
