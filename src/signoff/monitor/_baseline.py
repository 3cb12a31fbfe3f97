"""The baseline: the reference read once — its buckets, profile, kinds, sorted values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..engines import MEMORY_BUDGET, DataSource, find_source
from ..errors import ConfigError
from ..evidence import validate_scores
from ._config import LoadedMonitorConfig, MonitorConfig, load_monitor_config
from ._inputs import feature_columns, label_codes, read_table, require_columns
from ._profile import Profile, numeric_values, profile_frame
from ._spec import AttributeSpec, ProfileSpec, column_kind, make_spec
from ._stats import prepare_ks

__all__ = ["NEEDS_REGISTRY", "Baseline", "attribute_specs", "build_baseline", "labels_of", "roles"]

NEEDS_REGISTRY = (
    "`reference: {audit: latest}` is resolved by the registry: run it with `signoff monitor` "
    "(the evaluation set of the watched version's latest audit)"
)

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


def build_baseline(config_path: str | Path, *, reference: Path | None = None) -> Baseline:
    """Read the config and the reference, and profile the reference.

    ``reference`` overrides the config's: the registry passes the evaluation set of the
    version's latest audit for ``reference: {audit: latest}``.  The reference may be a
    file, a folder or a glob, as a batch; ``data.engine`` says who profiles it
    (``auto``: in memory within :data:`~signoff.engines.MEMORY_BUDGET`, DuckDB past it),
    and every engine gives the same baseline.
    """
    loaded = load_monitor_config(config_path)
    config = loaded.config
    if reference is not None:
        path = reference
    elif config.reference.path is not None:
        path = loaded.resolve(config.reference.path)
    else:
        raise ConfigError(NEEDS_REGISTRY, file=loaded.path, field="reference.audit")
    source = find_source(path, what="reference file")
    engine: str = config.data.engine
    if engine == "auto":
        engine = "numpy" if source.size <= MEMORY_BUDGET else "duckdb"
    if engine != "numpy":
        from ._sql_baseline import engine_baseline  # imports this module

        return engine_baseline(loaded, path, source, engine)
    return _numpy_baseline(loaded, path, source)


def _numpy_baseline(loaded: LoadedMonitorConfig, path: Path, source: DataSource) -> Baseline:
    config = loaded.config
    frames = [read_table(f, what="reference") for f in source.files]
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    attributes = attribute_specs(config)
    needed = {config.columns.score: "columns.score"}
    needed.update({a.column: f"protected_attributes.{a.name}" for a in attributes})
    needed.update(dict.fromkeys(config.features or (), "features"))
    require_columns(frame, needed, what="reference", file=path)
    exclude = set(roles(config)) | {a.column for a in attributes}
    features = feature_columns(frame, config.features, exclude)
    scores = validate_scores(frame[config.columns.score], file=path, field="columns.score")
    spec = make_spec(
        frame,
        features=features,
        score=config.columns.score,
        threshold=config.threshold,
        attributes=attributes,
    )
    profile = profile_frame(frame, spec, scores=scores, labels=labels_of(frame, config))
    kinds = {c: column_kind(frame[c]) for c in (*features, config.columns.score)}
    kinds.update({a.column: column_kind(frame[a.column]) for a in attributes})
    ordered = {c: prepare_ks(numeric_values(frame[c])) for c in spec.numeric}
    return Baseline(loaded, path, spec, profile, kinds, ordered, source)
