"""Verify an evidence pack: every hash, and that the evidence is the manifest's.

Checks, in order, stopping at the first failure with the name of the file:

1. the file is a zip whose entries pass :mod:`._zipread` (normalised unique names, no
   ``..``, absolute paths or links, bounded count, size and compression ratio);
2. it holds ``SHA256SUMS``; every file listed is in the pack with that SHA-256, the pack
   holds no file it does not list, and no file a signoff pack does not hold;
3. ``results.json``'s canonical SHA-256 equals ``manifest.results_sha256``;
4. the config and policy files under ``inputs/`` have the hashes the manifest recorded;
5. the report and the model card name the same results hash (they were rendered from
   this ``results.json``);
6. when the pack carries ``ledger-proof.json`` (:mod:`._anchor`): the ledger event names
   this ``results.json`` and ``manifest.json`` and its inclusion path leads to the
   checkpoint's root; with the ledger's public key, the checkpoint's signature too.

Steps 1–5 show the pack is *internally consistent*; only step 6 with a key shows it is
the audit that was registered (a consistent rewrite passes 1–5).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._canonical import canonical_sha256, parse_json
from ..errors import LedgerVerificationError
from ..ledger import Checkpoint
from ._anchor import LEDGER_PROOF, check_anchor
from ._build import OUTPUT_FILES, SUMS
from ._zipread import read_pack_entries

__all__ = ["PackVerification", "verify_pack"]

MANIFEST_SHAPE = "not the structure `signoff audit` writes (config and policy file hashes)"
LISTED_TWICE = "{name!r} is listed twice"
NOT_A_PACK_FILE = "is not a file a signoff evidence pack holds"
NO_LEDGER_PROOF = (
    "missing: the pack carries no ledger proof, so it cannot be checked against the ledger "
    "(build it with `signoff pack --ledger-proof FILE`)"
)
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
    ledger_proof: bool = False
    checkpoint: Checkpoint | None = None
    seq: int | None = None

    @property
    def anchored(self) -> bool:
        """The ledger proof and its signed checkpoint verified with the given key."""
        return self.checkpoint is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``signoff verify-pack --json``)."""
        cp = self.checkpoint
        return {
            "path": str(self.path),
            "verified": True,
            "files": list(self.files),
            "results_sha256": self.results_sha256,
            "ledger_proof": self.ledger_proof,
            "ledger_seq": self.seq,
            "anchored": self.anchored,
            "checkpoint": None
            if cp is None
            else {"origin": cp.origin, "size": cp.size, "root_hash": cp.root.hex()},
        }


def _fail(name: str, message: str) -> LedgerVerificationError:
    return LedgerVerificationError(message, file=name)


def _sums(files: dict[str, bytes]) -> dict[str, str]:
    if SUMS not in files:
        raise _fail(SUMS, "missing: this is not a signoff evidence pack")
    listed: dict[str, str] = {}
    for number, line in enumerate(files[SUMS].decode("utf-8", "replace").splitlines(), start=1):
        match = _LINE.match(line)
        if match is None:
            raise LedgerVerificationError("not a `<sha256>  <file>` line", file=SUMS, line=number)
        if match.group(2) in listed:
            raise LedgerVerificationError(
                LISTED_TWICE.format(name=match.group(2)), file=SUMS, line=number
            )
        listed[match.group(2)] = match.group(1)
    return listed


def _json(files: dict[str, bytes], name: str) -> dict[str, Any]:
    if name not in files:
        raise _fail(name, "missing from the pack")
    try:
        document = parse_json(files[name])
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise _fail(name, f"not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise _fail(name, "not a JSON object")
    return document


def _recorded_inputs(manifest: dict[str, Any]) -> set[str]:
    """The SHA-256 of the config and policy files the manifest records."""
    inputs = manifest.get("inputs") or {}
    config = inputs.get("config") or {} if isinstance(inputs, dict) else None
    policy = inputs.get("policy") or {} if isinstance(inputs, dict) else None
    files = policy.get("files", []) if isinstance(policy, dict) else None
    if not isinstance(config, dict) or not isinstance(files, list):
        raise LedgerVerificationError(MANIFEST_SHAPE, file="manifest.json", field="inputs")
    known = {config.get("sha256")} | {f.get("sha256") for f in files if isinstance(f, dict)}
    return {h for h in known if isinstance(h, str)}


def _known(name: str) -> bool:
    if name in OUTPUT_FILES or name in (SUMS, LEDGER_PROOF):
        return True
    folder, _, rest = name.partition("/")
    return folder == "inputs" and rest != "" and "/" not in rest


def verify_pack(
    path: str | Path, *, public_key_text: str | None = None, checkpoint: Checkpoint | None = None
) -> PackVerification:
    """Check an evidence pack (see the module docstring for what is checked).

    Parameters
    ----------
    path : str or Path
        The zip written by ``signoff pack``.
    public_key_text : str, keyword-only, optional
        The ledger's public key: the pack must carry a ledger proof whose checkpoint
        it signed.
    checkpoint : Checkpoint, keyword-only, optional
        A checkpoint the checker holds (verified with the key); the proof must be
        against exactly that tree.

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
    files = read_pack_entries(pack)
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
        if not _known(name):
            raise _fail(name, NOT_A_PACK_FILE)

    results, manifest = _json(files, "results.json"), _json(files, "manifest.json")
    recorded = manifest.get("results_sha256")
    try:
        actual = canonical_sha256(results)
    except (ValueError, TypeError) as exc:  # integers beyond 2**53, lone surrogates
        raise _fail("results.json", f"cannot be hashed as canonical JSON ({exc})") from None
    if actual != recorded:
        raise _fail(
            "results.json", f"canonical SHA-256 is {actual}, the manifest records {recorded}"
        )
    known = _recorded_inputs(manifest)
    for name in (n for n in files if n.startswith("inputs/")):
        if hashlib.sha256(files[name]).hexdigest() not in known:
            raise _fail(name, "is not a config or policy file the manifest records")
    for name in ("report.html", "model_card.html"):
        match = _RENDERED_FROM.search(files.get(name, b""))
        if name in files and (match is None or match.group(1).decode() != recorded):
            raise _fail(name, "was not rendered from this results.json (its results hash differs)")
    verified = PackVerification(path=pack, files=tuple(sorted(listed)), results_sha256=actual)
    if LEDGER_PROOF not in files:
        if public_key_text is not None or checkpoint is not None:
            raise _fail(LEDGER_PROOF, NO_LEDGER_PROOF)
        return verified
    try:
        doc = parse_json(files[LEDGER_PROOF])
    except (ValueError, UnicodeDecodeError) as exc:
        raise _fail(LEDGER_PROOF, f"not valid JSON ({exc})") from None
    signed = check_anchor(doc, files, public_key_text=public_key_text, trusted=checkpoint)
    return PackVerification(
        path=pack,
        files=verified.files,
        results_sha256=actual,
        ledger_proof=True,
        checkpoint=signed,
        seq=doc["seq"],
    )
