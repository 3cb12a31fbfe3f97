"""The registry: users, models, versions, audits and artifacts — every write ledgered.

Services are composed over one :class:`Core` (store, artifact store, clock); every
write is a :class:`Unit` of work that takes the write lock first and changes tables
only by emitting ledger events.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..store import (
    Artifact,
    AuditRecord,
    ImportedAudit,
    Model,
    ModelVersion,
    ServerToken,
    StageChange,
    User,
    VersionRef,
)
from ._core import (
    SYSTEM_ACTOR,
    Clock,
    Core,
    OnCore,
    Unit,
    deactivated_refusal,
    read_only_refusal,
    utc_now,
)
from ._deactivate import deactivate_user, reactivate_user
from ._domain import ARTIFACT_KINDS, RISK_TIERS, ROLES, STAGES
from ._evidence import EvidenceServices
from ._inventory import InventoryServices, file_sha256
from ._tokens import (
    LOGIN_LINK_TTL,
    SCOPES,
    TokenServices,
    parse_duration,
    secret_sha256,
    token_row,
)
from ._users import UserServices, check_exclusive, check_label, check_name, rotation_statement
from ._writer_keys import WriterKeyServices

if TYPE_CHECKING:
    from ..audit import AuditResult

__all__ = [
    "ARTIFACT_KINDS",
    "LOGIN_LINK_TTL",
    "RISK_TIERS",
    "ROLES",
    "SCOPES",
    "STAGES",
    "SYSTEM_ACTOR",
    "Artifact",
    "AuditRecord",
    "Clock",
    "Core",
    "EvidenceServices",
    "ImportedAudit",
    "InventoryServices",
    "Model",
    "ModelVersion",
    "OnCore",
    "Registry",
    "ServerToken",
    "StageChange",
    "TokenServices",
    "Unit",
    "User",
    "UserServices",
    "VersionRef",
    "WriterKeyServices",
    "check_exclusive",
    "check_label",
    "check_name",
    "deactivate_user",
    "deactivated_refusal",
    "file_sha256",
    "parse_duration",
    "reactivate_user",
    "read_only_refusal",
    "rotation_statement",
    "secret_sha256",
    "token_row",
    "utc_now",
]


class Registry(OnCore):
    """Users, the model inventory and the evidence, over one :class:`Core`.

    Examples
    --------
    >>> import signoff, tempfile
    >>> s = signoff.connect("sqlite://", artifacts=tempfile.mkdtemp())
    >>> s.registry.add_user("ada", "ada@example.org", ["approver"], actor=None).roles
    ('admin', 'approver')
    """

    def __init__(self, core: Core) -> None:
        self.core = core
        self.users = UserServices(core)
        self.inventory = InventoryServices(core)
        self.evidence = EvidenceServices(core)
        self.tokens = TokenServices(core)
        self.writer_keys = WriterKeyServices(core)

    # users
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
        """See :meth:`UserServices.add_user`."""
        return self.users.add_user(
            name, email, roles, actor=actor, known_roles=known_roles, public_key=public_key
        )

    def grant_role(
        self, name: str, role: str, *, actor: str, known_roles: Sequence[str] = ROLES
    ) -> User:
        """See :meth:`UserServices.grant_role`."""
        return self.users.grant_role(name, role, actor=actor, known_roles=known_roles)

    def deactivate_user(self, name: str, *, actor: str, reason: str) -> User:
        """Remove a person's access at once: roles, tokens, sessions (an admin, not
        themselves); see :func:`~signoff.registry._deactivate.deactivate_user`."""
        return deactivate_user(self.core, name, actor=actor, reason=reason)

    def reactivate_user(self, name: str, *, actor: str, reason: str) -> User:
        """Lift a deactivation (an admin, not themselves); no role, token or session comes
        back; see :func:`~signoff.registry._deactivate.reactivate_user`."""
        return reactivate_user(self.core, name, actor=actor, reason=reason)

    def set_public_key(
        self,
        name: str,
        public_key_text: str,
        *,
        actor: str,
        old_private_key: str | None = None,
        old_key_signature: str | None = None,
    ) -> User:
        """See :meth:`UserServices.set_public_key`."""
        return self.users.set_public_key(
            name,
            public_key_text,
            actor=actor,
            old_private_key=old_private_key,
            old_key_signature=old_key_signature,
        )

    def list_users(self) -> list[User]:
        """Every user, by name."""
        return self.users.list_users()

    def get_user(self, name: str) -> User:
        """One user."""
        return self.users.get_user(name)

    # inventory
    def register_model(self, name: str, **kwargs: Any) -> Model:
        """See :meth:`InventoryServices.register_model`."""
        return self.inventory.register_model(name, **kwargs)

    def add_version(self, ref: VersionRef, **kwargs: Any) -> ModelVersion:
        """See :meth:`InventoryServices.add_version`."""
        return self.inventory.add_version(ref, **kwargs)

    def list_models(self) -> list[Model]:
        """The inventory, by name."""
        return self.inventory.list_models()

    def get_model(self, name: str) -> Model:
        """One model."""
        return self.inventory.get_model(name)

    def list_versions(self, model: str) -> list[ModelVersion]:
        """A model's versions, oldest first."""
        return self.inventory.list_versions(model)

    def get_version(self, ref: VersionRef) -> ModelVersion:
        """One version with its stage."""
        return self.inventory.get_version(ref)

    def history(self, model: str) -> list[StageChange]:
        """A model's stage history."""
        return self.inventory.history(model)

    # evidence
    def add_artifact(
        self, ref: VersionRef, kind: str, data: bytes, *, filename: str, actor: str
    ) -> Artifact:
        """See :meth:`EvidenceServices.add_artifact`."""
        return self.evidence.add_artifact(ref, kind, data, filename=filename, actor=actor)

    def attach_audit(
        self,
        ref: VersionRef,
        audit: AuditResult | Path | str,
        *,
        actor: str,
        reports: Mapping[str, bytes] | None = None,
    ) -> AuditRecord:
        """See :meth:`EvidenceServices.attach_audit`."""
        return self.evidence.attach_audit(ref, audit, actor=actor, reports=reports)

    def list_audits(self, ref: VersionRef) -> list[AuditRecord]:
        """Audits of a version."""
        return self.evidence.list_audits(ref)

    def list_artifacts(self, ref: VersionRef) -> list[Artifact]:
        """Artifacts of a version."""
        return self.evidence.list_artifacts(ref)

    def audit_log(self) -> Iterator[Mapping[str, Any]]:
        """One portfolio record per audit."""
        return self.evidence.audit_log()
