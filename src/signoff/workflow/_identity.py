"""Provider groups → signoff roles, synced at each OpenID Connect login.

The governance in force maps the identity provider's groups to roles
(``identity: {groups: {risk-validators: [risk_reviewer]}}``).  The roles the mapping names
are the provider's to give and take away: at each login a person gains each such role
their groups grant and loses each such role they hold that their groups no longer grant.
Roles the mapping does not name (granted by hand with ``signoff user grant``) are left
alone.  Every change is a ledgered ``user.role_granted`` / ``user.role_revoked`` by the
system actor ``signoff``, naming the groups, the provider and the person's subject there;
a login that changes nothing records nothing.  A person whose access was removed
(``signoff user deactivate``) is refused (rule ``access_removed``, recorded): their
groups give nothing back.  A sync that would give one person two roles the governance's
``separation_of_duties.exclusive_roles`` forbids is refused as the CLI's ``user grant``
is (rule ``exclusive_roles``), recorded, and grants nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import SignoffError, WorkflowRefused
from ..registry import SYSTEM_ACTOR, Core, User, check_exclusive, deactivated_refusal
from ._rules import rules_in_force

__all__ = ["IdentityServices", "RoleSync"]


@dataclass(frozen=True)
class RoleSync:
    """What one login's sync did: the user as they are now, roles granted and revoked."""

    user: User
    granted: tuple[str, ...]
    revoked: tuple[str, ...]


class IdentityServices:
    """Sync a person's roles to their provider groups."""

    def __init__(self, core: Core) -> None:
        self._core = core

    def sync_roles(
        self, name: str, groups: Iterable[str], *, issuer: str, subject: str
    ) -> RoleSync:
        """Grant and revoke the roles the governance's group mapping governs.

        Raises
        ------
        WorkflowRefused
            Rule ``exclusive_roles``: the roles would break separation of duties (the
            refusal is recorded in the ledger as ``access.refused`` by the person).
        """
        member_of = frozenset(str(g) for g in groups)
        try:
            return self._sync(name, member_of, issuer=issuer, subject=subject)
        except SignoffError as refusal:
            rule = getattr(refusal, "rule", None)
            if rule in ("exclusive_roles", "access_removed"):
                payload = {
                    "rule": rule,
                    "message": str(refusal),
                    "groups": sorted(member_of),
                    "identity_provider": issuer,
                    "subject": subject,
                }
                self._core.record_refusal(name, "access.refused", f"user:{name}", payload)
            raise

    def _sync(self, name: str, member_of: frozenset[str], *, issuer: str, subject: str) -> RoleSync:
        with self._core.write(None, check_actor=False) as unit:
            rules = rules_in_force(unit.repo, self._core.artifacts).governance
            user = unit.repo.user(name)
            removed = deactivated_refusal(user)
            if removed is not None:  # the provider's groups give nothing back
                refusal = WorkflowRefused(removed)
                refusal.rule = "access_removed"
                raise refusal
            mapping = rules.identity
            governed = mapping.governed_roles
            given = mapping.roles_for(member_of)
            held = set(user.roles)
            after = (held - governed) | set(given)
            check_exclusive(user.name, after, rules.separation_of_duties.exclusive_roles)
            base = {"name": user.name, "identity_provider": issuer, "subject": subject}
            granted = sorted(set(given) - held)
            revoked = sorted((held & governed) - set(given))
            for role in granted:
                payload = {**base, "role": role, "groups": list(given[role])}
                unit.emit("user.role_granted", f"user:{user.name}", payload, actor=SYSTEM_ACTOR)
            for role in revoked:
                payload = {**base, "role": role, "groups": sorted(member_of)}
                unit.emit("user.role_revoked", f"user:{user.name}", payload, actor=SYSTEM_ACTOR)
            return RoleSync(unit.repo.user(user.name), tuple(granted), tuple(revoked))
