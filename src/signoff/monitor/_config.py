"""``monitor.yaml``: validated once with pydantic, errors at ``file:line:column``.

The keys are the issue's (``model``, ``reference``, ``columns``, ``data``,
``positive_label``, ``threshold``, ``features``, ``protected_attributes``,
``window``, ``policy``, ``actions``) plus the settings the statistics need
(``intersections``, ``drift``, ``min_group_size``, ``bootstrap``, ``seed``).
``docs/monitoring.md`` documents every key and a test keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..config import BootstrapConfig, ProtectedAttribute, YamlDocument, read_yaml, validation_error

__all__ = [
    "ActionsConfig",
    "ColumnsConfig",
    "DriftConfig",
    "DriftThresholds",
    "LoadedMonitorConfig",
    "MonitorConfig",
    "MonitorDataConfig",
    "ReferenceConfig",
    "load_monitor_config",
    "window_length",
]

_WINDOW = re.compile(r"^([1-9][0-9]*)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
Label = int | str | bool
Action = Literal["notify", "rollback"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReferenceConfig(_Strict):
    """``reference:`` — the data the windows are compared with."""

    path: str | None = Field(
        default=None, description="Reference data (.csv or .parquet), relative to the config."
    )
    audit: Literal["latest"] | None = Field(
        default=None,
        description="`latest`: the evaluation set of the watched version's latest audit "
        "in the registry (its data file, found by the hash the audit recorded).",
    )

    @model_validator(mode="after")
    def _one_source(self) -> ReferenceConfig:
        if (self.path is None) == (self.audit is None):
            raise ValueError("give exactly one of `path` or `audit`")
        return self


class ColumnsConfig(_Strict):
    """``columns:`` — which batch columns play which role."""

    score: str = Field(description="The model's score (probability of the positive label).")
    prediction_id: str | None = Field(
        default=None, description="Row identifier; `--labels` joins late labels on it."
    )
    timestamp: str | None = Field(
        default=None, description="When the row was scored; windows tumble over it."
    )
    target: str | None = Field(
        default=None, description="The true label, when the batch (or `--labels`) has it."
    )


class DriftThresholds(_Strict):
    """Thresholds of one column under ``drift.columns``."""

    psi: Annotated[float, Field(gt=0)] | None = Field(default=None, description="PSI threshold.")
    wasserstein: Annotated[float, Field(gt=0)] | None = Field(
        default=None, description="Normalised Wasserstein threshold."
    )
    jensen_shannon: Annotated[float, Field(gt=0, le=1)] | None = Field(
        default=None, description="Jensen–Shannon distance threshold."
    )
    p_value: Annotated[float, Field(gt=0, lt=1)] | None = Field(
        default=None, description="Holm-corrected p-value below which a change is significant."
    )


class DriftConfig(_Strict):
    """``drift:`` — when a column counts as drifted (effect size AND significance)."""

    psi: Annotated[float, Field(gt=0)] = Field(default=0.1, description="PSI threshold.")
    wasserstein: Annotated[float, Field(gt=0)] = Field(
        default=0.1, description="Wasserstein distance / reference std threshold (numeric)."
    )
    jensen_shannon: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.1, description="Jensen–Shannon distance threshold (categorical)."
    )
    p_value: Annotated[float, Field(gt=0, lt=1)] = Field(
        default=0.01, description="Holm-corrected p-value threshold."
    )
    columns: dict[str, DriftThresholds] = Field(
        default_factory=dict, description="Column → thresholds that differ from the defaults."
    )


class ActionsConfig(_Strict):
    """``actions:`` — what failing windows do, through the workflow (notify, rollback)."""

    info: list[Action] = Field(default_factory=list, description="Actions on a failed info gate.")
    warning: list[Action] = Field(
        default_factory=list, description="Actions on a failed warning gate."
    )
    error: list[Action] = Field(default_factory=list, description="Actions on a failed error gate.")
    consecutive_windows: Annotated[int, Field(ge=1)] = Field(
        default=1, description="Failing windows in a row before an action fires."
    )


class MonitorDataConfig(_Strict):
    """``data:`` — where the production batch is and which engine counts it."""

    path: str | None = Field(
        default=None,
        description="The production batch when `--batch` is not given: a .csv or .parquet "
        "file, a folder of them or a glob (`scores/*.parquet`), relative to the config.",
    )
    engine: Literal["auto", "numpy", "duckdb", "spark"] = Field(
        default="auto",
        description="Who counts the batch: numpy (in memory), duckdb (out of core, in SQL; "
        "the `duckdb` extra) or spark (Parquet; the `spark` extra); auto: numpy while the "
        "batch fits the memory budget (2 GiB), duckdb past it.",
    )


class MonitorConfig(_Strict):
    """The whole ``monitor.yaml``."""

    model: str = Field(
        min_length=1,
        description="The model watched: `NAME` (its production version) or `NAME@VERSION`.",
    )
    reference: ReferenceConfig
    columns: ColumnsConfig
    data: MonitorDataConfig = Field(default_factory=MonitorDataConfig)
    positive_label: Label = Field(default=1, description="The favourable outcome.")
    threshold: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.5, description="Decision threshold: predicted positive when score >= it."
    )
    features: list[str] | None = Field(
        default=None,
        description="Columns watched for drift; default: every reference column not named "
        "under `columns` or `protected_attributes`.",
    )
    protected_attributes: dict[str, ProtectedAttribute] = Field(
        default_factory=dict, description="Attribute name → how to read its groups (audit syntax)."
    )
    intersections: list[list[str]] = Field(
        default_factory=list, description="Combinations of protected attributes, named 'a*b'."
    )
    window: str | None = Field(
        default=None,
        description="Tumbling window length over `columns.timestamp`: 30m, 6h, 1d, 1w; "
        "none: the batch is one window.",
    )
    policy: str | None = Field(
        default=None, description="Policy file on monitoring metrics (the audit's policy format)."
    )
    actions: ActionsConfig = Field(default_factory=ActionsConfig)
    drift: DriftConfig = Field(default_factory=DriftConfig)
    min_group_size: Annotated[int, Field(ge=1)] = Field(
        default=30, description="Groups smaller than this are flagged (never dropped)."
    )
    bootstrap: BootstrapConfig = Field(default_factory=BootstrapConfig)
    seed: Annotated[int, Field(ge=0)] = Field(default=42, description="Seed of the bootstrap.")

    @field_validator("window")
    @classmethod
    def _window_length(cls, value: str | None) -> str | None:
        if value is not None and not _WINDOW.match(value):
            raise ValueError(f"{value!r} is not a window length like 30m, 6h, 1d or 1w")
        return value

    @field_validator("intersections")
    @classmethod
    def _known_attributes(cls, value: list[list[str]], info: ValidationInfo) -> list[list[str]]:
        known = set(info.data.get("protected_attributes", {}))
        for combo in value:
            unknown = [a for a in combo if a not in known]
            if len(combo) < 2 or unknown:
                raise ValueError(
                    f"intersection {combo} must name two or more protected attributes; "
                    f"known: {sorted(known)}"
                )
        return value

    @model_validator(mode="after")
    def _window_needs_timestamp(self) -> MonitorConfig:
        if self.window is not None and self.columns.timestamp is None:
            raise ValueError("`window` needs `columns.timestamp` to cut the batch into windows")
        return self

    def attribute_column(self, name: str) -> str:
        """The data column behind protected attribute ``name``."""
        return self.protected_attributes[name].column or name


def window_length(text: str) -> dt.timedelta:
    """``6h`` → 6 hours."""
    match = _WINDOW.match(text)
    assert match is not None  # validated by MonitorConfig
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class LoadedMonitorConfig:
    """A monitor config read from a file."""

    config: MonitorConfig
    path: Path
    document: YamlDocument

    def resolve(self, relative: str) -> Path:
        """A path from the config, relative to the config's folder unless absolute."""
        candidate = Path(relative).expanduser()
        return candidate if candidate.is_absolute() else self.path.parent / candidate


def load_monitor_config(path: str | Path) -> LoadedMonitorConfig:
    """Read and validate ``monitor.yaml``.

    Raises
    ------
    ConfigError
        With file, line and column.
    """
    document = read_yaml(path, what="monitor config")
    try:
        config = MonitorConfig.model_validate(document.data)
    except ValidationError as exc:
        raise validation_error(exc, document, model=MonitorConfig) from None
    return LoadedMonitorConfig(config, Path(path), document)
