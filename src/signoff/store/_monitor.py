"""Monitoring in the store: its records, its reads, and the content-addressed documents.

A profile or a window's results is stored once under the SHA-256 of its canonical
JSON (:func:`keep_document`, in the transaction of the event that cites the hash);
:func:`check_documents` re-hashes every body and finds every cited hash, for
``ledger verify``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ._models import (
    LedgerEventRow,
    ModelRow,
    MonitorBaselineRow,
    MonitorDocumentRow,
    MonitorWindowRow,
    VersionRow,
)

__all__ = [
    "MonitorBaseline",
    "MonitorReads",
    "MonitorWindow",
    "check_documents",
    "keep_document",
]

NO_DOCUMENT = "no monitoring document {sha256} in the registry"
ALTERED = "monitoring document {sha256} was altered (its content no longer hashes to it)"


@dataclass(frozen=True)
class MonitorWindow:
    """One monitored window as recorded (``superseded_by``: the seq of its re-run)."""

    seq: int
    model: str
    version: str
    start: dt.datetime | None
    end: dt.datetime | None
    rows: int
    status: str
    failed_gates: tuple[dict[str, Any], ...]
    label_coverage: float | None
    profile_sha256: str
    results_sha256: str
    batch_sha256: str
    config_sha256: str
    superseded_by: int | None
    actor: str
    at: dt.datetime

    @property
    def ref(self) -> str:
        """``model@version``."""
        return f"{self.model}@{self.version}"


@dataclass(frozen=True)
class MonitorBaseline:
    """A reference profile recorded for a version."""

    seq: int
    model: str
    version: str
    profile_sha256: str
    config_sha256: str
    rows: int
    actor: str
    at: dt.datetime
    reference: dict[str, Any] = field(default_factory=dict)


def keep_document(session: Session, kind: str, body: bytes) -> str:
    """Store ``body`` (canonical JSON) under its SHA-256, once; returns the hash."""
    sha = hashlib.sha256(body).hexdigest()
    if session.get(MonitorDocumentRow, sha) is None:
        session.add(MonitorDocumentRow(sha256=sha, kind=kind, body=body.decode("utf-8")))
        session.flush()
    return sha


def check_documents(session: Session) -> list[str]:
    """Problems with the monitoring documents: a body that does not hash to its key,
    or a hash a recorded window or baseline cites that is not stored."""
    problems = []
    stored: set[str] = set()
    for sha, body in session.execute(select(MonitorDocumentRow.sha256, MonitorDocumentRow.body)):
        if hashlib.sha256(body.encode("utf-8")).hexdigest() != sha:
            problems.append(
                f"monitoring document {sha} was altered (its content no longer hashes to it)"
            )
        stored.add(sha)
    cited = [
        *session.execute(
            select(MonitorWindowRow.ledger_seq, MonitorWindowRow.profile_sha256)
        ).all(),
        *session.execute(
            select(MonitorWindowRow.ledger_seq, MonitorWindowRow.results_sha256)
        ).all(),
        *session.execute(
            select(MonitorBaselineRow.ledger_seq, MonitorBaselineRow.profile_sha256)
        ).all(),
    ]
    for seq, sha in sorted(cited):
        if sha not in stored:
            problems.append(f"event {seq} cites monitoring document {sha}, which is missing")
    return problems


class MonitorReads:
    """Monitoring reads, mixed into :class:`~signoff.store.Repository`."""

    _session: Session

    def monitor_windows(
        self,
        *,
        model: str | None = None,
        version: str | None = None,
        current_only: bool = False,
        since: dt.datetime | None = None,
    ) -> list[MonitorWindow]:
        """Recorded windows, in window order (start, then seq); one query."""
        query = (
            select(MonitorWindowRow, ModelRow.name, VersionRow.version)
            .join(VersionRow, VersionRow.id == MonitorWindowRow.version_id)
            .join(ModelRow, ModelRow.id == VersionRow.model_id)
            .order_by(MonitorWindowRow.ledger_seq)
        )
        if model is not None:
            query = query.where(ModelRow.name == model)
        if version is not None:
            query = query.where(VersionRow.version == version)
        if current_only:
            query = query.where(MonitorWindowRow.superseded_by.is_(None))
        rows = [_window(r, m, v) for r, m, v in self._session.execute(query)]
        if since is not None:
            rows = [w for w in rows if (w.start or w.at) >= since]
        return sorted(rows, key=_window_order)

    def monitor_alert_counts(self) -> dict[str, int]:
        """Model name → how many ``monitor.alert`` events name one of its versions (one query)."""
        rows = self._session.execute(
            select(LedgerEventRow.subject, func.count())
            .where(LedgerEventRow.action == "monitor.alert")
            .group_by(LedgerEventRow.subject)
        )
        counts: dict[str, int] = {}
        for subject, count in rows:
            model = subject.removeprefix("version:").rpartition("@")[0]
            counts[model] = counts.get(model, 0) + count
        return counts

    def monitor_baselines(self, model: str | None = None) -> list[MonitorBaseline]:
        """Recorded reference profiles, oldest first."""
        query = (
            select(MonitorBaselineRow, ModelRow.name, VersionRow.version)
            .join(VersionRow, VersionRow.id == MonitorBaselineRow.version_id)
            .join(ModelRow, ModelRow.id == VersionRow.model_id)
            .order_by(MonitorBaselineRow.ledger_seq)
        )
        if model is not None:
            query = query.where(ModelRow.name == model)
        return [
            MonitorBaseline(
                r.ledger_seq,
                m,
                v,
                r.profile_sha256,
                r.config_sha256,
                r.rows,
                r.actor,
                r.at,
                dict(r.reference),
            )
            for r, m, v in self._session.execute(query)
        ]

    def monitor_documents(self, hashes: Sequence[str]) -> dict[str, str]:
        """Stored documents by hash (canonical JSON text); NotFound names a missing one."""
        wanted = sorted(set(hashes))
        found = dict(
            self._session.execute(
                select(MonitorDocumentRow.sha256, MonitorDocumentRow.body).where(
                    MonitorDocumentRow.sha256.in_(wanted)
                )
            ).all()
        )
        for sha in wanted:
            if sha not in found:
                raise NotFound(NO_DOCUMENT.format(sha256=sha))
        return found


def _window_order(w: MonitorWindow) -> tuple[dt.datetime, int]:
    return (w.start or w.at, w.seq)


def _window(r: MonitorWindowRow, model: str, version: str) -> MonitorWindow:
    return MonitorWindow(
        seq=r.ledger_seq,
        model=model,
        version=version,
        start=r.window_start,
        end=r.window_end,
        rows=r.rows,
        status=r.status,
        failed_gates=tuple(r.failed_gates),
        label_coverage=r.label_coverage,
        profile_sha256=r.profile_sha256,
        results_sha256=r.results_sha256,
        batch_sha256=r.batch_sha256,
        config_sha256=r.config_sha256,
        superseded_by=r.superseded_by,
        actor=r.actor,
        at=r.at,
    )
