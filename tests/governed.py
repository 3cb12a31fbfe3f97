"""A governed registry for tests: two admins, a credit-model team, the fraud model, and
versions that pass the production policy once their warning is waived.

:class:`World` wraps a ``signoff.connect`` API (the ``api`` fixture, on SQLite and
PostgreSQL) with the steps tests repeat: add a version with evidence, open, sign,
approve and deploy a change request.  The ``world`` fixture (in conftest) builds one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text

from conftest import write_governance
from signoff.registry import VersionRef

__all__ = ["PEOPLE", "POLICY", "SIGNERS", "World", "build_world"]

PEOPLE = {
    "alice": ["requester"],
    "dave": ["data_reviewer", "risk_reviewer"],  # one person, two roles
    "rita": ["risk_reviewer"],
    "rob": ["risk_reviewer"],
    "oscar": ["ops_reviewer"],
    "anna": ["approver"],
    "olga": ["operator"],
    "carl": ["on_call"],
    "erin": ["auditor"],
}
SIGNERS = (
    ("dave", "data_reviewer"),
    ("rita", "risk_reviewer"),
    ("oscar", "ops_reviewer"),
    ("anna", "approver"),
)
POLICY = {
    "policy_name": "Fraud production",
    "version": "1",
    "gates": [
        {
            "name": "Discrimination",
            "id": "auc",
            "metric": "roc_auc",
            "threshold": 0.7,
            "comparison": "greater_equal",
            "severity": "error",
        },
        {
            "name": "Small groups",
            "id": "groups",
            "metric": "min_group_size",
            "threshold": 30,
            "comparison": "greater_equal",
            "severity": "warning",
        },
    ],
}


@dataclass
class World:
    api: Any
    clock: Any
    tmp: Path
    audited: dict[str, Path]

    @property
    def r(self) -> Any:
        return self.api.registry

    @property
    def w(self) -> Any:
        return self.api.workflow

    def version(
        self,
        version: str,
        *,
        model: str = "good",
        artifacts: bool = True,
        audit: bool = True,
        waive: bool = True,
    ) -> VersionRef:
        ref = VersionRef("fraud", version)
        self.r.add_version(
            ref, framework="sklearn", model_file=self.audited[f"{model}.skops"], actor="alice"
        )
        if audit:
            self.r.attach_audit(ref, self.audited[model], actor="alice")
        if artifacts:
            for kind in ("model_card", "validation_report", "rollback_plan"):
                self.r.add_artifact(
                    ref, kind, f"{kind} {version}".encode(), filename=f"{kind}.md", actor="alice"
                )
        if waive:
            waiver = self.w.request_waiver(
                ref,
                gate="groups",
                reason="pilot, more data in Q2",
                until=self.clock() + dt.timedelta(days=30),
                actor="alice",
            )
            self.w.grant_waiver(waiver.id, actor="rita")
        return ref

    def opened(self, ref: VersionRef, *, submit: bool = True) -> str:
        cr = self.w.open_cr(ref, to_stage="production", summary=f"ship {ref}", actor="alice").id
        if submit:
            self.w.submit(cr, actor="alice")
        return cr

    def sign(
        self, cr: str, signers: tuple[tuple[str, str], ...] = SIGNERS, decision: str = "approve"
    ) -> Any:
        done = None
        for user, role in signers:
            done = self.w.sign(
                cr,
                actor=user,
                role=role,
                decision=decision,
                comment=f"{role} checked the evidence for {cr}",
            )
        return done

    def approved(self, version: str = "1.0", **kw: Any) -> str:
        cr = self.opened(self.version(version, **kw))
        assert self.sign(cr).state == "approved"
        return cr

    def deployed(self, version: str = "1.0") -> str:
        cr = self.approved(version)
        self.w.deploy(cr, actor="olga")
        return cr

    def sql(self, *statements: str) -> None:
        """Write around the application, as someone with database access would."""
        with self.api.store.engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))

    def governance(self, adjust: Callable[[dict], None], name: str = "gov") -> Path:
        """The world's governance (production judged by the fraud policy), then ``adjust``."""
        folder = self.tmp / name
        folder.mkdir(exist_ok=True)
        policy = str(self.tmp / "fraud-production.yaml")

        def both(settings: dict) -> None:
            settings["stages"]["production"]["policy"] = policy
            adjust(settings)

        return write_governance(folder, both)


def build_world(api: Any, clock: Any, tmp_path: Path, audited: dict[str, Path]) -> World:
    r = api.registry
    r.add_user("admin", "admin@example.org", ["admin"], actor=None)
    for name, roles in PEOPLE.items():
        r.add_user(name, f"{name}@example.org", roles, actor="admin")
    r.register_model(
        "fraud", owner="alice", team="risk", use_case="card fraud", risk_tier="high", actor="alice"
    )
    policy = tmp_path / "fraud-production.yaml"
    policy.write_text(yaml.safe_dump(POLICY))
    found = World(api, clock, tmp_path, audited)
    path = found.governance(lambda g: None, "base")
    api.workflow.propose_governance(path, actor="admin")  # one admin: in force at once
    r.add_user("admin2", "admin2@example.org", ["admin"], actor="admin")  # from now on: four eyes
    return found
