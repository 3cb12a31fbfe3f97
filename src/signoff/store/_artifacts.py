"""Content-addressed artifact files: stored once under their SHA-256.

``<root>/sha256/ab/cdef…`` holds the bytes; the database keeps the hash and
metadata.  Storing the same bytes again is a no-op; a file is written to a
temporary name and renamed, so a crash never leaves a half-written artifact.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..errors import NotFound

__all__ = ["ArtifactStore"]

MISSING = "artifact {sha256} is not in the artifact store {root}"


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
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        partial.write_bytes(data)
        partial.replace(target)
        return digest

    def get(self, sha256: str) -> bytes:
        """The stored bytes; NotFound when absent."""
        target = self.path(sha256)
        if not target.is_file():
            raise NotFound(MISSING.format(sha256=sha256, root=self.root))
        return target.read_bytes()

    def __contains__(self, sha256: object) -> bool:
        return isinstance(sha256, str) and self.path(sha256).is_file()
