"""What the Annex IV sections read: claims, sections, the evidence cited, and the facts
gathered once from the registry and the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..ledger import LedgerEvent
from ..registry import AuditRecord, Core
from ..workflow import Judgement, Rules

__all__ = ["Claim", "Evidence", "Facts", "Section"]


@dataclass
class Claim:
    """One statement and the evidence it rests on."""

    text: str
    cites: list[dict[str, Any]]


@dataclass
class Section:
    """One Annex IV section: its claims (none: "not recorded")."""

    id: str
    title: str
    annex_iv: str
    claims: list[Claim] = field(default_factory=list)


class Evidence:
    """The events and files cited so far."""

    def __init__(self) -> None:
        self.events: dict[int, LedgerEvent] = {}

    def event(self, e: LedgerEvent) -> dict[str, Any]:
        self.events[e.seq] = e
        return {"kind": "ledger_event", "seq": e.seq, "action": e.action, "leaf_hash": e.leaf_hash}

    @staticmethod
    def file(sha256: str, filename: str) -> dict[str, Any]:
        return {"kind": "file", "sha256": sha256, "filename": filename}


@dataclass
class Facts:
    """Everything the sections read, gathered in one read of the registry and the ledger."""

    core: Core
    ev: Evidence
    events: list[LedgerEvent]
    by_action: dict[str, list[LedgerEvent]]
    audits: list[AuditRecord]
    latest: AuditRecord | None
    results: dict[str, Any]
    manifest: dict[str, Any]
    res_cite: list[dict[str, Any]]
    man_cite: list[dict[str, Any]]
    rules: Rules
    stage: str
    judged: Judgement | None
