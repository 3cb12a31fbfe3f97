"""A seeded portfolio built through the workflow with an injected clock: a dozen models over
six simulated months — passes, failures, waivers, an emergency, a rollback, monitoring
windows and alerts, overdue reviews.  ``tests/test_portfolio*.py`` check every figure
against values they compute from the raw ledger events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conftest import NO_POLICY_REASON, write_governance
from governed import POLICY as GOVERNED_POLICY
from signoff.registry import VersionRef

PEOPLE = {
    "alice": ["requester"],
    "anna": ["approver"],
    "rita": ["risk_reviewer"],
    "olga": ["operator"],
    "carl": ["on_call"],
    "mona": ["monitor"],
}
POLICY = {**GOVERNED_POLICY, "policy_name": "Portfolio production"}  # the same two gates
# name: (team, risk tier)
MODELS = {
    "m01": ("credit", "high"),
    "m02": ("credit", "medium"),
    "m03": ("credit", "low"),
    "m04": ("fraud", "high"),
    "m05": ("fraud", "medium"),
    "m06": ("fraud", "high"),
    "m07": ("fraud", "medium"),
    "m08": ("marketing", "high"),
    "m09": ("marketing", "low"),
    "m10": ("marketing", "low"),
    "m11": ("credit", "medium"),
    "m12": ("marketing", "medium"),
}


def _governance(tmp: Path) -> Path:
    policy = tmp / "portfolio-production.yaml"
    policy.write_text(yaml.safe_dump(POLICY))

    def adjust(settings: dict) -> None:
        settings["stages"]["production"].update(policy=str(policy), artifacts=[])
        settings["stages"]["staging"] = {"policy": "none", "reason": NO_POLICY_REASON}
        settings["approvals"] = {
            level: [{"role": "approver", "count": 1}] for level in ("low", "medium", "high")
        }

    folder = tmp / "gov"
    folder.mkdir(exist_ok=True)
    return write_governance(folder, adjust)


@dataclass
class World:
    api: Any
    clock: Any
    audited: dict[str, Path]
    #: (moment, label) the test copies the database at, in order
    marks: list[tuple[dt.datetime, str]] = field(default_factory=list)

    @property
    def r(self) -> Any:
        return self.api.registry

    @property
    def w(self) -> Any:
        return self.api.workflow

    def days(self, n: float) -> None:
        self.clock.advance(days=n)

    def version(self, model: str, version: str, kind: str = "good") -> VersionRef:
        ref = VersionRef(model, version)
        self.r.add_version(
            ref, framework="sklearn", model_file=self.audited[f"{kind}.skops"], actor="alice"
        )
        self.r.attach_audit(ref, self.audited[kind], actor="alice")
        return ref

    def waive(self, ref: VersionRef, days: float) -> None:
        waiver = self.w.request_waiver(
            ref,
            gate="groups",
            reason="pilot, more data next quarter",
            until=self.clock() + dt.timedelta(days=days),
            actor="alice",
        )
        self.w.grant_waiver(waiver.id, actor="rita")

    def ship(
        self, ref: VersionRef, *, hours_to_approve: float = 5, hours_to_deploy: float = 20
    ) -> str:
        cr = self.w.open_cr(ref, to_stage="production", summary=f"ship {ref}", actor="alice").id
        self.w.submit(cr, actor="alice")
        self.clock.advance(hours=hours_to_approve)
        self.w.sign(
            cr,
            actor="anna",
            role="approver",
            decision="approve",
            comment=f"approver checked the evidence for {cr}",
        )
        self.clock.advance(hours=hours_to_deploy)
        self.w.deploy(cr, actor="olga")
        return cr

    def window(self, model: str, version: str, status: str, *, alert: bool = False) -> None:
        end = self.clock()
        start = end - dt.timedelta(days=1)
        failed = (
            []
            if status == "pass"
            else [
                {
                    "gate": "Drift",
                    "metric": "psi_max",
                    "severity": "error" if status == "error" else "warning",
                    "value": 0.31,
                    "threshold": 0.2,
                }
            ]
        )
        payload = {
            "model": model,
            "version": version,
            "window": {"start": start.isoformat(), "end": end.isoformat()},
            "rows": 5000,
            "status": status,
            "failed_gates": failed,
            "label_coverage": 0.5,
            "reference_profile_sha256": "2" * 64,
            "batch_sha256": "3" * 64,
            "labels_sha256": None,
            "config_sha256": "4" * 64,
            "supersedes": None,
        }
        # the events `signoff monitor run` records (the portfolio reads them by action name)
        with self.api.core.write("mona") as unit:
            payload["profile_sha256"] = unit.keep("profile", b'{"window":"profile"}')
            payload["results_sha256"] = unit.keep("results", f'{{"status":"{status}"}}'.encode())
            unit.emit("monitor.window", f"version:{model}@{version}", payload)
            if alert:
                unit.emit(
                    "monitor.alert",
                    f"model:{model}",
                    {
                        "model": model,
                        "version": version,
                        "window_start": start.isoformat(),
                        "severity": status,
                        "gates": ["Drift"],
                    },
                )


def build(
    api: Any,
    clock: Any,
    tmp: Path,
    audited: dict[str, Path],
    mark: Callable[[str], None] | None = None,
) -> World:
    """The seeded portfolio; ``mark(label)`` is called at the moments a test copies the database."""
    w = World(api, clock, audited)
    r = api.registry
    r.add_user("admin", "admin@example.org", ["admin"], actor=None)
    for name, roles in PEOPLE.items():
        r.add_user(name, f"{name}@example.org", roles, actor="admin")
    api.workflow.propose_governance(_governance(tmp), actor="admin")
    for name, (team, tier) in MODELS.items():
        r.register_model(
            name,
            owner="alice",
            team=team,
            use_case=f"{team} decisions",
            risk_tier=tier,
            actor="alice",
        )
    # January: the first wave ships (waivers of 80 days for the small-groups warning)
    for i, name in enumerate(("m01", "m02", "m03", "m04", "m05", "m07", "m08", "m11", "m12")):
        ref = w.version(name, "1")
        w.waive(ref, 80)
        w.ship(ref, hours_to_approve=2 + 3 * i, hours_to_deploy=10 + i)
        w.days(1)
    w.version("m09", "1", "bad")  # a failing audit, never shipped
    w.days(20)
    if mark:
        mark("february")
    # February: an emergency on m06 with a failing version; its review is never closed
    ref = w.version("m06", "1", "bad")
    cr = w.w.open_emergency(
        ref, to_stage="production", incident="INC-7", reason="fraud ring, hotfix", actor="alice"
    )
    w.w.sign(
        cr.id,
        actor="carl",
        role="on_call",
        decision="approve",
        comment="checked the hotfix on the canary",
    )
    w.clock.advance(hours=2)
    w.w.deploy(cr.id, actor="olga")
    w.days(15)
    # m10 goes to staging only
    ref10 = w.version("m10", "1")
    cr10 = w.w.open_cr(ref10, to_stage="staging", summary="try m10", actor="alice").id
    w.w.submit(cr10, actor="alice")
    w.w.sign(
        cr10,
        actor="anna",
        role="approver",
        decision="approve",
        comment="approver checked the evidence for staging",
    )
    w.w.deploy(cr10, actor="olga")
    w.days(20)
    # March: m07 ships version 2, monitoring alerts, it is rolled back to 1
    ref7 = w.version("m07", "2")
    w.waive(ref7, 80)
    w.ship(ref7, hours_to_approve=30, hours_to_deploy=4)
    w.days(2)
    w.window("m07", "2", "error", alert=True)
    w.clock.advance(hours=6)
    w.w.rollback("m07", actor="olga", reason="drift alert after v2")
    w.days(25)
    if mark:
        mark("april")
    # April–May: renewals (new audit of the same file + fresh waivers) for most of the fleet
    for name in ("m01", "m02", "m03", "m07", "m11", "m12"):
        version = "1"
        w.r.attach_audit(VersionRef(name, version), audited["good"], actor="alice")
        w.waive(VersionRef(name, version), 85)
        w.days(2)
    w.days(30)
    # m04's waiver is renewed late and short: it expires within 30 days of the end
    w.waive(VersionRef("m04", "1"), 40)
    # m01 and m02 get a fresh approval of a new version (reviews not overdue)
    for name in ("m01", "m02"):
        ref = w.version(name, "2")
        w.waive(ref, 85)
        w.ship(ref, hours_to_approve=8, hours_to_deploy=30)
        w.days(1)
    w.days(20)
    # the last day: monitoring of m11 (error), m12 (warning), m01 (pass)
    w.window("m11", "1", "error", alert=True)
    w.window("m12", "1", "warning")
    w.window("m01", "2", "pass")
    w.clock.advance(hours=1)
    return w
