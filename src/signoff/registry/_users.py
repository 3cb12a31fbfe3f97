"""Users and roles.  The first user of a fresh registry is its admin."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import AlreadyExists, ConfigError, WorkflowRefused
from ..ledger._log import append_event
from ..store._models import RoleGrantRow, UserRow
from ._base import RegistryBase
from ._domain import ROLES, User

__all__ = ["UserServices"]

TAKEN = "a user named {name!r} already exists"
BAD_EMAIL = "expected an e-mail address like name@example.org, got {email!r}"
BAD_ROLE = "unknown role {role!r}; roles: {roles}"
NOT_ADMIN = "{actor} cannot {what}: only an admin can (admins: {admins})"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UserServices(RegistryBase):
    """Add users, grant roles, list them."""

    def _roles(self, session: Session, user: UserRow) -> tuple[str, ...]:
        grants = session.scalars(
            select(RoleGrantRow.role)
            .where(RoleGrantRow.user_id == user.id)
            .order_by(RoleGrantRow.role)
        )
        return tuple(grants)

    def _require_admin(self, session: Session, actor: str, what: str) -> None:
        row = self._user_row(session, actor)
        if "admin" not in self._roles(session, row):
            admins = session.scalars(
                select(UserRow.name).join(RoleGrantRow).where(RoleGrantRow.role == "admin")
            )
            raise WorkflowRefused(
                NOT_ADMIN.format(actor=actor, what=what, admins=", ".join(admins))
            )

    def _to_user(self, session: Session, row: UserRow) -> User:
        return User(row.name, row.email, self._roles(session, row), row.created_at, row.public_key)

    def add_user(
        self,
        name: str,
        email: str,
        roles: list[str],
        *,
        actor: str | None,
        known_roles: Sequence[str] = ROLES,
    ) -> User:
        """Add a user with roles.  In an empty registry the first user is made admin and
        may add themself; after that only an admin adds users."""
        for role in roles:
            if role not in known_roles:
                raise ConfigError(
                    BAD_ROLE.format(role=role, roles=", ".join(known_roles)), field="--role"
                )
        if not _EMAIL.match(email):
            raise ConfigError(BAD_EMAIL.format(email=email), field="--email")
        with self.store.transaction() as session:
            first = (session.scalar(select(func.count()).select_from(UserRow)) or 0) == 0
            acting = name if first and actor in (None, name) else actor
            if not first:
                if acting is None:
                    raise WorkflowRefused(
                        "name the admin who adds this user with --as or SIGNOFF_USER"
                    )
                self._require_admin(session, acting, "add users")
            if session.scalar(select(UserRow).where(UserRow.name == name)) is not None:
                raise AlreadyExists(TAKEN.format(name=name))
            now = self.clock()
            granted = sorted(set(roles) | ({"admin"} if first else set()))
            row = UserRow(name=name, email=email, created_at=now)
            session.add(row)
            session.flush()
            for role in granted:
                session.add(
                    RoleGrantRow(
                        user_id=row.id, role=role, granted_by=acting or name, granted_at=now
                    )
                )
            append_event(
                session,
                actor=acting or name,
                action="user.added",
                subject=f"user:{name}",
                payload={"name": name, "email": email, "roles": granted, "first_admin": first},
                at=now,
            )
            session.flush()
            return self._to_user(session, row)

    def grant_role(
        self, name: str, role: str, *, actor: str, known_roles: Sequence[str] = ROLES
    ) -> User:
        """Grant ``role`` to a user (admins only); ``known_roles`` from the governance config."""
        if role not in known_roles:
            raise ConfigError(
                BAD_ROLE.format(role=role, roles=", ".join(known_roles)), field="--role"
            )
        with self.write(actor) as (session, record):
            self._require_admin(session, actor, "grant roles")
            row = self._user_row(session, name)
            if role not in self._roles(session, row):
                session.add(
                    RoleGrantRow(
                        user_id=row.id, role=role, granted_by=actor, granted_at=self.clock()
                    )
                )
                record("user.role_granted", f"user:{name}", {"name": name, "role": role})
            session.flush()
            return self._to_user(session, row)

    def set_public_key(self, name: str, public_key_text: str, *, actor: str) -> User:
        """Register a user's Ed25519 public key; from then on their sign-offs must be signed.

        Only the user themself or an admin may do it; the key is in the ledger event, so
        ``signoff ledger verify`` checks each later signature against it.
        """
        from ..ledger._signing import check_public_key

        key = check_public_key(public_key_text)
        with self.write(actor) as (session, record):
            if actor != name:
                self._require_admin(session, actor, "register another user's key")
            row = self._user_row(session, name)
            row.public_key = key
            record("user.key_registered", f"user:{name}", {"name": name, "public_key": key})
            session.flush()
            return self._to_user(session, row)

    def list_users(self) -> list[User]:
        """Every user, by name."""
        with self.store.transaction() as session:
            rows = session.scalars(select(UserRow).order_by(UserRow.name)).all()
            return [self._to_user(session, row) for row in rows]

    def get_user(self, name: str) -> User:
        """One user; NotFound listing the users when unknown."""
        with self.store.transaction() as session:
            return self._to_user(session, self._user_row(session, name))
