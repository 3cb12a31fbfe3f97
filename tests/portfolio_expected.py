"""What the portfolio and its trends must say, computed independently from the raw ledger
events and the stored results files (no portfolio, workflow or policy code)."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import defaultdict
from typing import Any

from signoff.ledger import iter_events

REVIEW_DAYS = {"high": 90, "medium": 180, "low": 365}
ORDER = ["compliant", "attention", "blocked"]


def raw_events(api: Any) -> list[Any]:
    with api.store.transaction() as session:
        return list(iter_events(session))


def _t(ts: str) -> dt.datetime:
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))


def replay_facts(events: list[Any], now: dt.datetime) -> dict[str, Any]:
    """A plain fold over the events up to ``now``."""
    f: dict[str, Any] = {
        "models": {},
        "stage": {},
        "audits": defaultdict(list),
        "waivers": {},
        "crs": {},
        "windows": [],
        "alerts": [],
        "rollbacks": [],
    }
    for e in events:
        at, p = _t(e.ts), e.payload
        if at > now:
            break
        if e.action == "model.registered":
            f["models"][p["name"]] = {
                "team": p["team"],
                "tier": p["risk_tier"],
                "owner": p["owner"],
            }
        elif e.action == "version.stage_changed":
            f["stage"][e.subject.removeprefix("version:")] = (p["to"], e.seq)
        elif e.action == "audit.attached":
            f["audits"][e.subject.removeprefix("version:")].append(
                {"results": p["results_sha256"], "gates": p["gates"], "at": at}
            )
        elif e.action == "waiver.requested":
            f["waivers"][p["waiver"]] = {
                "ref": e.subject.removeprefix("version:"),
                "gate": p["gate"],
                "until": dt.datetime.fromisoformat(p["until"]),
                "granted": False,
            }
        elif e.action == "waiver.granted":
            f["waivers"][p["waiver"]]["granted"] = True
        elif e.action in ("cr.opened", "emergency.opened"):
            f["crs"][e.subject] = {
                "ref": p["version"],
                "to": p["to_stage"],
                "opened": at,
                "emergency": e.action == "emergency.opened",
                "p": p,
                "moves": [],
                "reviewed": False,
            }
        elif e.action.startswith("cr.") and e.subject in f["crs"] and "to" in p:
            f["crs"][e.subject]["moves"].append((p["to"], at))
        elif e.action == "emergency.reviewed":
            f["crs"][e.subject]["reviewed"] = True
        elif e.action == "monitor.window":
            f["windows"].append((at, p))
        elif e.action == "monitor.alert":
            f["alerts"].append((at, p))
        elif e.action == "model.rolled_back":
            f["rollbacks"].append((at, p))
    return f


def _holder(f: dict[str, Any], model: str, stage: str) -> str | None:
    held = [
        (seq, ref)
        for ref, (s, seq) in f["stage"].items()
        if s == stage and ref.startswith(model + "@")
    ]
    return max(held)[1].partition("@")[2] if held else None


def expected_portfolio(api: Any, events: list[Any], now: dt.datetime) -> dict[str, dict[str, Any]]:
    """{model: {status, production, staging, next_review_due, findings: {(kind, status)}}}."""
    f = replay_facts(events, now)
    out = {}
    for name, m in f["models"].items():
        prod, found = _holder(f, name, "production"), set()
        if prod is not None:
            ref = f"{name}@{prod}"
            results = json.loads(api.core.artifacts.get(f["audits"][ref][-1]["results"]))
            if results["overall"]["roc_auc"]["value"] < 0.7:
                found.add(("gate", "blocked"))
            if results["overall"]["min_group_size"]["value"] < 30:
                valid = [
                    w["until"]
                    for w in f["waivers"].values()
                    if w["ref"] == ref
                    and w["granted"]
                    and w["gate"] == "groups"
                    and w["until"] >= now
                ]
                if not valid or min(valid) < now + dt.timedelta(days=30):
                    found.add(("gate", "attention"))
        crs = [c for c in f["crs"].values() if c["ref"].startswith(name + "@")]
        for c in crs:
            if not c["emergency"]:
                continue
            if not c["reviewed"] and now >= dt.datetime.fromisoformat(c["p"]["review_due_at"]):
                found.add(("review", "attention"))
            state = c["moves"][-1][0] if c["moves"] else "draft"
            if (
                state == "deployed"
                and c["ref"] == f"{name}@{prod}"
                and now > dt.datetime.fromisoformat(c["p"]["expires_at"])
            ):
                found.add(("emergency", "blocked"))
        windows = [p for _, p in f["windows"] if p["model"] == name and p["version"] == prod]
        if windows:
            last = max(windows, key=lambda p: p["window"]["end"])
            if last["status"] in ("error", "warning"):
                found.add(("monitoring", "blocked" if last["status"] == "error" else "attention"))
        approvals = [
            at for c in crs if c["to"] == "production" for to, at in c["moves"] if to == "approved"
        ]
        due = None
        if prod is not None and approvals:
            due = max(approvals) + dt.timedelta(days=REVIEW_DAYS[m["tier"]])
            if now > due:
                found.add(("review_due", "attention"))
        status = ORDER[max([ORDER.index(s) for _, s in found], default=0)]
        out[name] = {
            "status": status,
            "production": prod,
            "staging": _holder(f, name, "staging"),
            "next_review_due": due.date().isoformat() if due else None,
            "findings": found,
            "team": m["team"],
        }
    return out


def _p90(values: list[float]) -> float:
    return (
        values[0] if len(values) == 1 else statistics.quantiles(values, n=10, method="inclusive")[8]
    )


def expected_trends(events: list[Any], now: dt.datetime) -> dict[str, Any]:
    f = replay_facts(events, now)
    tiers = {n: m["tier"] for n, m in f["models"].items()}
    velocity: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    deploys = rolled = 0
    for c in f["crs"].values():
        if c["to"] != "production":
            continue
        tier = tiers[c["ref"].partition("@")[0]]
        firsts: dict[str, dt.datetime] = {}
        for to, at in c["moves"]:
            firsts.setdefault(to, at)
        for what in ("approved", "deployed"):
            if what in firsts:
                velocity[tier][what].append((firsts[what] - c["opened"]).total_seconds() / 3600)
        if "deployed" in firsts:
            deploys += 1
            rolled += "rolled_back" in firsts
    per_month: dict[str, int] = defaultdict(int)
    judged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures: dict[str, int] = defaultdict(int)
    for audits in f["audits"].values():
        for a in audits:
            month = a["at"].strftime("%Y-%m")
            per_month[month] += 1
            for gate, status in a["gates"].items():
                if status != "INFO":
                    judged[month][0] += 1
                    judged[month][1] += status == "PASS"
                if status in ("WARN", "FAIL", "ERROR"):
                    failures[gate] += 1
    return {
        "velocity": {
            tier: {
                what: {"n": len(v), "median_hours": statistics.median(v), "p90_hours": _p90(v)}
                for what, v in d.items()
            }
            for tier, d in velocity.items()
        },
        "change_failure": {"deploys": deploys, "rolled_back": rolled},
        "audits_per_month": dict(per_month),
        "pass_rate": {m: p / n for m, (n, p) in judged.items() if n},
        "failures": dict(failures),
        "rollbacks": f["rollbacks"],
        "alerts": f["alerts"],
        "windows": f["windows"],
    }
