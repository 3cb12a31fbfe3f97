"""The leaf check in a child process, on the second core, while this process folds.

``portfolio --at`` and the executive report rest on every leaf of the ledger being
checked; on a large ledger reading and hashing the rows is about half of their work, and
folding the events the other half.  Neither needs the other until the end, so a
short-lived command (the ``signoff`` console script) on a machine with a second core runs
the check in a child process (:func:`~._leafcheck.main`, a fresh interpreter that imports
only the standard library and the driver) while it reads and folds the same rows:

* **The same rows.**  The child reads in a transaction that sees exactly what this
  process's sees.  SQLite: every transaction here begins ``IMMEDIATE``, so this one holds
  the write lock, and it ends only once the child has begun reading — no commit can come
  between.  PostgreSQL: this transaction is ``REPEATABLE READ`` and exports its snapshot
  (``pg_export_snapshot``), which the child imports (``SET TRANSACTION SNAPSHOT``) —
  as ``pg_dump --jobs`` does.
* **Nothing computed is returned unchecked.**  The prefix's root, which everything a
  caller returns cites, is the child's verdict (:meth:`AsideCheck.root`); an error raised
  while folding an edited event gives way to the check's (:meth:`AsideCheck.after`).
* **A child that cannot start changes nothing**: before it holds the snapshot (no free
  connection, no interpreter), this process checks the leaves itself, in the same
  transaction.  One that fails later is a database failure (:class:`StoreError`).

``SIGNOFF_CHECK_ASIDE=0`` keeps the check in the process; ``1`` hands it over whatever
the process and the ledger's size (tests).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from .._cores import usable_cores
from .._gc import is_short_lived
from ..errors import LedgerVerificationError, StoreError
from ..store import Store
from ._leafcheck import BLOCK, BOOT
from ._log import leaf_hashes

__all__ = ["ASIDE_ENV", "MIN_EVENTS", "AsideCheck", "aside_wanted"]

ASIDE_ENV = "SIGNOFF_CHECK_ASIDE"
#: The ledger size from which a second process pays: its start (an interpreter and a
#: connection: 0.04–0.05 s for SQLite; importing psycopg adds about 0.3 s, on the second
#: core) against about 5 µs of reading and hashing per event saved on the first.
MIN_EVENTS = 20_000
#: Seconds to wait for the child to hold the snapshot before checking here instead.
READY_WITHIN = 60.0
FAILED = (
    "checking the ledger's leaves in a second process failed: {reason} "
    f"(set {ASIDE_ENV}=0 to check them in the command's own process)"
)


def aside_wanted(store: Store, events: int) -> bool:
    """Whether a ledger of ``events`` events is checked in a child process: set by
    :data:`ASIDE_ENV`, else in a short-lived process with a second core and a ledger of
    at least :data:`MIN_EVENTS` events; never for an in-memory SQLite database, nor off
    POSIX systems."""
    database = store.engine.url.database or ""
    if store.dialect == "sqlite" and (database in ("", ":memory:") or database.startswith("file:")):
        return False
    if os.name != "posix":  # the child's answer is awaited with select() on a pipe
        return False
    setting = os.environ.get(ASIDE_ENV, "")
    if setting in ("0", "1"):
        return setting == "1"
    return is_short_lived() and events >= MIN_EVENTS and usable_cores() >= 2


def _job(store: Store, session: Session, size: int) -> dict[str, Any]:
    job: dict[str, Any] = {"dialect": store.dialect, "size": size, "block": BLOCK}
    if store.dialect == "postgresql":
        _, params = store.engine.dialect.create_connect_args(store.engine.url)
        plain = (str, int, float, bool)  # the conninfo (not SQLAlchemy's type adapters)
        job["connect"] = {k: v for k, v in params.items() if isinstance(v, plain)}
        job["snapshot"] = session.scalar(text("SELECT pg_export_snapshot()"))
    else:
        job["database"] = str(Path(store.engine.url.database or "").resolve())
    return job


class AsideCheck:
    """A child process checking every leaf of the ledger as this transaction sees it."""

    def __init__(self, store: Store, process: subprocess.Popen[str], errors: IO[bytes]) -> None:
        self._store = store
        self._process = process
        self._errors = errors  # the child's stderr: a file, so it can never block on it
        self._verdict: dict[str, Any] | None = None

    @classmethod
    def start(cls, store: Store, session: Session, size: int) -> AsideCheck | None:
        """Start the child for the root of the first ``size`` leaves (call within the
        transaction, then :meth:`ready` before it ends); None: no process could start."""
        job = json.dumps(_job(store, session, size))
        errors = tempfile.TemporaryFile()  # noqa: SIM115 — closed with the child (close())
        try:
            process = subprocess.Popen(  # this interpreter, our own module
                [sys.executable, "-c", BOOT, str(Path(__file__).parent)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
        except OSError:
            errors.close()
            return None
        assert process.stdin is not None
        try:
            process.stdin.write(job + "\n")
            process.stdin.close()
        except OSError:  # it ended at once (BrokenPipeError): ready() says so
            pass
        return cls(store, process, errors)

    def _line(self, timeout: float | None = None) -> dict[str, Any]:
        stream: IO[str] | None = self._process.stdout
        assert stream is not None
        if timeout is not None and not select.select([stream], [], [], timeout)[0]:
            return {"failed": f"no answer within {timeout:.0f} s"}
        line = stream.readline()
        if not line:
            self._process.wait()
            self._errors.seek(0)
            said = self._errors.read().decode("utf-8", "replace").strip().splitlines()
            return {"failed": f"it ended ({self._process.returncode}): {(said or ['-'])[-1]}"}
        try:
            message: dict[str, Any] = json.loads(line)
        except ValueError:
            return {"failed": f"an answer that is not its own: {line.strip()[:80]!r}"}
        return message if isinstance(message, dict) else {"failed": repr(message)[:80]}

    def ready(self) -> bool:
        """Whether the child holds this transaction's view (call before it ends); False:
        it could not start, and the caller checks the leaves itself."""
        if "ready" in self._line(READY_WITHIN):
            return True
        self.close()
        return False

    def _wait(self) -> dict[str, Any]:
        if self._verdict is None:
            verdict = self._line()
            if "ready" in verdict:  # (not read yet: the caller failed before asking)
                verdict = self._line()
            self._verdict = verdict
            self.close()
        return self._verdict

    def root(self, size: int) -> bytes:
        """The root of the first ``size`` leaves, once the child has checked every leaf.

        Raises
        ------
        LedgerVerificationError
            An event of the ledger is missing or no longer matches its leaf hash.
        StoreError
            The child failed after it began (a lost connection, a killed process).
        """
        verdict = self._wait()
        if "edited" in verdict:
            raise LedgerVerificationError(verdict["edited"])
        if "root" not in verdict or verdict["leaves"] < size:
            raise StoreError(FAILED.format(reason=verdict.get("failed", verdict)))
        return bytes.fromhex(verdict["root"])

    def after(self, error: BaseException | None) -> None:
        """End the check once the caller is done (``error`` None) or failed: after an
        error, raise the check's instead if an event was edited (an edited event explains
        what failed), else return and let the caller's stand; interrupted (not an
        ``Exception``), await no verdict."""
        if not isinstance(error, Exception):
            self.close()
            return
        verdict = self._wait()
        try:
            if "edited" in verdict:
                raise LedgerVerificationError(verdict["edited"])
            if "failed" in verdict:  # no verdict: the leaves checked here, in a new transaction
                with self._store.transaction() as session:
                    leaf_hashes(session)
        except LedgerVerificationError as edited:
            raise edited from error

    def close(self) -> None:
        """End the child (if it still runs) and reap it."""
        if self._process.poll() is None and self._verdict is None:
            self._process.kill()
        self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._errors.close()
