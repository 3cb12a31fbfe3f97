"""The risk rating of a change request: a pure function of two versions' facts.

DESIGN.md's table (the defaults; thresholds come from the governance config):

======  ======================================================================
rating  examples
======  ======================================================================
low     hyperparameter tweak, no schema change, key metrics within ±1% of the
        version now in the target stage
medium  feature added/removed, retraining on new data, metric shift 1–5%
high    new data source, objective change, sensitive domain, metric shift > 5%
======  ======================================================================

``rate_change`` compares the candidate with the version now in the target
stage and records one :class:`RiskReason` per finding:

* no version in the stage (first deployment): medium, ``first_deployment``;
  the schema, data, objective and metric rules then do not apply, and a high
  declared tier (below) makes the rating high;
* each feature added or removed (schema keys differ): medium, one reason per
  feature in sorted order (``feature_added``, ``feature_removed``); a feature
  whose type changed: medium (``feature_type_changed``);
* training data source changed: high (``data_source_changed``); same source but
  another training data hash: medium (``retrained``);
* objective changed: high (``objective_changed``);
* hyperparameters changed: low, listing the changed keys
  (``hyperparameters_changed``);
* each key metric: the relative shift ``|c − p| / |p|`` (``p`` the current
  version's value) is low up to ``low_shift``, medium up to ``high_shift`` and
  high above (``metric_shift``, both values and the signed percentage); a metric
  missing or not finite on either side cannot be compared, which rates at least
  medium (``metric_missing``): missing evidence never makes a change look safe;
* the model's use case containing a sensitive keyword (case-insensitive
  substring): high (``sensitive_domain``);
* the model's declared risk tier: high → high, medium → medium (``risk_tier``).

The rating is the highest level among the reasons (low when there are none);
the reasons come highest first, in rule order within a level, so the same
inputs always give the same rating.  A risk reviewer may override the rating
with a recorded justification; that happens in the workflow, not here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import ConfigError

__all__ = [
    "BAD_THRESHOLDS",
    "RiskLevel",
    "RiskRating",
    "RiskReason",
    "RiskThresholds",
    "VersionFacts",
    "rate_change",
]

RiskLevel = Literal["low", "medium", "high"]
BAD_THRESHOLDS = "risk thresholds need 0 ≤ low_shift ≤ high_shift, got {low} and {high}"
_RANK: dict[RiskLevel, int] = {"low": 0, "medium": 1, "high": 2}
_UNRECORDED = "(unrecorded)"


@dataclass(frozen=True)
class RiskThresholds:
    """Where a key metric's relative shift turns medium and high, and what is sensitive."""

    low_shift: float = 0.01
    high_shift: float = 0.05
    key_metrics: tuple[str, ...] = ("roc_auc", "accuracy")
    sensitive_use_cases: tuple[str, ...] = (
        "credit",
        "lending",
        "insurance",
        "hiring",
        "employment",
        "health",
        "medical",
        "housing",
        "criminal",
        "education",
    )

    def __post_init__(self) -> None:
        if not 0 <= self.low_shift <= self.high_shift:
            raise ConfigError(BAD_THRESHOLDS.format(low=self.low_shift, high=self.high_shift))


@dataclass(frozen=True)
class RiskReason:
    """One finding: its level, a stable code and a sentence for a person."""

    level: RiskLevel
    code: str
    message: str


@dataclass(frozen=True)
class RiskRating:
    """The rating and every reason for it, highest first."""

    level: RiskLevel
    reasons: tuple[RiskReason, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the rating as JSON-serializable data.

        Returns
        -------
        dict
            ``{"level": ..., "reasons": [{"level", "code", "message"}, ...]}``.
        """
        return {
            "level": self.level,
            "reasons": [
                {"level": r.level, "code": r.code, "message": r.message} for r in self.reasons
            ],
        }


@dataclass(frozen=True)
class VersionFacts:
    """What the rating needs about one version (built by the caller from the registry).

    ``metrics`` holds the key metric values from the version's latest audit
    (``overall.<metric>.value`` in its results).
    """

    feature_schema: Mapping[str, str]
    training_data_sha256: str | None
    training_data_source: str | None
    objective: str | None
    hyperparameters: Mapping[str, Any]
    metrics: Mapping[str, float]


def _shown(value: str | None) -> str:
    return _UNRECORDED if value is None else value


def _within(shift: float, limit: float) -> bool:
    """``shift ≤ limit``, forgiving float error at the boundary (0.808 / 0.8 − 1)."""
    return shift <= limit or math.isclose(shift, limit, rel_tol=1e-9, abs_tol=1e-12)


def _metric(name: str, cand: float, prev: float, t: RiskThresholds) -> RiskReason:
    if prev == 0:
        change = 0.0 if cand == 0 else math.copysign(math.inf, cand)
    else:
        change = (cand - prev) / abs(prev)
    shift = abs(change)
    level: RiskLevel = "low" if _within(shift, t.low_shift) else "medium"
    if not _within(shift, t.high_shift):
        level = "high"
    message = f"{name} shifted {prev:.4f} → {cand:.4f} ({change * 100:+.2f}%)"
    return RiskReason(level, "metric_shift", message)


def _diff(cand: VersionFacts, cur: VersionFacts, t: RiskThresholds) -> list[RiskReason]:
    found: list[RiskReason] = []
    new, old = cand.feature_schema, cur.feature_schema
    for name in sorted(new.keys() - old.keys()):
        found.append(RiskReason("medium", "feature_added", f"feature added: {name}"))
    for name in sorted(old.keys() - new.keys()):
        found.append(RiskReason("medium", "feature_removed", f"feature removed: {name}"))
    for name in sorted(new.keys() & old.keys()):
        if new[name] != old[name]:
            message = f"feature type changed: {name} {old[name]} → {new[name]}"
            found.append(RiskReason("medium", "feature_type_changed", message))
    src_old, src_new = cur.training_data_source, cand.training_data_source
    if src_new != src_old:
        message = f"new data source: {_shown(src_old)} → {_shown(src_new)}"
        found.append(RiskReason("high", "data_source_changed", message))
    elif cand.training_data_sha256 != cur.training_data_sha256:
        old_sha, new_sha = cur.training_data_sha256, cand.training_data_sha256
        message = f"retrained on new data: {_shown(old_sha)[:12]} → {_shown(new_sha)[:12]}"
        found.append(RiskReason("medium", "retrained", message))
    if cand.objective != cur.objective:
        message = f"objective changed: {_shown(cur.objective)} → {_shown(cand.objective)}"
        found.append(RiskReason("high", "objective_changed", message))
    hp_new, hp_old = cand.hyperparameters, cur.hyperparameters
    changed = sorted(k for k in hp_new.keys() | hp_old.keys() if hp_new.get(k) != hp_old.get(k))
    if changed:
        message = f"hyperparameters changed: {', '.join(changed)}"
        found.append(RiskReason("low", "hyperparameters_changed", message))
    for name in t.key_metrics:
        c, p = cand.metrics.get(name), cur.metrics.get(name)
        if c is None or p is None or not (math.isfinite(c) and math.isfinite(p)):
            message = f"metric {name} not in both audits"
            found.append(RiskReason("medium", "metric_missing", message))
        else:
            found.append(_metric(name, c, p, t))
    return found


def rate_change(
    candidate: VersionFacts,
    current: VersionFacts | None,
    *,
    model_risk_tier: RiskLevel,
    use_case: str,
    thresholds: RiskThresholds = RiskThresholds(),
) -> RiskRating:
    """Rate moving ``candidate`` into a stage that now holds ``current``.

    Parameters
    ----------
    candidate : VersionFacts
        The version the change request would deploy.
    current : VersionFacts or None
        The version now in the target stage; ``None`` for a first deployment.
    model_risk_tier : {"low", "medium", "high"}
        The model's declared risk tier.
    use_case : str
        The model's use case, matched against ``thresholds.sensitive_use_cases``.
    thresholds : RiskThresholds, optional
        Metric shift limits, key metrics and sensitive keywords.

    Returns
    -------
    RiskRating
        The highest level among the reasons (low when none), reasons highest first.
    """
    found = (
        _diff(candidate, current, thresholds)
        if current is not None
        else [RiskReason("medium", "first_deployment", "first version in this stage")]
    )
    lowered = use_case.casefold()
    hits = [k for k in thresholds.sensitive_use_cases if k.casefold() in lowered]
    if hits:
        found.append(RiskReason("high", "sensitive_domain", f"sensitive domain: {', '.join(hits)}"))
    if model_risk_tier != "low":
        message = f"declared risk tier: {model_risk_tier}"
        found.append(RiskReason(model_risk_tier, "risk_tier", message))
    reasons = tuple(sorted(found, key=lambda r: -_RANK[r.level]))
    level: RiskLevel = reasons[0].level if reasons else "low"
    return RiskRating(level, reasons)
