"""Storage: one SQLAlchemy implementation over SQLite or PostgreSQL, and the artifact store."""

from ._artifacts import ArtifactStore
from ._engine import DEFAULT_HOME, Store, database_url, signoff_home
from ._migrations import SchemaStatus, open_store, schema_status, upgrade

__all__ = [
    "DEFAULT_HOME",
    "ArtifactStore",
    "SchemaStatus",
    "Store",
    "database_url",
    "open_store",
    "schema_status",
    "signoff_home",
    "upgrade",
]
