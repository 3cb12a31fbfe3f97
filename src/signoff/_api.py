"""``signoff.connect``: the one entry point to the registry, the workflow and the ledger.

The CLI, a server and a script all start here, so they share one core::

    import signoff
    s = signoff.connect("sqlite:///gov.db")        # created and migrated when new
    s.registry.add_user("ada", "ada@example.org", ["approver"], actor=None)
    s.workflow.open_cr(...)
    s.ledger.verify()
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .ledger import Checkpoint, Verification, verify_ledger
from .portfolio import Portfolio
from .registry import Clock, Core, Registry, utc_now
from .store import ArtifactStore, Store, open_store, signoff_home
from .workflow import Workflow

if TYPE_CHECKING:
    from ._monitoring import Monitoring

__all__ = ["Ledger", "Signoff", "connect"]


@dataclass(frozen=True)
class Ledger:
    """The ledger of one registry."""

    store: Store

    def verify(
        self, *, checkpoint: Checkpoint | None = None, writer_key: str | None = None
    ) -> Verification:
        """Recompute every hash and re-derive every table from the events (and check the
        server's writer signatures against its public ``writer_key``); see
        :func:`signoff.ledger.verify_ledger`."""
        return verify_ledger(self.store, checkpoint=checkpoint, writer_key=writer_key)


class Signoff:
    """One registry: ``.registry``, ``.workflow``, ``.ledger`` and ``.portfolio`` over one core."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.registry = Registry(core)
        self.workflow = Workflow(self.registry)
        self.ledger = Ledger(core.store)
        self.portfolio = Portfolio(core)

    @property
    def monitor(self) -> Monitoring:
        """Monitoring of registered models (loads the statistics stack when first used)."""
        from ._monitoring import Monitoring

        return Monitoring(self)

    @property
    def store(self) -> Store:
        """The database."""
        return self.core.store

    def close(self) -> None:
        """Release the database connections."""
        self.core.store.dispose()

    def __enter__(self) -> Signoff:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(
    url: str | None = None,
    *,
    create: bool = True,
    artifacts: str | Path | ArtifactStore | None = None,
    clock: Clock = utc_now,
    after_commit: Callable[[Signoff], None] | None = None,
    signing_key: str | None = None,
    writer_key: str | None = None,
) -> Signoff:
    """Open (and, with ``create``, create and migrate) a registry.

    Parameters
    ----------
    url : str, optional
        A SQLAlchemy database URL; default ``SIGNOFF_DATABASE_URL`` or the SQLite file
        under ``SIGNOFF_HOME`` (``./.signoff/signoff.db``).
    create : bool
        Create and migrate a fresh database (an existing one behind this signoff's
        schema is an error that says how to upgrade).
    artifacts : path or ArtifactStore, optional
        Where content-addressed files live; default ``SIGNOFF_ARTIFACT_ROOT`` or
        ``<SIGNOFF_HOME>/artifacts``.
    clock : callable
        Returns the current time (tests inject their own).
    after_commit : callable, optional
        Called after every write commits: a notifier (the CLI delivers webhooks once,
        quickly; a server delivers in the background; ``signoff notify deliver`` retries).
    signing_key : str, optional
        The acting person's Ed25519 private key (text of ``signoff ledger keygen``): every
        action they take is signed. Governance ``signatures: required`` refuses unsigned
        actions, and ``ledger verify`` checks every signature.
    writer_key : str, optional
        The writer's Ed25519 private key (``signoff serve`` reads ``SIGNOFF_WRITER_KEY``):
        every ledger event appended through this connection carries its signature, which
        ``ledger verify --writer-key`` checks.
    """
    store = open_store(url, create=create)
    if artifacts is None:
        root = os.environ.get("SIGNOFF_ARTIFACT_ROOT")
        artifacts = Path(root) if root else signoff_home() / "artifacts"
    core = Core(
        store,
        artifacts=artifacts if isinstance(artifacts, ArtifactStore) else Path(artifacts),
        clock=clock,
        signing_key=signing_key,
        writer_key=writer_key,
    )
    api = Signoff(core)
    if after_commit is not None:
        core.after_commit.append(lambda: after_commit(api))
    return api
