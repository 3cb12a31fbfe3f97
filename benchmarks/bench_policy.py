"""Policy evaluation speed: 100 gates judged on a real German Credit audit (target < 10 ms).

Runnable alone (``python benchmarks/bench_policy.py``) and from ``run.py``.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import signoff
from bench_report import Row, check
from signoff.metrics import METRICS
from signoff.policy import AuditContext, Policy
from signoff.policy._evaluate import evaluate

TARGET_MS = 10.0
GATES = 100


def hundred_gates() -> Policy:
    """100 gates cycling over every metric, with and without scope and confidence bounds."""
    names = list(METRICS)
    gates: list[dict[str, Any]] = []
    for i in range(GATES):
        metric = names[i % len(names)]
        spec = METRICS[metric]
        high = spec.bounds[1]
        threshold = 0.5 if high is not None and high <= 1 else 3.0
        gate: dict[str, Any] = {
            "name": f"gate {i}",
            "metric": metric,
            "threshold": threshold,
            "comparison": "less_equal" if spec.direction == "lower" else "greater_equal",
            "severity": ("error", "warning", "info")[i % 3],
            "use_confidence_bound": spec.ci and i % 2 == 0,
        }
        if "group" in spec.levels and "overall" in spec.levels and i % 4 == 0:
            gate["attributes"] = ["sex", "age_group"]
        gates.append(gate)
    return Policy.model_validate({"policy_name": "benchmark", "version": "1", "gates": gates})


def time_policy(results: dict[str, Any], *, repeats: int = 200) -> float:
    """Best wall time (ms) of one evaluation of 100 gates."""
    policy = hundred_gates()
    context = AuditContext(today=dt.date(2026, 1, 1), strict=True, seed_set=True)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        evaluate(policy, results, context)
        best = min(best, time.perf_counter() - start)
    return best * 1000.0


def policy_rows(config: Path) -> list[Row]:
    """The benchmark row for run.py, on the audit of ``config``."""
    results = dict(signoff.audit(config, seed=1).results)
    ms = time_policy(results)
    return [
        Row(
            f"policy evaluation, {GATES} gates",
            "300",
            f"{ms:.2f} ms",
            target=f"< {TARGET_MS:g} ms",
            result=check(ms < TARGET_MS),
        )
    ]


if __name__ == "__main__":
    from bench_cli import demo_project

    with demo_project() as demo_config:
        for row in policy_rows(demo_config):
            print(" | ".join(row.cells()))
