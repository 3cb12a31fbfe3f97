"""Content-addressed artifact files: stored once under their SHA-256.

``<root>/sha256/ab/cdef…`` holds the bytes; the database keeps the hash and
metadata.  Storing the same bytes again is a no-op; a file is written to a
temporary name and renamed, so a crash never leaves a half-written artifact.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..errors import LedgerVerificationError, NotFound

__all__ = ["ArtifactStore"]

MISSING = "artifact {sha256} is not in the artifact store {root}"
ALTERED = (
    "artifact {sha256} in the artifact store {root} no longer hashes to its name: "
    "the stored file was altered"
)


class ArtifactStore:
    """Files addressed by the SHA-256 of their bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """Where the bytes with this hash live."""
        return self.root / "sha256" / sha256[:2] / sha256[2:]

    def put(self, data: bytes) -> str:
        """Store ``data``; returns its SHA-256 (hex).  Idempotent."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        for folder in (self.root, self.root / "sha256", target.parent):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # owner only
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        partial.replace(target)
        return digest

    def get(self, sha256: str) -> bytes:
        """The stored bytes, re-hashed on every read.

        Raises
        ------
        NotFound
            When absent.
        LedgerVerificationError
            When the stored bytes no longer hash to ``sha256`` (exit 5).
        """
        target = self.path(sha256)
        if not target.is_file():
            raise NotFound(MISSING.format(sha256=sha256, root=self.root))
        data = target.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise LedgerVerificationError(ALTERED.format(sha256=sha256, root=self.root))
        return data

    def intact(self, sha256: str) -> bool:
        """Whether the bytes for ``sha256`` are stored and still hash to it."""
        try:
            self.get(sha256)
        except (NotFound, LedgerVerificationError):
            return False
        return True

    def __contains__(self, sha256: object) -> bool:
        return isinstance(sha256, str) and self.path(sha256).is_file()
