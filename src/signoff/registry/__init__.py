"""The registry: users, models, versions, audits and artifacts — every write ledgered."""

from . import _evidence, _inventory, _users
from ._base import Clock, utc_now
from ._domain import (
    ARTIFACT_KINDS,
    RISK_TIERS,
    ROLES,
    STAGES,
    Artifact,
    AuditRecord,
    Model,
    ModelVersion,
    StageChange,
    User,
    VersionRef,
)
from ._inventory import file_sha256

__all__ = [
    "ARTIFACT_KINDS",
    "RISK_TIERS",
    "ROLES",
    "STAGES",
    "Artifact",
    "AuditRecord",
    "Clock",
    "Model",
    "ModelVersion",
    "Registry",
    "StageChange",
    "User",
    "VersionRef",
    "file_sha256",
    "utc_now",
]


class Registry(_users.UserServices, _inventory.InventoryServices, _evidence.EvidenceServices):
    """Every registry service over one store, artifact store and clock.

    Examples
    --------
    >>> from signoff.store import open_store
    >>> registry = Registry(open_store("sqlite:///:memory:"))  # doctest: +SKIP
    """
