"""Evidence packs: an audit's report, evidence, inputs and checksums in one zip.

``signoff pack DIR -o evidence.zip`` builds one (:func:`write_pack`);
``signoff verify-pack evidence.zip`` checks it (:func:`verify_pack`).
"""

from __future__ import annotations

from pathlib import Path

from ._build import OUTPUT_FILES, SUMS, PackContents, collect_pack, sha256sums, zip_bytes
from ._verify import PackVerification, verify_pack

__all__ = [
    "OUTPUT_FILES",
    "SUMS",
    "PackContents",
    "PackVerification",
    "build_pack",
    "collect_pack",
    "sha256sums",
    "verify_pack",
    "zip_bytes",
]


def build_pack(
    folder: str | Path,
    *,
    config: str | Path | None = None,
    policies: tuple[str | Path, ...] = (),
) -> tuple[bytes, PackContents]:
    """The evidence pack of an audit folder, as zip bytes, with what went into it.

    Parameters
    ----------
    folder : str or Path
        The audit's output folder.
    config, policies : keyword-only
        Where the audit config and policy files are, when not where the
        manifest recorded them (see :func:`collect_pack`).

    Returns
    -------
    tuple of (bytes, PackContents)
        The zip (byte-identical for the same files) and its contents.
    """
    contents = collect_pack(folder, config=config, policies=policies)
    return zip_bytes(contents.files, contents.created_at), contents
