"""What the executive report says: summary, models requiring attention, trends,
recommendations derived from the data — plain values, then rendered by a template."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from ._status import STATUSES
from ._svg import bar_chart, line_chart, stacked_bars
from ._view import PortfolioView, row_dict

__all__ = ["portfolio_charts", "report_context"]

IMPACT = {
    "blocked": "production runs on evidence that fails policy",
    "attention": "compliance lapses unless someone acts",
}
#: Advice by the metric a failing gate measures (the words of the manager guide).
ADVICE = {
    "expected_calibration_error": "recalibrate the scores (Platt or isotonic) and re-audit",
    "maximum_calibration_error": "recalibrate the scores and re-audit",
    "roc_auc": "retrain or roll back: the model barely ranks",
    "demographic_parity_difference": "review features and thresholds for disparate outcomes",
    "disparate_impact": "review features and thresholds for disparate outcomes",
    "min_group_size": "collect more data for the small groups",
}
KIND_ADVICE = {
    "review": "close the overdue post-incident review(s)",
    "emergency": "replace the expired emergency change(s) with a regular approval",
    "review_due": "schedule the periodic model review(s)",
    "monitoring": "investigate the monitoring failures and consider a rollback",
    "audit": "attach a current audit of the production version",
    "approval": "record an approval for the version in production",
    "policy": "name a production policy in the governance",
}


#: A recommendation names at most this many models (the attention table lists them all).
NAMED = 12


def _names(models: set[str]) -> str:
    """The models' names, the first dozen only when there are many (a manager reads this)."""
    names = sorted(models)
    if len(names) <= NAMED:
        return ", ".join(names)
    return f"{', '.join(names[:NAMED])} and {len(names) - NAMED} more"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def _recommendations(view: PortfolioView, trends: dict[str, Any]) -> list[str]:
    out: list[str] = []
    gates: dict[tuple[str, str], set[str]] = {}
    kinds: dict[str, set[str]] = {}
    expiring: set[str] = set()
    for row in view.rows:
        for f in row.findings:
            if f.kind == "gate" and "expires on" in f.text:
                expiring.add(row.model.name)
            elif f.kind == "gate":
                gates.setdefault((f.gate or "?", f.metric or ""), set()).add(row.model.name)
            else:
                kinds.setdefault(f.kind, set()).add(row.model.name)
    for (gate, metric), models in sorted(gates.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        advice = ADVICE.get(metric, "fix the failing evidence or waive it with a reason")
        names = _names(models)
        verb = "fails" if len(models) == 1 else "fail"
        out.append(f"{_models(len(models))} {verb} the {gate} gate ({metric}): {advice} — {names}.")
    if expiring:
        out.append(
            f"{_models(len(expiring))}: waivers expire within 30 days: renew with new "
            f"evidence or fix the gate — {_names(expiring)}."
        )
    for kind, models in sorted(kinds.items()):
        advice = KIND_ADVICE.get(kind, "act on the findings")
        out.append(f"{_models(len(models))}: {advice} — {_names(models)}.")
    coverage = trends["monitoring_coverage"]
    missing = coverage["production_models"] - coverage["monitored_24h"]
    if missing > 0:
        out.append(
            f"{missing} of {coverage['production_models']} production models had no "
            "monitoring window in the last 24 hours: schedule monitoring for them."
        )
    failure = trends["change_failure"]
    if failure["rate"] is not None and failure["rate"] > 0.15:
        out.append(
            f"{failure['rolled_back']} of {failure['deploys']} production deploys were rolled "
            f"back ({_pct(failure['rolled_back'], failure['deploys'])}): strengthen pre-deploy "
            "validation."
        )
    return out or ["No action needed: every model is compliant."]


def _top_issue(view: PortfolioView) -> str:
    counts: Counter[str] = Counter()
    for row in view.rows:
        if row.status == "compliant":
            continue
        seen = set()
        for f in row.findings:
            if f.status != row.status:
                continue
            label = f"gate {f.gate} ({f.metric})" if f.kind == "gate" else f.kind.replace("_", " ")
            if "expires on" in f.text:
                label = "waivers expiring within 30 days"
            if label not in seen:
                seen.add(label)
                counts[label] += 1
    if not counts:
        return "none: every model is compliant"
    label, n = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return f"{label}: {_models(n)}"


def _attention(view: PortfolioView, open_items: dict[str, str]) -> list[dict[str, Any]]:
    order = {s: i for i, s in enumerate(reversed(STATUSES))}
    return [
        {
            "model": row.model.name,
            "status": row.status,
            "issues": [f.text for f in row.findings],
            "impact": IMPACT[row.status],
            "owner": row.model.owner,
            "risk": row.model.risk_tier,
            "timeline": open_items.get(row.model.name, "none recorded"),
        }
        for row in sorted(view.rows, key=lambda r: (order[r.status], r.model.name))
        if row.status != "compliant"
    ]


def _models(n: int) -> str:
    return "1 model" if n == 1 else f"{n} models"


def portfolio_charts(view: PortfolioView, trends: dict[str, Any]) -> dict[str, str]:
    """The portfolio's SVG charts (the report's and the dashboard's): models by status,
    status by team, the gate pass rate by period and approval velocity by risk tier."""
    counts = view.counts()
    teams = sorted({r.model.team for r in view.rows})
    by_team: dict[str, list[int]] = {
        s: [sum(1 for r in view.rows if r.model.team == t and r.status == s) for t in teams]
        for s in STATUSES
    }
    groups = trends["groups"]
    velocity = trends["velocity"]
    tiers = [t for t in ("high", "medium", "low", "unknown") if t in velocity]
    return {
        "status": stacked_bars(
            "status", "Models by status", ["all models"], {s: [counts[s]] for s in STATUSES}
        ),
        "teams": stacked_bars("teams", "Status by team", teams, by_team),
        "pass_rate": line_chart(
            "pass-rate",
            f"Gate pass rate by {trends['by']}",
            [g["key"] for g in groups],
            {"gate pass rate": [g["pass_rate"] for g in groups]},
        ),
        "velocity": bar_chart(
            "velocity",
            "Median hours from CR opened to approved, by risk tier",
            tiers,
            [velocity[t]["approved"]["median_hours"] or 0.0 for t in tiers],
            unit=" h",
        ),
    }


def report_context(
    *,
    period: str,
    view: PortfolioView,
    history: list[tuple[str, dict[str, int]]],
    trends: dict[str, Any],
    open_items: dict[str, str],
    ledger: dict[str, Any],
    created_at: dt.datetime,
) -> dict[str, Any]:
    """Everything the report template prints."""
    counts = view.counts()
    total = len(view.rows)
    in_production = sum(1 for r in view.rows if r.production is not None)
    months = [m for m, _ in history]
    tiers = [t for t in ("high", "medium", "low", "unknown") if t in trends["velocity"]]
    charts = portfolio_charts(view, trends)
    charts["history"] = stacked_bars(
        "history",
        "Status at each month end",
        months,
        {s: [c[s] for _, c in history] for s in STATUSES},
    )
    return {
        "title": f"Model portfolio report — {period}",
        "period": period,
        "as_of": view.as_of.isoformat(),
        "created_at": created_at.isoformat(),
        "governance": view.governance,
        "summary": {
            "models": total,
            "in_production": in_production,
            **{s: counts[s] for s in STATUSES},
            **{f"{s}_pct": _pct(counts[s], total) for s in STATUSES},
            "top_issue": _top_issue(view),
        },
        "charts": charts,
        "attention": _attention(view, open_items),
        "models": [row_dict(r) for r in view.rows],
        "trends": trends,
        "tiers": tiers,
        "recommendations": _recommendations(view, trends),
        "ledger": ledger,
        "history": history,
    }
