"""Users, roles and signing keys.  The first user of a fresh registry is its admin.

Names are people's identities, so they are checked like ones: NFKC-normalised,
compared case-folded (``Alice`` is ``alice``), and refused when they hold control
or invisible characters or mix scripts (a Cyrillic ``а`` in a Latin name).  No
admin grants a role to themself; a user's first signing key is registered by an
admin other than that user (or given when the user is created), and a new key
must be signed with the old one or registered by another admin.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence

from ..errors import AlreadyExists, ConfigError, WorkflowRefused
from ..ledger import check_public_key, sign_statement, verify_statement
from ..store import User, name_key
from ._core import SYSTEM_ACTOR, Core, Unit
from ._domain import ROLES

__all__ = ["UserServices", "check_exclusive", "check_label", "check_name", "rotation_statement"]

TAKEN = "a user named {name!r} already exists"
SIMILAR = "a user named {other!r} already exists; names are compared ignoring case"
BAD_EMAIL = "expected an e-mail address like name@example.org, got {email!r}"
BAD_ROLE = "unknown role {role!r}; roles: {roles}"
NOT_ADMIN = "{actor} cannot {what}: only an admin can (admins: {admins})"
NO_ADMIN_ACTOR = "name the admin who adds this user (acting user)"
SELF_GRANT = "{actor} cannot grant a role to themself; another admin must"
BAD_NAME = (
    "{what} {name!r} is not allowed: use letters, digits, '.', '_' or '-' (up to 120), "
    "starting with a letter or digit{why}"
)
OWN_FIRST_KEY = (
    "{user}'s first signing key must be registered by another admin "
    "(or given when the user is created)"
)
ROTATE = (
    "{user} already has a signing key: sign the new key with the old one, "
    "or have another admin register it"
)
OLD_KEY_WRONG = "the old key given is not the one {user} registered"
RESERVED = "{name!r} is reserved for signoff's own events"
EXCLUSIVE = (
    "{user} cannot hold both {role} and {other}: the governance's separation of duties "
    "(separation_of_duties.exclusive_roles) forbids one person to hold both"
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_NAME_CHARS = re.compile(r"[\w][\w.\-]{0,119}")


def _scripts(text: str) -> set[str]:
    scripts = set()
    for ch in text:
        if ch.isalpha():
            scripts.add(unicodedata.name(ch, "UNKNOWN").split(" ")[0])
    return scripts


def check_name(name: str, *, what: str = "user name") -> str:
    """The NFKC form of ``name`` once it is a safe identity; ConfigError otherwise."""
    normal = unicodedata.normalize("NFKC", name)
    why = ""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        why = " (it holds control or invisible characters)"
    elif len(_scripts(normal)) > 1:
        why = f" (it mixes scripts: {', '.join(sorted(_scripts(normal)))})"
    elif not _NAME_CHARS.fullmatch(normal):
        why = ""
    else:
        return normal
    raise ConfigError(BAD_NAME.format(what=what, name=name, why=why))


BAD_LABEL = "{what} {name!r} is not allowed: it is empty or holds control or invisible characters"


def check_label(text: str, *, what: str) -> str:
    """The NFKC form of a free-text name (a team): printable, without invisible characters.

    Unlike user names it may hold any printable character; every face escapes it.
    """
    normal = unicodedata.normalize("NFKC", text).strip()
    if not normal or any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text):
        raise ConfigError(BAD_LABEL.format(what=what, name=text))
    return normal


def check_exclusive(user: str, roles: set[str], exclusive: Sequence[tuple[str, str]]) -> None:
    """WorkflowRefused (rule ``exclusive_roles``) when ``roles`` hold both of a pair."""
    for first, second in exclusive:
        if first in roles and second in roles:
            refusal = WorkflowRefused(EXCLUSIVE.format(user=user, role=first, other=second))
            refusal.rule = "exclusive_roles"
            raise refusal


def rotation_statement(name: str, public_key: str) -> dict[str, str]:
    """What a key rotation's signature covers: the user and the new key (as
    :func:`~signoff.ledger.check_public_key` writes it)."""
    return {"rotate_key": name, "public_key": public_key}


class UserServices:
    """Add users, grant roles, register keys, list them."""

    def __init__(self, core: Core) -> None:
        self._core = core

    @staticmethod
    def _require_admin(unit: Unit, what: str) -> None:
        if "admin" not in unit.repo.user(unit.actor).roles:
            admins = ", ".join(unit.repo.holders_of("admin"))
            raise WorkflowRefused(NOT_ADMIN.format(actor=unit.actor, what=what, admins=admins))

    def add_user(
        self,
        name: str,
        email: str,
        roles: Sequence[str],
        *,
        actor: str | None,
        known_roles: Sequence[str] = ROLES,
        public_key: str | None = None,
    ) -> User:
        """Add a user with roles (and, optionally, their public signing key).

        In an empty registry the first user is made admin and may add themself; after
        that only an admin adds users.  The check runs under the write lock, so two
        racing "first users" cannot both become admin.
        """
        name = check_name(name)
        if name_key(name) == SYSTEM_ACTOR:
            raise ConfigError(RESERVED.format(name=name))
        for role in roles:
            if role not in known_roles:
                raise ConfigError(
                    BAD_ROLE.format(role=role, roles=", ".join(known_roles)), field="--role"
                )
        if not _EMAIL.fullmatch(email):
            raise ConfigError(BAD_EMAIL.format(email=email), field="--email")
        key = check_public_key(public_key) if public_key is not None else None
        with self._core.write(None, check_actor=False) as unit:
            first = unit.repo.user_count() == 0
            first_actor: str | None = name if first and actor not in (None, name) else actor
            if not first:
                if actor is None:
                    raise WorkflowRefused(NO_ADMIN_ACTOR)
                unit.actor = unit.repo.user(actor).name
                self._require_admin(unit, "add users")
            else:
                unit.actor = first_actor or name
            existing = unit.repo.find_user(name)
            if existing is not None:
                message = TAKEN if existing.name == name else SIMILAR
                raise AlreadyExists(message.format(name=name, other=existing.name))
            granted = sorted(set(roles) | ({"admin"} if first else set()))
            payload = {"name": name, "email": email, "roles": granted, "first_admin": first}
            if first:  # names this installation: the origin its checkpoints are signed under
                payload["registry_id"] = uuid.uuid4().hex
            if key is not None:
                payload["public_key"] = key
            unit.emit("user.added", f"user:{name}", payload, actor=name if first else None)
            return unit.repo.user(name)

    def grant_role(
        self,
        name: str,
        role: str,
        *,
        actor: str,
        known_roles: Sequence[str] = ROLES,
        exclusive: Sequence[tuple[str, str]] = (),
    ) -> User:
        """Grant ``role`` to a user (admins only, never to themselves, never one of an
        ``exclusive`` pair of roles to someone who holds the other)."""
        if role not in known_roles:
            raise ConfigError(
                BAD_ROLE.format(role=role, roles=", ".join(known_roles)), field="--role"
            )
        with self._core.write(actor) as unit:
            self._require_admin(unit, "grant roles")
            user = unit.repo.user(name)
            if user.name == unit.actor:
                raise WorkflowRefused(SELF_GRANT.format(actor=unit.actor))
            check_exclusive(user.name, set(user.roles) | {role}, exclusive)
            if role not in user.roles:
                unit.emit(
                    "user.role_granted", f"user:{user.name}", {"name": user.name, "role": role}
                )
            return unit.repo.user(user.name)

    def set_public_key(
        self,
        name: str,
        public_key_text: str,
        *,
        actor: str,
        old_private_key: str | None = None,
        old_key_signature: str | None = None,
    ) -> User:
        """Register a user's Ed25519 public key; from then on their sign-offs must be signed.

        A first key is registered by an admin other than the user.  A new key replaces
        the old one when signed with the old private key (``old_private_key``, or
        ``old_key_signature`` made with it elsewhere over :func:`rotation_statement` — how
        a person rotates through the server without sending a private key) or when
        another admin registers it.  The key is in the ledger event, so ``signoff ledger
        verify`` checks every later signature against the key in force at that point.
        """
        key = check_public_key(public_key_text)
        with self._core.write(actor) as unit:
            user = unit.repo.user(name)
            by_other_admin = unit.actor != user.name and "admin" in unit.repo.user(unit.actor).roles
            payload: dict[str, str] = {"name": user.name, "public_key": key}
            if user.public_key is None:
                if not by_other_admin:
                    if unit.actor != user.name:
                        self._require_admin(unit, "register another user's key")
                    raise WorkflowRefused(OWN_FIRST_KEY.format(user=user.name))
            elif not by_other_admin:
                if unit.actor != user.name:
                    self._require_admin(unit, "register another user's key")
                if old_private_key is None and old_key_signature is None:
                    raise WorkflowRefused(ROTATE.format(user=user.name))
                statement = rotation_statement(user.name, key)
                signature = (
                    sign_statement(statement, old_private_key)
                    if old_private_key is not None
                    else str(old_key_signature)
                )
                if not verify_statement(statement, signature, user.public_key):
                    raise WorkflowRefused(OLD_KEY_WRONG.format(user=user.name))
                payload["signed_by_old_key"] = signature
            unit.emit("user.key_registered", f"user:{user.name}", payload)
            return unit.repo.user(user.name)

    def list_users(self) -> list[User]:
        """Every user, by name."""
        with self._core.read() as repo:
            return repo.users()

    def get_user(self, name: str) -> User:
        """One user; NotFound listing the users when unknown."""
        with self._core.read() as repo:
            return repo.user(name)
