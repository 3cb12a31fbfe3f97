"""Storage: one SQLAlchemy implementation over SQLite or PostgreSQL, the artifact store,
the projector that derives every table from the ledger's events, and typed reads."""

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes
from ._artifacts import ArtifactStore
from ._asof import Replay, replayed
from ._engine import DEFAULT_HOME, WRITE_LOCK, Store, database_url, lock_writes, signoff_home
from ._fold import Fold
from ._idempotency import Claim, claim_key, forget_key, keep_answer
from ._migrations import SchemaStatus, head_revision, open_store, schema_status, upgrade
from ._models import CheckpointRow, LedgerEventRow, NotificationRow
from ._monitor import MonitorBaseline, MonitorWindow, check_documents, keep_document
from ._outbox import OutboxEntry, add_to_outbox
from ._portfolio_reads import CRTransition, EventRecord, WindowEvent
from ._project import PROJECTED_ACTIONS, Event, apply_event, event_time
from ._reads import name_key
from ._reads_tokens import ServerToken
from ._records import (
    Artifact,
    AuditRecord,
    CRRecord,
    CRState,
    Decision,
    GovernanceRecord,
    ImportedAudit,
    Model,
    ModelVersion,
    RequiredSignOff,
    SignOff,
    StageChange,
    User,
    VersionRef,
    WaiverRecord,
)
from ._repo import Repository
from ._watch import LedgerWatch, note_append

if TYPE_CHECKING:
    from ._snapshot import PROJECTED_TABLES, Difference, first_difference, replay, snapshot

# The snapshot and replay that `ledger verify` compares: no other command needs them.
__getattr__ = lazy_attributes(
    __name__,
    globals(),
    {"_snapshot": ("PROJECTED_TABLES", "Difference", "first_difference", "replay", "snapshot")},
)


__all__ = [
    "DEFAULT_HOME",
    "PROJECTED_ACTIONS",
    "PROJECTED_TABLES",
    "WRITE_LOCK",
    "Artifact",
    "ArtifactStore",
    "AuditRecord",
    "CRRecord",
    "CRState",
    "CRTransition",
    "CheckpointRow",
    "Claim",
    "Decision",
    "Difference",
    "Event",
    "EventRecord",
    "Fold",
    "GovernanceRecord",
    "ImportedAudit",
    "LedgerEventRow",
    "LedgerWatch",
    "Model",
    "ModelVersion",
    "MonitorBaseline",
    "MonitorWindow",
    "NotificationRow",
    "OutboxEntry",
    "Replay",
    "Repository",
    "RequiredSignOff",
    "SchemaStatus",
    "ServerToken",
    "SignOff",
    "StageChange",
    "Store",
    "User",
    "VersionRef",
    "WaiverRecord",
    "WindowEvent",
    "add_to_outbox",
    "apply_event",
    "check_documents",
    "claim_key",
    "database_url",
    "event_time",
    "first_difference",
    "forget_key",
    "head_revision",
    "keep_answer",
    "keep_document",
    "lock_writes",
    "name_key",
    "note_append",
    "open_store",
    "replay",
    "replayed",
    "schema_status",
    "signoff_home",
    "snapshot",
    "upgrade",
]
