"""HMAC-SHA256 signatures over the exact body bytes, as in ``X-Signoff-Signature``."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["SIGNATURE_HEADER", "sign_body", "verify_signature"]

SIGNATURE_HEADER = "X-Signoff-Signature"
_PREFIX = "sha256="


def sign_body(body: bytes, secret: str) -> str:
    """The ``X-Signoff-Signature`` value for ``body``: ``sha256=<hex HMAC-SHA256>``.

    Parameters
    ----------
    body : bytes
        The request body exactly as sent.
    secret : str
        The shared secret (UTF-8 encoded for the HMAC key).

    Returns
    -------
    str
        ``"sha256="`` followed by 64 lowercase hex digits.
    """
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify_signature(body: bytes, header: str, secret: str) -> bool:
    """Whether ``header`` is the signature of ``body`` under ``secret`` (constant-time).

    For receivers: pass the raw request body, before any JSON parsing.

    Parameters
    ----------
    body : bytes
        The raw request body.
    header : str
        The ``X-Signoff-Signature`` header value.
    secret : str
        The shared secret.

    Returns
    -------
    bool
        ``True`` only for a well-formed header whose HMAC matches.
    """
    expected = sign_body(body, secret)
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("utf-8"))
