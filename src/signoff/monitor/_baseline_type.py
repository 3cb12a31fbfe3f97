"""What a baseline holds, and how a monitor config names its columns (no data read here:
the in-memory and the engines' baselines both build on it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ..engines import DataSource, file_sha256
from ._config import LoadedMonitorConfig, MonitorConfig
from ._counts import Profile
from ._inputs import label_codes
from ._spec import AttributeSpec, ProfileSpec

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Baseline", "attribute_specs", "labels_of", "roles"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Baseline:
    """The reference: its buckets, its profile, column kinds and sorted values for exact KS."""

    loaded: LoadedMonitorConfig
    path: Path
    spec: ProfileSpec
    profile: Profile
    kinds: Mapping[str, str]
    sorted_values: Mapping[str, FloatArray]
    #: The reference's files (one, a folder or a glob, as a batch's).
    source: DataSource | None = None
    #: Their digest, of the very bytes profiled, when they were read into memory.
    sha256: str | None = None

    def digest(self) -> str:
        """The reference's SHA-256 as records cite it (the data set's, as for a batch)."""
        if self.sha256 is not None:
            return self.sha256
        return self.source.sha256() if self.source is not None else file_sha256(self.path)

    @property
    def config(self) -> MonitorConfig:
        """The monitor config."""
        return self.loaded.config


def roles(config: MonitorConfig) -> dict[str, str]:
    """Column → the config field that names it (score, prediction id, timestamp, target)."""
    cols = config.columns
    roles = {cols.score: "columns.score"}
    for name in ("prediction_id", "timestamp", "target"):
        value = getattr(cols, name)
        if value is not None:
            roles[value] = f"columns.{name}"
    return roles


def attribute_specs(config: MonitorConfig) -> tuple[AttributeSpec, ...]:
    """The protected attributes as the profile counts them."""
    return tuple(
        AttributeSpec(
            name,
            config.attribute_column(name),
            tuple(spec.bins) if spec.bins is not None else None,
            tuple(spec.labels) if spec.labels is not None else None,
        )
        for name, spec in config.protected_attributes.items()
    )


def labels_of(frame: pd.DataFrame, config: MonitorConfig) -> NDArray[np.int8]:
    """The target column as 0/1, 2 where missing (or every row 2 without one)."""
    target = config.columns.target
    if target is None or target not in frame.columns:
        return np.full(len(frame), 2, dtype=np.int8)
    return label_codes(frame[target], config.positive_label)
