"""Removing a person's access (``signoff user deactivate``) at once, and giving it back
(``signoff user reactivate``) without what was revoked.

One ledgered unit of work, by an admin other than the person: each of their roles is
revoked (``user.role_revoked``), each of their API tokens, CLI sessions and unspent
login links revoked (``token.revoked``, ``cli_session.revoked``), and the person marked
``user.deactivated`` with the reason.  From then on nothing of theirs works: the core
refuses them as an actor, the server refuses their browser session at its next request
(the person's record says so), their tokens and sessions are revoked, and neither a
login link nor an identity provider signs them in again.  Their history stays as it was.

Reactivating (``user.reactivated``, an admin other than the person, with a reason) only
lifts that mark: the roles, tokens, CLI sessions and login links deactivation revoked
stay revoked.  Roles are granted again through the normal paths (``signoff user grant``,
or their identity provider's groups at their next login), and they sign in afresh.
"""

from __future__ import annotations

from ..errors import ConfigError, WorkflowRefused
from ..store import User
from ._core import Core, Unit

__all__ = ["deactivate_user", "reactivate_user"]

NOT_ADMIN = "{actor} cannot remove access: only an admin can (admins: {admins})"
OWN_ACCESS = "{actor} cannot remove their own access; another admin must"
ALREADY = "{name}'s access was already removed on {at}"
NO_REASON = "--reason: say why the access is removed (at least 10 characters)"
NOT_ADMIN_BACK = "{actor} cannot give access back: only an admin can (admins: {admins})"
OWN_BACK = "{actor} cannot reactivate themselves; another admin must"
NOT_REMOVED = "{name}'s access was not removed (`signoff user deactivate`): nothing to reactivate"
NO_REASON_BACK = "--reason: say why the access is given back (at least 10 characters)"


def _reason(reason: str, message: str) -> str:
    why = " ".join(reason.split())
    if len(why) < 10:
        raise ConfigError(message, field="--reason")
    return why


def _other_person(unit: Unit, name: str, *, not_admin: str, own: str) -> User:
    """The person ``name``, once the acting person is found an admin and not them
    (checked under the write lock the change is made under)."""
    if "admin" not in unit.repo.user(unit.actor).roles:
        admins = ", ".join(unit.repo.holders_of("admin"))
        raise WorkflowRefused(not_admin.format(actor=unit.actor, admins=admins))
    user = unit.repo.user(name)
    if user.name == unit.actor:
        raise WorkflowRefused(own.format(actor=unit.actor))
    return user


def deactivate_user(core: Core, name: str, *, actor: str, reason: str) -> User:
    """Remove ``name``'s access (see the module); the person as they are now."""
    why = _reason(reason, NO_REASON)
    with core.write(actor) as unit:
        user = _other_person(unit, name, not_admin=NOT_ADMIN, own=OWN_ACCESS)
        if user.deactivated_at is not None:
            at = user.deactivated_at.isoformat().replace("+00:00", "Z")
            raise WorkflowRefused(ALREADY.format(name=user.name, at=at))
        subject = f"user:{user.name}"
        for role in user.roles:
            unit.emit("user.role_revoked", subject, {"name": user.name, "role": role})
        for kind, action in (
            ("token", "token.revoked"),
            ("cli_session", "cli_session.revoked"),
            ("login_link", "token.revoked"),
        ):
            for token in unit.repo.tokens(user=user.name, kind=kind):
                if token.revoked_at is None and token.usable(unit.now):
                    unit.emit(action, subject, {"id": token.id})
        unit.emit("user.deactivated", subject, {"name": user.name, "reason": why})
        return unit.repo.user(user.name)


def reactivate_user(core: Core, name: str, *, actor: str, reason: str) -> User:
    """Lift ``name``'s deactivation (see the module): no role, token or session comes back;
    the person as they are now."""
    why = _reason(reason, NO_REASON_BACK)
    with core.write(actor) as unit:  # a deactivated person is refused here: they cannot act
        user = _other_person(unit, name, not_admin=NOT_ADMIN_BACK, own=OWN_BACK)
        if user.deactivated_at is None:
            raise WorkflowRefused(NOT_REMOVED.format(name=user.name))
        unit.emit("user.reactivated", f"user:{user.name}", {"name": user.name, "reason": why})
        return unit.repo.user(user.name)
