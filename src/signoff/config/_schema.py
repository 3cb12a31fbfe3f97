"""The audit config, as validated objects.

Every key a user can write is a field here, with its documentation; unknown
keys are refused (``extra="forbid"``).  ``docs/config.md`` describes the same
keys and a test keeps the two in step.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

__all__ = [
    "AuditConfig",
    "BootstrapConfig",
    "DataConfig",
    "ExplainConfig",
    "ModelCardConfig",
    "ModelConfig",
    "ProtectedAttribute",
]

ModelFormat = Literal["skops", "joblib", "pickle", "xgboost", "lightgbm", "onnx"]
Label = int | str | bool
#: A finite number; ``true``/``false`` are not numbers (YAML would read ``seed: true`` as 1).
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
#: A whole number; booleans and floats are refused.
Whole = Annotated[int, Field(strict=True)]
#: Default most groups one protected attribute may have (``max_groups``).
MAX_GROUPS = 100
ATTRIBUTE_NAME_STAR = (
    "attribute name {name!r} contains '*', which signoff uses to name intersections; "
    "rename it (the data column can keep its name: set `column:`)"
)
ENGINE_NEEDS_SCORES = (
    "data.engine {engine} audits scores already in the data (data.score_column); scoring a "
    "model on Spark is not built yet: use engine duckdb or numpy"
)
DUPLICATE_LABELS = "labels must be unique; {label!r} names more than one band"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelConfig(_Strict):
    """``model:`` — the model file that turns features into scores."""

    path: str = Field(description="Model file, relative to the config file.")
    format: ModelFormat = Field(
        default="skops",
        description="skops | joblib | pickle | xgboost | lightgbm | onnx.",
    )
    trusted: bool = Field(
        strict=True,
        default=False,
        description="Allow joblib/pickle files, which run code when loaded. "
        "Only for files you produced yourself.",
    )


class DataConfig(_Strict):
    """``data:`` — the evaluation set."""

    path: str = Field(
        description="Evaluation data, relative to the config: a .csv or .parquet file, a folder "
        "of them, or a glob such as 'scores/*.parquet' (files with one schema); with engine "
        "spark, also a URI such as 'hdfs://…/scores' or 's3a://bucket/scores/*.parquet'."
    )
    target: str = Field(description="Column holding the true label.")
    positive_label: Label = Field(default=1, description="The favourable outcome.")
    score_column: str | None = Field(
        default=None,
        description="Column holding scores (probability of the positive label): "
        "predictions-only mode, no model needed.",
    )
    features: list[str] | None = Field(
        default=None,
        description="The model's input columns; default: the model's own feature names, "
        "else every column except target, score and protected attributes.",
    )
    engine: Literal["auto", "numpy", "duckdb", "spark"] = Field(
        default="auto",
        description="Who computes the evidence: numpy (in memory), duckdb (out of core; a "
        "model file is scored in batches first; the `duckdb` extra), spark (Parquet or a Spark "
        "DataFrame, predictions-only; the `spark` extra) or auto: numpy while the data fits the "
        "memory budget, duckdb past it.",
    )


class ProtectedAttribute(_Strict):
    """One entry under ``protected_attributes:``."""

    column: str | None = Field(
        default=None, description="Data column; default: the attribute's own name."
    )
    privileged: Label | None = Field(
        default=None,
        description="The privileged group; disparate impact is then "
        "min(SR of the others) / SR of this group.",
    )
    bins: list[Number] | None = Field(
        default=None,
        description="Band a numeric column into groups at these edges "
        "(left-closed: [a, b)), e.g. [0, 25, 120].",
    )
    labels: list[str] | None = Field(
        default=None, description="Names of the bands; one fewer than bins."
    )

    @field_validator("bins")
    @classmethod
    def _increasing(cls, v: list[float] | None) -> list[float] | None:
        if v is not None:
            if len(v) < 2:
                raise ValueError("bins needs at least two edges, e.g. [0, 25, 120]")
            if not all(a < b for a, b in pairwise(v)):  # NaN fails too
                raise ValueError("bins must be strictly increasing")
        return v

    @field_validator("labels")
    @classmethod
    def _unique_labels(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            twice = next((label for label in v if v.count(label) > 1), None)
            if twice is not None:
                raise ValueError(DUPLICATE_LABELS.format(label=twice))
        return v

    @model_validator(mode="after")
    def _labels_match(self) -> ProtectedAttribute:
        if self.labels is not None:
            if self.bins is None:
                raise ValueError("labels needs bins")
            if len(self.labels) != len(self.bins) - 1:
                raise ValueError(
                    f"labels must have one name per band: {len(self.bins) - 1} "
                    f"for {len(self.bins)} edges, got {len(self.labels)}"
                )
        return self


class BootstrapConfig(_Strict):
    """``bootstrap:`` — confidence intervals."""

    replicates: Annotated[Whole, Field(ge=0, le=100_000)] = Field(
        default=1000, description="Bootstrap replicates; 0 turns intervals off."
    )
    confidence: Annotated[Number, Field(gt=0, lt=1)] = Field(
        default=0.95, description="Confidence level of the percentile intervals."
    )


class ExplainConfig(_Strict):
    """``explain:`` — permutation importance."""

    permutation_repeats: Annotated[Whole, Field(ge=0, le=1000)] = Field(
        default=5, description="Shuffles per feature; 0 turns permutation importance off."
    )
    max_rows: Annotated[Whole, Field(ge=10)] = Field(
        default=5000, description="Rows sampled (seeded) for permutation importance."
    )
    scoring: Literal["roc_auc", "accuracy", "neg_log_loss", "average_precision"] = Field(
        default="roc_auc", description="Score whose drop measures importance."
    )


class ModelCardConfig(_Strict):
    """``model_card:`` — what the model card needs and an audit cannot know.

    Every field is optional; the card lists a missing one as "to be completed"
    rather than inventing it.
    """

    name: str | None = Field(default=None, description="The model's name; default: its file.")
    version: str | None = Field(default=None, description="The model's version, as written.")
    date: str | None = Field(default=None, description="When the model was trained or released.")
    owner: str | None = Field(default=None, description="Person or team accountable for it.")
    contact: str | None = Field(default=None, description="Where to send questions.")
    license: str | None = Field(default=None, description="Licence or terms of use.")
    description: str | None = Field(
        default=None, description="Model type, algorithm and features, in a few sentences."
    )
    intended_use: str | None = Field(
        default=None, description="The decisions and users it is meant for."
    )
    out_of_scope_uses: str | None = Field(default=None, description="Uses it must not be put to.")
    training_data: str | None = Field(
        default=None, description="What it was trained on: source, period, size, selection."
    )
    ethical_considerations: str | None = Field(
        default=None, description="Risks, affected people, mitigations."
    )
    caveats: str | None = Field(default=None, description="Known limitations and recommendations.")


class AuditConfig(_Strict):
    """The whole audit config file."""

    model: ModelConfig | None = Field(
        default=None, description="Omit when the data holds scores (data.score_column)."
    )
    data: DataConfig
    protected_attributes: dict[str, ProtectedAttribute] = Field(
        min_length=1, description="Attribute name → how to read its groups."
    )
    intersections: list[list[str]] = Field(
        default_factory=list,
        description="Combinations of protected attributes audited as their own attribute, "
        "named 'a*b'.",
    )
    proxies: list[str] = Field(
        default_factory=list,
        description="Features declared as proxies of a protected attribute "
        "(for protected_attribute_importance_rank).",
    )
    threshold: Annotated[Number, Field(ge=0, le=1)] = Field(
        default=0.5, description="Decision threshold: predicted positive when score >= it."
    )
    seed: Annotated[Whole, Field(ge=0)] = Field(
        default=42, description="Seed for every random step."
    )
    bootstrap: BootstrapConfig = Field(default_factory=BootstrapConfig)
    explain: ExplainConfig = Field(default_factory=ExplainConfig)
    calibration_bins: Annotated[Whole, Field(ge=2, le=100)] = Field(
        default=10, description="Equal-width bins for ECE, MCE and the reliability table."
    )
    min_group_size: Annotated[Whole, Field(ge=1)] = Field(
        default=30, description="Groups smaller than this are flagged in the results."
    )
    max_groups: Annotated[Whole, Field(ge=2)] = Field(
        default=MAX_GROUPS,
        description="Most groups one protected attribute may have; more is refused "
        "(an ID-like column is not a protected attribute).",
    )
    power_effect: Annotated[Number, Field(gt=0, lt=1)] = Field(
        default=0.05,
        description="Selection-rate difference δ that statistical_power is computed for.",
    )
    shift_delta: Annotated[Number, Field(gt=0, lt=1)] = Field(
        default=0.10, description="Absolute change of a group's share for the shift test."
    )
    shift_metric: Literal["accuracy", "recall", "precision", "selection_rate", "f1"] = Field(
        default="accuracy", description="Metric whose drop max_shift_degradation reports."
    )
    proxy_threshold: Annotated[Number, Field(ge=0, le=1)] = Field(
        default=0.3,
        description="Association above which a feature counts as a proxy of a protected "
        "attribute for protected_attribute_importance_rank.",
    )
    model_card: ModelCardConfig | None = Field(
        default=None,
        description="Facts for the model card that an audit cannot know (owner, intended use).",
    )

    @field_validator("protected_attributes")
    @classmethod
    def _plain_names(cls, v: dict[str, ProtectedAttribute]) -> dict[str, ProtectedAttribute]:
        for name in v:
            if "*" in name:
                raise ValueError(ATTRIBUTE_NAME_STAR.format(name=name))
        return v

    @field_validator("intersections")
    @classmethod
    def _known_attributes(cls, v: list[list[str]], info: ValidationInfo) -> list[list[str]]:
        # A field validator (not the model validator) so the error points at
        # ``intersections`` in the file; protected_attributes is validated first.
        known = set(info.data.get("protected_attributes", {}))
        for combo in v:
            if len(combo) < 2:
                raise ValueError(f"an intersection needs two or more attributes, got {combo}")
            unknown = [a for a in combo if a not in known]
            if unknown and "protected_attributes" in info.data:
                raise ValueError(
                    f"intersection {combo} names {unknown}, which are not protected "
                    f"attributes; known: {sorted(known)}"
                )
        return v

    @model_validator(mode="after")
    def _cross_checks(self) -> AuditConfig:
        if self.model is None and self.data.score_column is None:
            raise ValueError(
                "give either a model (model.path) or a score column (data.score_column)"
            )
        if self.data.engine == "spark" and self.data.score_column is None:
            raise ValueError(ENGINE_NEEDS_SCORES.format(engine=self.data.engine))
        return self

    def attribute_column(self, name: str) -> str:
        """The data column behind protected attribute ``name``."""
        return self.protected_attributes[name].column or name
