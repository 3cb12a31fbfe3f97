"""The portfolio: one row per model, the counts by status, and the ledger it rests on."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from ..store import ArtifactStore
from ..workflow import Rules
from ._facts import Facts
from ._status import STATUSES, ModelStatus, model_status

__all__ = ["LedgerHead", "PortfolioView", "check_status", "compute_portfolio"]

UNKNOWN_TEAM = "unknown team {team!r}; teams: {teams}"
UNKNOWN_STATUS = "unknown status {status!r}; expected one of: {statuses}"


@dataclass(frozen=True)
class LedgerHead:
    """The ledger tree a view rests on: its size and (when computed) Merkle root."""

    size: int
    root: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"size": self.size, "root_hash": self.root}


@dataclass(frozen=True)
class PortfolioView:
    """Every model's status as of one moment."""

    as_of: dt.datetime
    ledger: LedgerHead
    governance: str
    rows: tuple[ModelStatus, ...]

    def counts(self) -> dict[str, int]:
        """How many models have each status."""
        return {s: sum(1 for r in self.rows if r.status == s) for s in STATUSES}

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document."""
        return {
            "as_of": self.as_of.isoformat(),
            "ledger": self.ledger.to_dict(),
            "governance": self.governance,
            "counts": self.counts(),
            "models": [row_dict(r) for r in self.rows],
        }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def row_dict(r: ModelStatus) -> dict[str, Any]:
    """One model's row as JSON."""
    return {
        "model": r.model.name,
        "owner": r.model.owner,
        "team": r.model.team,
        "risk_tier": r.model.risk_tier,
        "use_case": r.model.use_case,
        "production": r.production.version if r.production else None,
        "staging": r.staging.version if r.staging else None,
        "status": r.status,
        "reason": r.reason,
        "findings": [f.to_dict() for f in r.findings],
        "last_approval": _iso(r.last_approval),
        "next_review_due": r.next_review_due.date().isoformat() if r.next_review_due else None,
        "latest_audit": r.latest_audit,
        "monitoring": r.monitoring,
    }


def check_status(status: str | None) -> None:
    """ConfigError (exit 2) naming the statuses, for one that is not among them (checked
    before the registry is read: the statuses do not depend on it)."""
    if status is not None and status not in STATUSES:
        raise ConfigError(
            UNKNOWN_STATUS.format(status=status, statuses=", ".join(STATUSES)), field="--status"
        )


def check_filters(facts: Facts, team: str | None, status: str | None) -> None:
    """ConfigError (exit 2) naming the allowed values for an unknown team or status."""
    check_status(status)
    teams = sorted({m.team for m in facts.models})
    if team is not None and team not in teams:
        raise ConfigError(
            UNKNOWN_TEAM.format(team=team, teams=", ".join(teams) or "none yet"), field="--team"
        )


def compute_portfolio(
    facts: Facts,
    *,
    rules: Rules,
    artifacts: ArtifactStore,
    now: dt.datetime,
    ledger: LedgerHead,
    team: str | None = None,
    status: str | None = None,
    documents: dict[str, Any] | None = None,
) -> PortfolioView:
    """The status of every model (of ``team``, with ``status``) as of ``now``; each distinct
    audit file is parsed once (``documents``: a cache shared by several views)."""
    documents = {} if documents is None else documents
    check_filters(facts, team, status)
    production, staging = facts.holders("production"), facts.holders("staging")
    crs, windows = facts.crs_by_model(), defaultdict(list)
    for window in facts.windows():
        windows[window.model].append(window)
    rows: Sequence[ModelStatus] = [
        model_status(
            m,
            facts,
            crs.get(m.name, []),
            windows.get(m.name, []),
            production=production.get(m.name),
            staging=staging.get(m.name),
            artifacts=artifacts,
            rules=rules,
            now=now,
            documents=documents,
        )
        for m in facts.models
        if team is None or m.team == team
    ]
    kept = tuple(r for r in rows if status is None or r.status == status)
    return PortfolioView(now, ledger, rules.label, kept)
