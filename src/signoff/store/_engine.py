"""Where the registry lives, and the one way to change it: a transaction.

The default is one SQLite file under ``./.signoff/`` (``SIGNOFF_HOME``);
teams point ``SIGNOFF_DATABASE_URL`` at PostgreSQL.  The same code runs on
both.  Database errors are mapped to :class:`~signoff.errors.StoreError` here,
at the store's edge, so none leaks to a face.

SQLite runs in WAL mode and every transaction starts with ``BEGIN
IMMEDIATE``: writers from several processes queue on the database lock, so
the ledger's ``seq`` is assigned under a lock on both databases (PostgreSQL
uses a transaction-scoped advisory lock, see :mod:`signoff.ledger._log`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from ..errors import SignoffError, StoreError
from ._watch import LedgerWatch, announce, notify_append

__all__ = ["DEFAULT_HOME", "WRITE_LOCK", "Store", "database_url", "lock_writes", "signoff_home"]

DEFAULT_HOME = ".signoff"
UNREACHABLE = "cannot use the registry database {url}: {reason}"
BAD_URL = (
    "not a database URL: {url!r}; expected e.g. sqlite:///path/signoff.db or "
    "postgresql+psycopg://user@host/db"
)
UNSUPPORTED = "unsupported database {url}: signoff runs on SQLite and PostgreSQL"
NO_DRIVER = (
    "cannot use the database {url}: its driver is not installed ({reason}); "
    "for PostgreSQL: pip install 'signoff[postgres]'"
)
NO_DATABASE = (
    "no registry database at {path}: nothing was created (a read-only command never "
    "creates one); check SIGNOFF_HOME / SIGNOFF_DATABASE_URL, or create it with a first "
    "`user add` or `db upgrade`"
)
DIALECTS = ("sqlite", "postgresql")


def signoff_home(env: Mapping[str, str] | None = None) -> Path:
    """``SIGNOFF_HOME``, else ``./.signoff``."""
    env = os.environ if env is None else env
    return Path(env.get("SIGNOFF_HOME") or DEFAULT_HOME)


def database_url(env: Mapping[str, str] | None = None) -> str:
    """``SIGNOFF_DATABASE_URL``, else the SQLite file under the signoff home."""
    env = os.environ if env is None else env
    url = env.get("SIGNOFF_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{signoff_home(env) / 'signoff.db'}"


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


#: Key of the PostgreSQL advisory lock that serializes every registry write.
WRITE_LOCK = 0x5167_0FF0


def lock_writes(session: Session) -> None:
    """Serialize this transaction with every other writer (a no-op on SQLite).

    SQLite transactions begin ``IMMEDIATE``: one writer at a time already.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class Store:
    """A database connection pool and its transactions.

    The constructor never migrates (``signoff db upgrade`` does, see
    :mod:`signoff.store._migrations`).
    """

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StoreError(BAD_URL.format(url=url)) from None
        if parsed.get_backend_name() not in DIALECTS:
            raise StoreError(UNSUPPORTED.format(url=parsed.render_as_string(hide_password=True)))
        try:
            if parsed.get_backend_name() == "sqlite":
                self._sqlite_file(parsed.database, create=create)
                self.engine = create_engine(url, connect_args={"timeout": 60})
                _sqlite_setup(self.engine)
            else:
                self.engine = create_engine(url, pool_pre_ping=True)
        except (ImportError, NoSuchModuleError) as exc:
            raise StoreError(
                NO_DRIVER.format(url=parsed.render_as_string(hide_password=True), reason=exc)
            ) from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._database = self.engine.url.render_as_string(hide_password=False)
        self._watch: LedgerWatch | None = None

    @staticmethod
    def _sqlite_file(database: str | None, *, create: bool) -> None:
        """Refuse a missing file when not creating; create its folder owner-only when creating."""
        if not database or database == ":memory:" or database.startswith("file:"):
            return
        path = Path(database)
        if path.exists():
            return
        if not create:
            raise StoreError(NO_DATABASE.format(path=path))
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.touch(mode=0o600)  # readable by its owner only, before SQLite opens it

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        """The URL with any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on any error.

        With ``write=True`` the transaction first takes the registry's write lock, so
        every rule it checks is checked under the same lock as the write it guards
        (SQLite transactions begin ``IMMEDIATE`` anyway; PostgreSQL takes a
        transaction-scoped advisory lock before the first read).

        Raises
        ------
        StoreError
            When the database fails (unreachable, locked, constraint broken);
            the message names the database and the reason in one line.
        """
        session = self._sessions()
        try:
            if write:
                lock_writes(session)
            yield session
            appended = notify_append(session)
            session.commit()
        except SignoffError:
            session.rollback()
            raise
        except (OperationalError, DBAPIError, SQLAlchemyError) as exc:
            session.rollback()
            raise StoreError(
                UNREACHABLE.format(url=self.display_url, reason=_one_line(exc))
            ) from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        if appended is not None:  # committed: this process's watches learn it at once
            announce(self._database, appended)

    @property
    def watch(self) -> LedgerWatch:
        """The ledger's size as learnt from commits, without a query (one per store;
        see :mod:`signoff.store._watch`)."""
        if self._watch is None:
            self._watch = LedgerWatch(self.engine, self._database)
        return self._watch

    def dispose(self) -> None:
        """Stop watching the ledger and close every pooled connection."""
        if self._watch is not None:
            self._watch.close()
        self.engine.dispose()
