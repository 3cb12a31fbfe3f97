"""What a policy asks of the audit run itself, judged as gates beside the metric gates:
reproducibility (strict mode, a seed, a manifest, a clean git commit — what ``--strict``
checks even unasked) and the policy's own dates (in effect, not expired, review due).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ._result import FAILED_STATUS, GateResult
from ._schema import Policy, Severity

__all__ = ["REPRODUCIBILITY_GUIDANCE", "AuditContext", "run_checks"]

#: Remediation for the reproducibility requirements (keyed like the
#: ``reproducibility:`` block) and for the policy's own dates.
REPRODUCIBILITY_GUIDANCE: dict[str, str] = {
    "strict_mode_required": "re-run the audit with --strict and fix whatever strict mode refuses",
    "seed_required": "set `seed:` in the audit config so bootstrap and permutation importance "
    "repeat exactly, then re-run",
    "manifest_required": "re-run the audit so it writes manifest.json, and keep it with "
    "results.json as evidence",
    "git_commit_required": "commit the audit config, policy and code, then re-run from a clean "
    "git checkout so the manifest records the commit",
    "expired": "the policy is past its `expires` date: have its owner review and reissue it, "
    "or audit against the policy now in force",
    "review_overdue": "the review date has passed: have the review_cycle owner review the "
    "policy and set a new next_review",
    "not_yet_effective": "the policy's effective_date is still ahead: audit against the policy "
    "in force today, or wait until it applies",
}

#: What --strict checks even when the policy does not ask (a clean git checkout
#: is checked only when the policy asks: a project need not live in git).
_STRICT_CHECKS = ("strict_mode_required", "seed_required", "manifest_required")


@dataclass(frozen=True)
class AuditContext:
    """Facts about the run that are not in results.json."""

    today: dt.date
    strict: bool = False
    seed_set: bool = False
    manifest_written: bool = True
    git: Mapping[str, Any] | None = None


def _check(
    name: str,
    kind: Literal["reproducibility", "policy"],
    ok: bool,
    message: str,
    remedy: str,
    *,
    severity: Severity = "error",
) -> GateResult:
    return GateResult(
        name=name,
        id=None,
        kind=kind,
        metric=None,
        attribute=None,
        group=None,
        value=None,
        ci=None,
        threshold=None,
        comparison=None,
        severity=severity,
        status="PASS" if ok else FAILED_STATUS[severity],
        clause="",
        rationale="",
        message=message,
        remediation="" if ok else remedy,
    )


def _reproducibility(policy: Policy, context: AuditContext) -> list[GateResult]:
    req = policy.reproducibility
    git = context.git
    clean = git is not None and git.get("dirty") is False
    if git is None:
        where = "the config is not in a git checkout"
    else:
        where = f"commit {git['commit'][:12]}" + (
            " with uncommitted changes" if git.get("dirty") is not False else ""
        )
    strict = "the audit ran with --strict" if context.strict else "the audit did not run --strict"
    seed = "the config sets a seed" if context.seed_set else "the config does not set `seed`"
    manifest = "manifest.json written" if context.manifest_written else "no manifest written"
    checks = [
        ("strict_mode_required", "Reproducibility: strict mode", context.strict, strict),
        ("seed_required", "Reproducibility: seed set", context.seed_set, seed),
        ("manifest_required", "Reproducibility: manifest", context.manifest_written, manifest),
        ("git_commit_required", "Reproducibility: clean git commit", clean, where),
    ]
    return [
        _check(name, "reproducibility", ok, message, REPRODUCIBILITY_GUIDANCE[key])
        for key, name, ok, message in checks
        if getattr(req, key) or (context.strict and key in _STRICT_CHECKS)
    ]


def _dates(policy: Policy, context: AuditContext) -> list[GateResult]:
    today = context.today
    out = []
    problems: list[tuple[str, str]] = []
    if policy.effective_date and policy.effective_date > today:
        problems.append(("not_yet_effective", f"not in effect until {policy.effective_date}"))
    if policy.expires and policy.expires < today:
        problems.append(("expired", f"expired on {policy.expires}"))
    early = bool(problems) and problems[0][0] == "not_yet_effective"
    severity: Severity = "error" if context.strict and early else "warning"
    message = "; ".join(p[1] for p in problems) or f"in effect on {today}"
    remedy = REPRODUCIBILITY_GUIDANCE[problems[0][0]] if problems else ""
    out.append(
        _check("Policy in force", "policy", not problems, message, remedy, severity=severity)
    )
    review = policy.review_cycle.next_review
    if review is not None:
        overdue = review < today
        msg = f"review overdue since {review}" if overdue else f"next review due {review}"
        remedy = REPRODUCIBILITY_GUIDANCE["review_overdue"]
        out.append(
            _check("Policy review current", "policy", not overdue, msg, remedy, severity="warning")
        )
    return out


def run_checks(policy: Policy, context: AuditContext) -> list[GateResult]:
    """The reproducibility gates the policy (or ``--strict``) asks for, then its dates."""
    return [*_reproducibility(policy, context), *_dates(policy, context)]
