"""Schema migrations (Alembic), run explicitly: ``signoff db upgrade``.

A constructor never migrates.  The one exception is the first use of the
default SQLite file, which does not exist yet: it is created at the current
schema so that ``signoff user add`` works in a fresh folder.  Any other
database with an old schema gets a clear message, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from alembic.config import Config

from ..errors import StoreError
from ._engine import UNREACHABLE, Store, database_url

__all__ = ["SchemaStatus", "head_revision", "open_store", "schema_status", "upgrade"]

OUT_OF_DATE = (
    "the registry database {url} has schema {current}; this signoff needs {head}: "
    "upgrade it (signoff.store.upgrade, or the CLI's db upgrade)"
)
TOO_NEW = (
    "the registry database {url} has schema {current}, newer than this signoff knows "
    "({head}): upgrade signoff"
)


VERSIONS = Path(__file__).parent / "migrations" / "versions"


def head_revision() -> str:
    """The newest revision this signoff ships (revisions are named by their file's number).

    Read from the file names, so opening a registry does not import Alembic; a test checks
    it against Alembic's own answer.
    """
    return max(p.name.split("_", 1)[0] for p in VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return config


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database's schema stands."""

    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        """True when no migration is pending."""
        return self.current == self.head


def schema_status(store: Store) -> SchemaStatus:
    """The database's revision and the newest one this signoff ships."""
    with store.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return SchemaStatus(None, head_revision())
        current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return SchemaStatus(current, head_revision())


def upgrade(store: Store) -> SchemaStatus:
    """Migrate the database to the newest schema (a no-op when current)."""
    from alembic import command

    config = _config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return schema_status(store)


def open_store(url: str | None = None, *, create: bool = False) -> Store:
    """The registry database, checked to be at the current schema.

    Parameters
    ----------
    url : str, optional
        Database URL; default ``SIGNOFF_DATABASE_URL`` or the SQLite file
        under ``SIGNOFF_HOME``.
    create : bool
        Create the schema in an empty database (any URL).  Without it, only the
        default SQLite file is created on first use.

    Raises
    ------
    StoreError
        When the schema is out of date (run ``signoff db upgrade``) or newer
        than this signoff.
    """
    chosen = url or database_url()
    store = Store(chosen, create=create)
    try:
        status = schema_status(store)
    except SQLAlchemyError as exc:
        store.dispose()
        raise StoreError(
            UNREACHABLE.format(url=store.display_url, reason=_first_line(exc))
        ) from None
    if status.current is None and create and _is_empty(store):
        status = upgrade(store)
    if not status.up_to_date:
        store.dispose()
        template = OUT_OF_DATE if _known(status.current) else TOO_NEW
        current = status.current or "none (an empty database)"
        raise StoreError(template.format(url=store.display_url, current=current, head=status.head))
    return store


def _first_line(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text_[0] if text_ else type(exc).__name__


def _known(revision: str | None) -> bool:
    return revision is None or revision <= head_revision()


def _is_empty(store: Store) -> bool:
    return not inspect(store.engine).get_table_names()
