"""Gather the audit's inputs: data, labels, scores, groups and the model.

Everything is read and checked here, before any metric runs, so a bad input
fails fast with one message and nothing is half-written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._gc import keep_until_exit
from ..config import AuditConfig
from ..engines import DataSource
from ..evidence import (
    Attribute,
    binary_labels,
    check_columns,
    encode_attributes,
    validate_scores,
)
from ._read import read_data, read_source

if TYPE_CHECKING:
    from ..models import LoadedModel

__all__ = ["AuditInputs", "feature_columns", "gather_inputs", "resolve"]


@dataclass(frozen=True)
class AuditInputs:
    """Everything the metrics need, checked."""

    frame: pd.DataFrame
    data_path: Path
    data_sha256: str
    y: NDArray[np.int8]
    scores: NDArray[np.float64]
    attributes: tuple[Attribute, ...]
    model: LoadedModel | None
    features: tuple[str, ...]


def feature_columns(
    config: AuditConfig, frame: pd.DataFrame, model: LoadedModel | None
) -> tuple[str, ...]:
    """The model's input columns: listed, else the model's own names, else the rest."""
    if config.data.features is not None:
        return tuple(config.data.features)
    if model is not None and model.feature_names is not None:
        return tuple(model.feature_names)
    excluded = {config.data.target, config.data.score_column}
    excluded |= {config.attribute_column(a) for a in config.protected_attributes}
    return tuple(str(c) for c in frame.columns if c not in excluded)


def resolve(base_dir: Path, path: str) -> Path:
    """A path from the config: relative to the config file's folder unless absolute."""
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else base_dir / candidate


def gather_inputs(
    config: AuditConfig, base_dir: Path, source: DataSource | None = None
) -> AuditInputs:
    """Read and check the data (``source``, default ``data.path``) and the model."""
    data_path = resolve(base_dir, config.data.path)
    data = read_source(source) if source is not None else read_data(data_path)
    frame = data.frame

    needed = {config.data.target: "data.target"}
    if config.data.score_column is not None:
        needed[config.data.score_column] = "data.score_column"
    for name in config.protected_attributes:
        needed.setdefault(config.attribute_column(name), f"protected_attributes.{name}")
    for feature in config.data.features or []:
        needed.setdefault(feature, "data.features")
    check_columns(frame, needed, file=data_path)

    y = binary_labels(frame, config.data.target, config.data.positive_label, file=data_path)
    attributes = tuple(encode_attributes(frame, config, file=data_path))

    model = None
    if config.model is not None:  # (scikit-learn is imported with a model only: ~1 s)
        from ..models import load_model

        model = load_model(
            resolve(base_dir, config.model.path), config.model.format, trusted=config.model.trusted
        )
        keep_until_exit(model)  # and scikit-learn, imported now: out of the collector's way
    features = feature_columns(config, frame, model)

    if config.data.score_column is not None:
        scores = validate_scores(
            frame[config.data.score_column].to_numpy(), file=data_path, field="data.score_column"
        )
    else:
        assert model is not None  # the config schema guarantees one of the two
        scores = model.scores(frame, positive_label=config.data.positive_label, features=features)

    return AuditInputs(
        frame=frame,
        data_path=data_path,
        data_sha256=data.sha256,  # of the very bytes parsed
        y=y,
        scores=scores,
        attributes=attributes,
        model=model,
        features=features,
    )
