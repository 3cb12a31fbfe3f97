"""Trends over the portfolio: gate pass rates, the most-failed gates, metrics over versions,
approval velocity, change-failure rate, time to restore, monitoring coverage, audits per month.

Definitions (docs/portfolio.md says the same):

* gate pass rate — of the gate results audits recorded (PASS, WARN, FAIL, ERROR; INFO
  gates decide nothing and are left out), the share that PASS;
* approval velocity — hours from a production CR's opening to its first approval and to its
  first deploy: median and 90th percentile (linear interpolation), per model risk tier;
* change-failure rate — production deploys whose CR was later rolled back, over deploys;
* time to restore — hours from the first monitoring alert (or failed window) on a model after
  the rolled-back version's deploy, to the rollback; rollbacks without one are counted apart;
* monitoring coverage — production models with a monitoring window recorded in the last 24 h.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any, Literal

from .._results import overall_value
from ..errors import ConfigError, NotFound
from ..store import ArtifactStore, Model
from ._facts import RECENT, Facts

__all__ = ["BY", "check_by", "compute_trends", "percentiles"]

By = Literal["month", "team", "risk"]
BY: tuple[By, ...] = ("month", "team", "risk")
JUDGED = ("PASS", "WARN", "FAIL", "ERROR")
FAILED = ("WARN", "FAIL", "ERROR")
VERSIONS_PER_MODEL = 12  # metric trends show each model's latest versions
UNKNOWN_BY = "unknown grouping {by!r}; expected one of: {known}"


def check_by(by: str) -> By:
    """``by`` as a grouping; ConfigError (exit 2) naming the groupings, for one that is
    not among them."""
    for known in BY:
        if by == known:
            return known
    raise ConfigError(UNKNOWN_BY.format(by=by, known=", ".join(BY)), field="--by")


def percentiles(hours: list[float]) -> dict[str, Any]:
    """``{"n", "median_hours", "p90_hours"}`` (None when there is nothing to measure)."""
    if not hours:
        return {"n": 0, "median_hours": None, "p90_hours": None}
    import numpy as np  # here: `portfolio` and `--at` never need it (start-up time)

    values = np.asarray(hours, dtype=float)
    return {
        "n": len(hours),
        "median_hours": round(float(np.median(values)), 4),
        "p90_hours": round(float(np.percentile(values, 90)), 4),
    }


def _hours(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 3600


def _month(at: dt.datetime) -> str:
    """``2026-11`` (as ``strftime("%Y-%m")`` writes it, in a fraction of its time)."""
    return f"{at.year}-{at.month:02d}"


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _key(by: By, models: dict[str, Model]) -> Callable[[str, dt.datetime], str]:
    def key(model: str, at: dt.datetime) -> str:
        if by == "month":
            return _month(at)
        m = models.get(model)
        if m is None:
            return "unknown"
        return m.team if by == "team" else m.risk_tier

    return key


def _metric_trends(
    facts: Facts, artifacts: ArtifactStore, metrics: tuple[str, ...]
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    cache: dict[str, dict[str, Any]] = {}
    versions: dict[str, list[str]] = defaultdict(list)
    for ref in facts.by_version:  # versions in the order of their first audit
        model, _, version = ref.partition("@")
        versions[model].append(version)
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for model in sorted(versions):
        series: dict[str, list[dict[str, Any]]] = {}
        for version in versions[model][-VERSIONS_PER_MODEL:]:
            audit = facts.latest_audit(model, version)
            assert audit is not None
            if audit.results_sha256 not in cache:
                try:
                    cache[audit.results_sha256] = json.loads(artifacts.get(audit.results_sha256))
                except (NotFound, ValueError):
                    cache[audit.results_sha256] = {}
            for metric in metrics:
                value = overall_value(cache[audit.results_sha256], metric)
                if value is not None:
                    series.setdefault(metric, []).append(
                        {"version": version, "audit": audit.id, "value": value}
                    )
        if series:
            out[model] = series
    return out


def compute_trends(
    facts: Facts,
    *,
    artifacts: ArtifactStore,
    metrics: tuple[str, ...],
    now: dt.datetime,
    since: dt.datetime | None = None,
    by: str = "month",
) -> dict[str, Any]:
    """Every trend of the portfolio as of ``now``, from ``since`` on, grouped ``by``."""
    grouping = check_by(by)
    start = since or dt.datetime.min.replace(tzinfo=dt.UTC)
    models = {m.name: m for m in facts.models}
    key = _key(grouping, models)
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    failed: Counter[str] = Counter()
    failed_models: dict[str, set[str]] = defaultdict(set)
    per_month: Counter[str] = Counter()
    for audit, model, _ in facts.audits:
        at = audit.created_at
        if at is None or not start <= at <= now:
            continue
        per_month[_month(at)] += 1
        g = groups[key(model, at)]
        g["audits"] += 1
        for gate, status in sorted(audit.gates.items()):
            if status in JUDGED:
                g["gates_judged"] += 1
                g["gates_passed"] += status == "PASS"
            if status in FAILED:
                failed[gate] += 1
                failed_models[gate].add(model)
    velocity: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    deploys = rolled = 0
    for cr in facts.crs:
        if cr.to_stage != "production" or not start <= cr.created_at <= now:
            continue
        tier = models[cr.model].risk_tier if cr.model in models else "unknown"
        approved, deployed = (
            facts.first_time(cr.number, "approved"),
            facts.first_time(cr.number, "deployed"),
        )
        if approved is not None and approved <= now:
            velocity[tier]["approved"].append(_hours(cr.created_at, approved))
            groups[key(cr.model, approved)]["approvals"] += 1
        if deployed is not None and deployed <= now:
            velocity[tier]["deployed"].append(_hours(cr.created_at, deployed))
            back = facts.first_time(cr.number, "rolled_back")
            failed_change = back is not None and back <= now
            deploys += 1
            rolled += failed_change
            g = groups[key(cr.model, deployed)]
            g["deploys"] += 1
            g["rolled_back"] += failed_change
    restore = _time_to_restore(facts, start, now)
    return {
        "as_of": now.isoformat(),
        "since": since.isoformat() if since else None,
        "by": by,
        "groups": [
            {
                "key": name,
                "audits": g["audits"],
                "gates_judged": g["gates_judged"],
                "gates_passed": g["gates_passed"],
                "pass_rate": _rate(g["gates_passed"], g["gates_judged"]),
                "approvals": g["approvals"],
                "deploys": g["deploys"],
                "rolled_back": g["rolled_back"],
                "change_failure_rate": _rate(g["rolled_back"], g["deploys"]),
            }
            for name, g in sorted(groups.items())
        ],
        "most_failed_gates": [
            {"gate": gate, "failures": n, "models": len(failed_models[gate])}
            for gate, n in sorted(failed.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        ],
        "metric_trends": _metric_trends(facts, artifacts, metrics),
        "velocity": {
            tier: {"approved": percentiles(v["approved"]), "deployed": percentiles(v["deployed"])}
            for tier, v in sorted(velocity.items())
        },
        "change_failure": {
            "deploys": deploys,
            "rolled_back": rolled,
            "rate": _rate(rolled, deploys),
        },
        "time_to_restore": restore,
        "monitoring_coverage": _coverage(facts, now),
        "audits_per_month": dict(sorted(per_month.items())),
    }


def _time_to_restore(facts: Facts, start: dt.datetime, now: dt.datetime) -> dict[str, Any]:
    deployed_at: dict[tuple[str, str], list[dt.datetime]] = defaultdict(list)
    for cr in facts.crs:
        when = facts.first_time(cr.number, "deployed")
        if cr.to_stage == "production" and when is not None:
            deployed_at[(cr.model, cr.version)].append(when)
    signals: dict[str, list[dt.datetime]] = defaultdict(list)
    for e in [*facts.of_action("monitor.alert"), *facts.failed_windows()]:
        signals[str(e.payload.get("model", ""))].append(e.at)
    hours: list[float] = []
    without = 0
    for e in facts.of_action("model.rolled_back"):
        if not start <= e.at <= now:
            continue
        model = e.subject.removeprefix("model:")
        source = str(e.payload.get("from") or "")
        version = source.partition("@")[2]
        since = max((t for t in deployed_at.get((model, version), []) if t <= e.at), default=None)
        first = [t for t in signals.get(model, []) if t <= e.at and (since is None or t >= since)]
        if first:
            hours.append(_hours(min(first), e.at))
        else:
            without += 1
    return {**percentiles(hours), "rollbacks_without_incident": without}


def _coverage(facts: Facts, now: dt.datetime) -> dict[str, Any]:
    production = facts.holders("production")
    recent = {(w.model, w.version) for w in facts.windows() if now - RECENT < w.at <= now}
    covered = sum(1 for v in production.values() if (v.model, v.version) in recent)
    return {
        "production_models": len(production),
        "monitored_24h": covered,
        "share": _rate(covered, len(production)),
    }
