"""Canonical JSON: the one byte form that hashes and signatures are taken over.

RFC 8785, the JSON Canonicalization Scheme (JCS): UTF-8, object keys sorted by their
UTF-16 code units, no insignificant whitespace, strings with only the mandatory escapes,
and numbers in the ECMAScript ``Number.prototype.toString`` form (``1.0`` is ``1``,
``1e21`` is ``1e+21``, ``0.000001`` is ``0.000001``, ``1e-7`` is ``1e-7``).

JCS numbers are IEEE 754 doubles: NaN and the infinities are refused, and so are
integers beyond ±2**53 (they would not survive a round trip through a double).

:func:`parse_json` is the matching reader for untrusted documents: it refuses NaN,
infinities, numbers too large for a double, and nesting deeper than :data:`MAX_DEPTH`,
with a :class:`ValueError` that says which.
"""

from __future__ import annotations

import hashlib
import json
import math
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "canonical_json",
    "canonical_sha256",
    "format_number",
    "json_object_option",
    "parse_json",
    "pretty_json",
]

#: Deepest nesting of arrays and objects :func:`parse_json` reads.
MAX_DEPTH = 200
_MAX_SAFE_INTEGER = 2**53
NOT_FINITE = "JSON numbers must be finite; got {value}"
INTEGER_TOO_LARGE = "integer {digits}-digit number is beyond ±2**53, which JCS cannot represent"
LONE_SURROGATE = "a string holds a lone surrogate, which is not Unicode text"
NOT_JSON_TYPE = "{kind} is not a JSON value"
KEY_NOT_STRING = "object keys must be strings; got {kind}"
TOO_DEEP = "nested more than {limit} levels deep"
NUMBER_TOO_LARGE = "the number {text} is too large"


def format_number(value: float | int) -> str:
    """A number as ECMAScript's ``Number.prototype.toString`` writes it (RFC 8785 §3.2.2.3)."""
    if isinstance(value, int):
        if abs(value) > _MAX_SAFE_INTEGER:
            raise ValueError(INTEGER_TOO_LARGE.format(digits=len(str(abs(value)))))
        return str(value)
    if not math.isfinite(value):
        raise ValueError(NOT_FINITE.format(value=value))
    if value == 0:
        return "0"  # and -0
    if value < 0:
        return "-" + format_number(-value)
    # repr() is the shortest string that round-trips: the digits ECMAScript uses too.
    text = repr(value)
    if "e" not in text:  # 1e-4 ≤ value < 1e16: the same fixed notation, minus a trailing .0
        return text[:-2] if text.endswith(".0") else text
    sign, digit_tuple, exponent = Decimal(text).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    assert isinstance(exponent, int)
    assert not sign
    k = len(digits)
    n = exponent + len(digit_tuple)  # value = 0.digits × 10**n
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int | float):
        out.append(format_number(value))
    elif isinstance(value, str):
        out.append(encode_basestring(value))
    elif isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(KEY_NOT_STRING.format(kind=type(key).__name__))
        out.append("{")
        # below U+D800 code point order is UTF-16 order: sort plain strings (fast) then
        ordered = sorted(value) if all(k < "\ud800" for k in value) else None
        for i, key in enumerate(ordered or sorted(value, key=_utf16_key)):
            if i:
                out.append(",")
            out.append(encode_basestring(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(NOT_JSON_TYPE.format(kind=type(value).__name__))


def canonical_json(value: Any) -> bytes:
    """``value`` as RFC 8785 canonical JSON bytes.

    Raises
    ------
    ValueError
        NaN, an infinity, an integer beyond ±2**53, or a lone surrogate in a string.
    TypeError
        A value that is not JSON (a set, bytes, an object key that is not a string).
    """
    out: list[str] = []
    _write(value, out)
    try:
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(LONE_SURROGATE) from None


def canonical_sha256(value: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def pretty_json(value: Any) -> str:
    """Readable, deterministic JSON for files people open (key order kept, 2-space indent)."""
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _refuse_constant(text: str) -> Any:
    raise ValueError(NOT_FINITE.format(value=text))


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(NUMBER_TOO_LARGE.format(text=text[:40]))
    return value


def _depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` outside strings (a linear scan)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def parse_json(text: str | bytes) -> Any:
    """Parse an untrusted JSON document.

    Raises
    ------
    json.JSONDecodeError
        Not JSON (with line and column).
    ValueError
        NaN or an infinity, a number too large (``1e999``, or an integer of more digits
        than Python converts), or nesting deeper than :data:`MAX_DEPTH`.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if _depth(text) > MAX_DEPTH:
        raise ValueError(TOO_DEEP.format(limit=MAX_DEPTH))
    return json.loads(text, parse_constant=_refuse_constant, parse_float=_float)


BAD_JSON_OBJECT = "expected a JSON object, e.g. '{{\"max_depth\": 6}}'; {reason}"


def json_object_option(text: str | None, field: str) -> dict[str, Any] | None:
    """A JSON object given as text (``--hyperparameters``, a form field), as RFC 8785 hashes it.

    ``None`` stays ``None``; anything but one JSON object that canonical JSON can hash
    (it goes into the ledger) is a :class:`~signoff.errors.ConfigError` naming ``field``.
    """
    from .errors import ConfigError

    if text is None:
        return None
    try:
        value = parse_json(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(BAD_JSON_OBJECT.format(reason=exc.msg), field=field) from None
    except ValueError as exc:  # NaN, 1e999, a 5,000-digit integer, deep nesting
        raise ConfigError(BAD_JSON_OBJECT.format(reason=exc), field=field) from None
    if not isinstance(value, dict):
        reason = f"got {type(value).__name__}"
        raise ConfigError(BAD_JSON_OBJECT.format(reason=reason), field=field)
    try:
        canonical_json(value)
    except ValueError as exc:
        raise ConfigError(BAD_JSON_OBJECT.format(reason=exc), field=field) from None
    return value
