"""Sections 7 to 9 of the report: explainability, data quality, reproducibility.

Values are read from ``results.json`` and ``manifest.json``.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from .._canonical import pretty_json
from ._charts_fairness import importance_chart
from ._format import epoch_of, num, pct, value_text

__all__ = ["MAX_FEATURES_SHOWN", "data_quality", "explainability", "reproducibility"]

#: Features drawn in the importance chart (watched features are always drawn).
MAX_FEATURES_SHOWN = 25
_PROXIES_SHOWN = 10


def explainability(results: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """Permutation-importance chart, where protected attributes rank, proxy associations."""
    explain = results.get("explainability") or {}
    features = explain.get("features") or []
    watched = list(explain.get("watched_features") or [])
    shown = [f for f in features if f["rank"] <= MAX_FEATURES_SHOWN or f["feature"] in watched]
    rank = (results["overall"].get("protected_attribute_importance_rank") or {}).get("value")
    best = next((f["feature"] for f in features if f["rank"] == rank), None)
    protected = config.get("protected_attributes") or {}
    columns = [(spec or {}).get("column") or name for name, spec in protected.items()]
    inputs = {f["feature"] for f in features}
    threshold = config.get("proxy_threshold")
    proxies = sorted(
        (p for p in results.get("proxies", []) if p.get("value") is not None),
        key=lambda p: -float(p["value"]),
    )[:_PROXIES_SHOWN]
    return {
        "available": bool(features),
        "skipped": [w for w in results.get("warnings", []) if "importance" in w],
        "scoring": explain.get("scoring"),
        "repeats": num(explain.get("repeats")),
        "count": num(len(features)),
        "shown": num(len(shown)),
        "chart": importance_chart(shown, watched, str(explain.get("scoring"))) if shown else None,
        "watched": watched,
        "rank": num(rank) if rank is not None else None,
        "best": best,
        "not_inputs": [c for c in columns if c not in inputs],
        "declared_proxies": list(config.get("proxies") or []),
        "proxy_threshold": num(threshold),
        "proxies": [
            {
                "feature": p["feature"],
                "attribute": p["attribute"],
                "measure": p["measure"].replace("_", " "),
                "value": num(p["value"]),
                "flag": threshold is not None and float(p["value"]) >= float(threshold),
            }
            for p in proxies
        ],
        "max_proxy": value_text(results["overall"].get("max_proxy_association")),
    }


def data_quality(results: Mapping[str, Any]) -> dict[str, Any]:
    """Summary and per-column table of the evaluation data's quality checks."""
    quality = results.get("data_quality") or {}
    columns = quality.get("column_quality") or {}
    return {
        "summary": [
            ("Rows", num(quality.get("rows"))),
            ("Columns", num(quality.get("columns"))),
            (
                "Duplicate rows",
                f"{num(quality.get('duplicate_rows'))} ({pct(quality.get('duplicate_share'), 1)})",
            ),
            ("Missing values (share of all cells)", pct(quality.get("null_share"), 1)),
            ("Constant columns", ", ".join(quality.get("constant_columns") or []) or "none"),
        ],
        "columns": [
            {
                "name": name,
                "dtype": c.get("dtype"),
                "nulls": num(c.get("null_count")),
                "null_share": pct(c.get("null_share"), 1),
                "distinct": num(c.get("distinct")),
                "range": f"{num(c['min'])} – {num(c['max'])}" if c.get("min") is not None else "—",
                "constant": bool(c.get("constant")),
            }
            for name, c in columns.items()
        ],
    }


def reproducibility(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest, the exact command that re-runs the audit, and how to verify a pack."""
    command = manifest.get("command")
    created = manifest.get("created_at")
    environment = []
    if created:
        environment.append(f"SOURCE_DATE_EPOCH={epoch_of(created)}")
    if manifest.get("run_by"):
        environment.append(f"SIGNOFF_USER={shlex.quote(str(manifest['run_by']))}")
    rerun = " ".join([*environment, command]) if command else None
    return {
        "manifest": pretty_json(dict(manifest)),
        "rerun": rerun,
        "created_at": created,
        "results_sha256": manifest.get("results_sha256"),
    }
