"""Canonical JSON: the one byte form that hashes and signatures are taken over.

UTF-8, sorted keys, no insignificant whitespace (DESIGN.md, "Ledger").
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["canonical_json", "canonical_sha256", "pretty_json"]


def canonical_json(value: Any) -> bytes:
    """``value`` as canonical JSON bytes; NaN and infinities are refused."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def canonical_sha256(value: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def pretty_json(value: Any) -> str:
    """Readable, deterministic JSON for files people open (key order kept, 2-space indent)."""
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
