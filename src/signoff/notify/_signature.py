"""Webhook signatures: HMAC-SHA256 over the delivery id, a timestamp and the exact body.

Every signed POST carries three headers::

    X-Signoff-Delivery:  42                      the notification id (deduplicate on it)
    X-Signoff-Timestamp: 1767605400              Unix seconds when this attempt was sent
    X-Signoff-Signature: v1=<64 hex digits>      HMAC-SHA256(secret, "42.1767605400." + body)

Signing the id and the time as well as the body is what Stripe- and Slack-style receivers
expect: a captured request cannot be replayed later (the timestamp is too old) nor under
another delivery id (the signature would not match), and within the tolerance window the
receiver drops an id it has already seen.  A receiver in a few lines, with nothing but the
standard library::

    import hashlib, hmac, time

    def is_from_signoff(headers, body: bytes, secret: str, seen: set[str]) -> bool:
        delivery = headers["X-Signoff-Delivery"]
        timestamp = headers["X-Signoff-Timestamp"]
        if not (timestamp.isascii() and timestamp.isdigit()):
            return False
        if abs(time.time() - int(timestamp)) > 300:
            return False  # too old (or from the future): a replay
        message = f"{delivery}.{timestamp}.".encode() + body  # the raw body, unparsed
        mac = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
        if not hmac.compare_digest("v1=" + mac, headers["X-Signoff-Signature"].strip()):
            return False
        if delivery in seen:
            return False  # delivered twice (retries are at least once): already handled
        seen.add(delivery)
        return True

:func:`verify_signature` does the first two checks.
"""

from __future__ import annotations

import hashlib
import hmac
import time

__all__ = [
    "DELIVERY_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "TOLERANCE_SECONDS",
    "sign_body",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Signoff-Signature"
TIMESTAMP_HEADER = "X-Signoff-Timestamp"
DELIVERY_HEADER = "X-Signoff-Delivery"
#: How far a receiver accepts a timestamp from its own clock, by default (5 minutes).
TOLERANCE_SECONDS = 300
_PREFIX = "v1="


def _message(body: bytes, delivery_id: str, timestamp: int) -> bytes:
    return f"{delivery_id}.{timestamp}.".encode() + body


def sign_body(body: bytes, secret: str, *, delivery_id: str, timestamp: int) -> str:
    """The ``X-Signoff-Signature`` value of one delivery attempt.

    Parameters
    ----------
    body : bytes
        The request body exactly as sent.
    secret : str
        The shared secret (UTF-8 encoded for the HMAC key).
    delivery_id : str, keyword-only
        The ``X-Signoff-Delivery`` header: the notification id.
    timestamp : int, keyword-only
        The ``X-Signoff-Timestamp`` header: Unix seconds of this attempt.

    Returns
    -------
    str
        ``"v1="`` followed by the 64 lowercase hex digits of
        HMAC-SHA256(secret, ``f"{delivery_id}.{timestamp}."`` + body).
    """
    message = _message(body, delivery_id, timestamp)
    return _PREFIX + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify_signature(
    body: bytes,
    header: str,
    secret: str,
    *,
    delivery_id: str,
    timestamp: str | int,
    now: float | None = None,
    tolerance: float = TOLERANCE_SECONDS,
) -> bool:
    """Whether a request is a fresh, untouched delivery signed with ``secret``.

    For receivers: pass the raw request body (before any JSON parsing) and the
    ``X-Signoff-Signature``, ``X-Signoff-Delivery`` and ``X-Signoff-Timestamp`` headers.
    Deduplicating on the delivery id remains the receiver's job.

    Parameters
    ----------
    body : bytes
        The raw request body.
    header : str
        The ``X-Signoff-Signature`` header value.
    secret : str
        The shared secret.
    delivery_id : str, keyword-only
        The ``X-Signoff-Delivery`` header.
    timestamp : str or int, keyword-only
        The ``X-Signoff-Timestamp`` header.
    now : float, keyword-only, optional
        The receiver's time (Unix seconds); default the current time.
    tolerance : float, keyword-only
        Largest accepted distance between ``timestamp`` and ``now``, in seconds.

    Returns
    -------
    bool
        ``True`` only for a well-formed timestamp within the tolerance and a signature
        whose HMAC matches (compared in constant time).
    """
    text = str(timestamp).strip()
    if not text.isascii() or not text.isdigit():
        return False
    moment = int(text)
    if abs((time.time() if now is None else now) - moment) > tolerance:
        return False
    expected = sign_body(body, secret, delivery_id=str(delivery_id), timestamp=moment)
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("utf-8"))
