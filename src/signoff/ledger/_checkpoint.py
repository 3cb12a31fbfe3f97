"""Checkpoints: the ledger's tree size and root, as a signed note (c2sp.org/tlog-checkpoint).

The note text (the *body*) is three lines, and the signature follows a blank line::

    <origin>
    <tree size, decimal>
    <root hash, base64>

    — <key name> <base64(key ID || Ed25519 signature of the body)>

The key ID is the first four bytes of ``SHA-256(key name || "\\n" || 0x01 || public key)``.
Keys are text, in the format of Go's ``golang.org/x/mod/sumdb/note`` (so its tools, and
Sigstore's or the transparency-dev ones, read our checkpoints and keys)::

    public  <name>+<key ID, 8 hex digits>+<base64(0x01 || 32-byte Ed25519 public key)>
    private PRIVATE+KEY+<name>+<key ID, 8 hex digits>+<base64(0x01 || 32-byte Ed25519 seed)>

Malformed keys are configuration errors (:class:`~signoff.errors.ConfigError`, exit 2); a
checkpoint that does not verify is a :class:`~signoff.errors.LedgerVerificationError` (exit 5).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from signoff.errors import ConfigError, LedgerVerificationError

if TYPE_CHECKING:  # cryptography is imported where a key is read: 20 M instructions that
    # reading the registry (a checkpoint's tree head, no signature) does without
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

__all__ = [
    "Checkpoint",
    "generate_key",
    "load_private_key",
    "load_public_key",
    "parse_checkpoint",
    "public_key_of",
    "sign_checkpoint",
]

KEY_NAME_INVALID = "key name {name!r} is not valid: it must be non-empty, without spaces or '+'"
PUBLIC_KEY_MALFORMED = "not a public key: expected 'name+<8 hex digits>+<base64 Ed25519 key>'"
PRIVATE_KEY_MALFORMED = (
    "not a private key: expected 'PRIVATE+KEY+name+<8 hex digits>+<base64 Ed25519 seed>'"
)
PRIVATE_KEY_GIVEN = (
    "this is a private key; give the public key here, and keep the private one secret"
)
KEY_ID_MISMATCH = "the key ID {found} does not match the key (it should be {expected})"
KEY_UNREADABLE = "cannot read the key file: {error}"
ORIGIN_INVALID = "checkpoint origin {origin!r} must be one non-empty line of printable text"
SIZE_INVALID = "checkpoint tree size must be a non-negative integer, got {size!r}"
ROOT_INVALID = "checkpoint root must be 32 bytes"
NOTE_MALFORMED = "the checkpoint is not a signed note: {reason}"
NOTE_CONTROL_CHARACTER = "it contains the control character U+{code:04X} at offset {offset}"
NOTE_NO_SIGNATURES = "it has no blank line followed by signature lines, each ending in a newline"
NOTE_SIGNATURE_LINE = "signature line {number} is not '— <key name> <base64 signature>'"
NOTE_TOO_MANY_SIGNATURES = "it has more than 100 signature lines"
NOT_SIGNED_BY_KEY = "the checkpoint is not signed by key {key}; it is signed by: {found}"
SIGNATURE_INVALID = (
    "the signature by key {key} does not verify: the checkpoint was changed after it was signed"
)
BODY_MALFORMED = "the checkpoint body is malformed: {reason}"
BODY_TOO_SHORT = "expected the lines origin, tree size and root hash"
BODY_SIZE = "tree size {value!r} is not a decimal number without leading zeros"
BODY_ROOT = "root hash {value!r} is not the base64 of 32 bytes"
BODY_EMPTY_LINE = "line {number} is empty"
ORIGIN_MISMATCH = "the checkpoint is for the log {found!r}, not {expected!r}"

_ED25519 = b"\x01"
_SIGNATURE_PREFIX = "— "
_MAX_SIGNATURES = 100
_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


@dataclass(frozen=True)
class Checkpoint:
    """The log ``origin`` had ``size`` leaves with Merkle root ``root``.

    Raises
    ------
    ValueError
        An origin that is empty or not one line of printable text, a negative size,
        or a root that is not 32 bytes.
    """

    origin: str
    size: int
    root: bytes

    def __post_init__(self) -> None:
        if not self.origin or any(ord(char) < 0x20 for char in self.origin):
            raise ValueError(ORIGIN_INVALID.format(origin=self.origin))
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise ValueError(SIZE_INVALID.format(size=self.size))
        if not isinstance(self.root, bytes) or len(self.root) != 32:
            raise ValueError(ROOT_INVALID)

    def body(self) -> bytes:
        """The note text that is signed: origin, size and base64 root, one per line."""
        root = base64.b64encode(self.root).decode("ascii")
        return f"{self.origin}\n{self.size}\n{root}\n".encode()


def _key_id(name: str, public_raw: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + _ED25519 + public_raw).digest()[:4]


def _valid_name(name: str) -> bool:
    return bool(name) and not any(c.isspace() or c == "+" or ord(c) < 0x20 for c in name)


def _base64(text: str) -> bytes:
    """Canonical standard base64 (RFC 4648 §4, padded, zero spare bits); ``b""`` otherwise."""
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        return b""
    return raw if base64.b64encode(raw).decode("ascii") == text else b""


def _decode_key(name: str, key_id: str, encoded: str) -> bytes | None:
    """The 32 raw key bytes, or ``None`` when a part is malformed."""
    raw = _base64(encoded)
    if not (_valid_name(name) and re.fullmatch(r"[0-9a-fA-F]{8}", key_id)):
        return None
    return raw[1:] if len(raw) == 33 and raw[:1] == _ED25519 else None


def _public_key(text: str) -> tuple[str, bytes, Ed25519PublicKey]:
    text = text.strip()
    if text.startswith("PRIVATE+KEY+"):
        raise ConfigError(PRIVATE_KEY_GIVEN)
    parts = text.split("+", 2)  # base64 may contain "+" too
    raw = _decode_key(*parts) if len(parts) == 3 else None
    if raw is None:
        raise ConfigError(PUBLIC_KEY_MALFORMED)
    name, key_id = parts[0], _key_id(parts[0], raw)
    if key_id.hex() != parts[1].lower():
        raise ConfigError(KEY_ID_MISMATCH.format(found=parts[1], expected=key_id.hex()))
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return name, key_id, Ed25519PublicKey.from_public_bytes(raw)


def _private_key(text: str) -> tuple[str, bytes, Ed25519PrivateKey]:
    parts = text.strip().split("+", 4)
    seed = _decode_key(*parts[2:]) if len(parts) == 5 and parts[:2] == ["PRIVATE", "KEY"] else None
    if seed is None:
        raise ConfigError(PRIVATE_KEY_MALFORMED)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(seed)
    name, key_id = parts[2], _key_id(parts[2], key.public_key().public_bytes_raw())
    if key_id.hex() != parts[3].lower():
        raise ConfigError(KEY_ID_MISMATCH.format(found=parts[3], expected=key_id.hex()))
    return name, key_id, key


def _verifies(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` is ``key``'s Ed25519 signature of ``data``."""
    from cryptography.exceptions import InvalidSignature

    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def generate_key(name: str) -> tuple[str, str]:
    """A new Ed25519 key pair named ``name``, as ``(private key text, public key text)``.

    Raises
    ------
    ConfigError
        ``name`` is empty or contains a space or ``+`` (:data:`KEY_NAME_INVALID`).
    """
    if not _valid_name(name):
        raise ConfigError(KEY_NAME_INVALID.format(name=name))
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    public_raw = key.public_key().public_bytes_raw()
    key_id = _key_id(name, public_raw).hex()
    seed = base64.b64encode(_ED25519 + key.private_bytes_raw()).decode("ascii")
    public = base64.b64encode(_ED25519 + public_raw).decode("ascii")
    return f"PRIVATE+KEY+{name}+{key_id}+{seed}", f"{name}+{key_id}+{public}"


def public_key_of(private_key_text: str) -> str:
    """The public key text of a private key text (ConfigError when malformed)."""
    name, key_id, key = _private_key(private_key_text)
    public = base64.b64encode(_ED25519 + key.public_key().public_bytes_raw()).decode("ascii")
    return f"{name}+{key_id.hex()}+{public}"


def _load(path: str | Path, check: Callable[[str], object]) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ConfigError(KEY_UNREADABLE.format(error=reason), file=path) from None
    try:
        check(text)
    except ConfigError as error:
        raise ConfigError(error.message, file=path) from None
    return text


def load_private_key(path: str | Path) -> str:
    """The private key text in the file ``path``; a :class:`ConfigError` names the file."""
    return _load(path, _private_key)


def load_public_key(path: str | Path) -> str:
    """The public key text in the file ``path``; a :class:`ConfigError` names the file."""
    return _load(path, _public_key)


def sign_checkpoint(checkpoint: Checkpoint, private_key_text: str) -> str:
    """The signed note of ``checkpoint``: its body, a blank line and one signature line.

    Raises
    ------
    ConfigError
        ``private_key_text`` is not a private key, or its key ID does not match it.
    """
    name, key_id, key = _private_key(private_key_text)
    body = checkpoint.body()
    signature = base64.b64encode(key_id + key.sign(body)).decode("ascii")
    return f"{body.decode()}\n{_SIGNATURE_PREFIX}{name} {signature}\n"


def _malformed(reason: str) -> LedgerVerificationError:
    return LedgerVerificationError(NOTE_MALFORMED.format(reason=reason))


def _open_note(note: str) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """Split a signed note into its text and ``(name, key ID, signature)`` triples."""
    for offset, char in enumerate(note):
        if ord(char) < 0x20 and char != "\n":
            raise _malformed(NOTE_CONTROL_CHARACTER.format(code=ord(char), offset=offset))
    split = note.rfind("\n\n")
    text, lines = note[: split + 1], note[split + 2 :]
    if split < 0 or not lines.endswith("\n"):
        raise _malformed(NOTE_NO_SIGNATURES)
    signatures = []
    for number, line in enumerate(lines[:-1].split("\n"), start=1):
        name, _, encoded = line.removeprefix(_SIGNATURE_PREFIX).partition(" ")
        raw = _base64(encoded)
        if not line.startswith(_SIGNATURE_PREFIX) or not _valid_name(name) or len(raw) < 5:
            raise _malformed(NOTE_SIGNATURE_LINE.format(number=number))
        if number > _MAX_SIGNATURES:
            raise _malformed(NOTE_TOO_MANY_SIGNATURES)
        signatures.append((name, raw[:4], raw[4:]))
    return text, signatures


def _parse_body(text: str) -> Checkpoint:
    """The checkpoint in a note text; extension lines after the root are ignored."""
    lines = text[:-1].split("\n")
    root = _base64(lines[2]) if len(lines) >= 3 else b""
    if len(lines) < 3:
        reason = BODY_TOO_SHORT
    elif "" in lines:
        reason = BODY_EMPTY_LINE.format(number=lines.index("") + 1)
    elif not _SIZE.fullmatch(lines[1]):
        reason = BODY_SIZE.format(value=lines[1])
    elif len(root) != 32:
        reason = BODY_ROOT.format(value=lines[2])
    else:
        return Checkpoint(lines[0], int(lines[1]), root)
    raise LedgerVerificationError(BODY_MALFORMED.format(reason=reason))


def parse_checkpoint(
    note_text: str, public_key_text: str, *, origin: str | None = None
) -> Checkpoint:
    """The checkpoint in ``note_text``, once its signature by the given key verifies.

    Parameters
    ----------
    note_text : str
        The signed note, as :func:`sign_checkpoint` wrote it.
    public_key_text : str
        The public key that must have signed it; other signatures are ignored.
    origin : str, optional
        The log the checkpoint must be for.

    Raises
    ------
    ConfigError
        ``public_key_text`` is not a public key.
    LedgerVerificationError
        The note is malformed, not signed by that key, its signature does not verify,
        its body is not a checkpoint, or it is for another origin.
    """
    name, key_id, key = _public_key(public_key_text)
    text, signatures = _open_note(note_text)
    mine = [sig for found, found_id, sig in signatures if (found, found_id) == (name, key_id)]
    label = f"{name}+{key_id.hex()}"
    if not mine:
        found = ", ".join(f"{n}+{i.hex()}" for n, i, _ in signatures)
        raise LedgerVerificationError(NOT_SIGNED_BY_KEY.format(key=label, found=found))
    if not _verifies(key, mine[0], text.encode()):
        raise LedgerVerificationError(SIGNATURE_INVALID.format(key=label))
    checkpoint = _parse_body(text)
    if origin is not None and checkpoint.origin != origin:
        raise LedgerVerificationError(
            ORIGIN_MISMATCH.format(found=checkpoint.origin, expected=origin)
        )
    return checkpoint
