"""The policy file, as validated objects (the format in DESIGN.md, exactly).

A policy is data: parsed and validated once, then evaluated by a pure
function.  Unknown keys are refused; ``docs/policy.md`` documents every key
and a test keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "COMPARISONS",
    "SEVERITIES",
    "Comparison",
    "Gate",
    "Policy",
    "Reproducibility",
    "ReviewCycle",
    "Severity",
]

Comparison = Literal["less_than", "less_equal", "greater_than", "greater_equal", "between", "equal"]
Severity = Literal["error", "warning", "info"]
COMPARISONS: tuple[Comparison, ...] = (
    "less_than",
    "less_equal",
    "greater_than",
    "greater_equal",
    "between",
    "equal",
)
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
#: A finite number (not ``.inf``, ``.nan`` or ``true``).
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
EMPTY_ATTRIBUTES = (
    "an empty list names no attribute, so the gate would judge nothing; "
    "list the attributes, or leave the key out to judge every one"
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Gate(_Strict):
    """One rule: a metric, a comparison, a threshold and what a failure means."""

    name: str = Field(min_length=1, description="Human name of the gate, shown in every report.")
    metric: str = Field(description="Canonical metric name (see `signoff metrics`).")
    threshold: Number | tuple[Number, Number] = Field(
        description="A number, or [low, high] for `between`."
    )
    comparison: Comparison = Field(
        description="less_than | less_equal | greater_than | greater_equal | between | equal."
    )
    severity: Severity = Field(
        default="error", description="error blocks; warning needs an acknowledgement; info reports."
    )
    clause: str = Field(default="", description="The regulation or internal rule it implements.")
    rationale: str = Field(default="", description="Why the threshold is what it is.")
    attributes: tuple[str, ...] | None = Field(
        default=None,
        description="Protected attributes (or intersections like `sex*age_group`) it applies "
        "to; default: every one in the audit.",
    )
    use_confidence_bound: bool = Field(
        strict=True,
        default=False,
        description="Judge the pessimistic end of the bootstrap interval, not the point.",
    )
    id: str | None = Field(
        default=None, description="Stable identifier; `extends` matches gates by id, else name."
    )
    owner: str | None = Field(default=None, description="Who answers for this gate.")

    @field_validator("attributes")
    @classmethod
    def _some_attributes(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if v is not None and len(v) == 0:
            raise ValueError(EMPTY_ATTRIBUTES)
        return v

    @model_validator(mode="after")
    def _threshold_fits_comparison(self) -> Gate:
        if self.comparison == "between":
            if not isinstance(self.threshold, tuple):
                raise ValueError("a `between` gate needs threshold: [low, high]")
            low, high = self.threshold
            if low > high:
                raise ValueError(f"threshold [low, high] needs low ≤ high; got [{low:g}, {high:g}]")
        elif isinstance(self.threshold, tuple):
            raise ValueError(
                f"a `{self.comparison}` gate needs one number as threshold, not a list"
            )
        return self

    @property
    def key(self) -> str:
        """What composition matches on: the id when given, else the name."""
        return self.id or self.name


class Reproducibility(_Strict):
    """``reproducibility:`` — requirements checked like gates."""

    strict_mode_required: bool = Field(
        strict=True, default=False, description="The audit must run --strict."
    )
    seed_required: bool = Field(
        strict=True, default=False, description="The config must set a seed."
    )
    manifest_required: bool = Field(
        strict=True, default=False, description="A manifest must be written."
    )
    git_commit_required: bool = Field(
        strict=True, default=False, description="The config must sit in a clean git checkout."
    )


class ReviewCycle(_Strict):
    """``review_cycle:`` — when the policy itself is due for review."""

    frequency: Literal["monthly", "quarterly", "semiannual", "annual"] | None = Field(
        default=None, description="monthly | quarterly | semiannual | annual."
    )
    next_review: dt.date | None = Field(default=None, description="Date of the next review.")
    owner: str | None = Field(default=None, description="Who reviews it.")


class Policy(_Strict):
    """A whole policy file (after ``extends`` is resolved, see ``compose``)."""

    policy_name: str = Field(min_length=1, description="Name shown in reports.")
    version: str = Field(description='The policy\'s own version, e.g. "1.0".')
    effective_date: dt.date | None = Field(default=None, description="First day it applies.")
    expires: dt.date | None = Field(default=None, description="Last day it applies.")
    applies_to: tuple[str, ...] = Field(default=(), description="Use cases it covers.")
    citation: str = Field(default="", description="Regulations it implements.")
    extends: str | None = Field(
        default=None,
        description="Parent policy file (relative to this one); a child may only tighten.",
    )
    gates: tuple[Gate, ...] = Field(default=(), description="The gates.")
    reproducibility: Reproducibility = Field(default_factory=Reproducibility)
    review_cycle: ReviewCycle = Field(default_factory=ReviewCycle)
    rego: str | None = Field(
        default=None, description="Rego rules file evaluated over the evidence (signoff[rego])."
    )

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: object) -> object:
        # YAML reads `version: 1.0` as a float; keep what the author wrote.
        return (
            str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        )

    @field_validator("gates")
    @classmethod
    def _unique_keys(cls, gates: tuple[Gate, ...]) -> tuple[Gate, ...]:
        seen: set[str] = set()
        for gate in gates:
            if gate.key in seen:
                raise ValueError(f"two gates share the id/name {gate.key!r}; give each a unique id")
            seen.add(gate.key)
        return gates
