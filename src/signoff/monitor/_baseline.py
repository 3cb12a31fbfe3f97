"""The baseline: the reference read once — its buckets, profile, kinds, sorted values."""

from __future__ import annotations

from pathlib import Path

from ..engines import MEMORY_BUDGET, DataSource, find_source
from ..errors import ConfigError
from ..evidence import validate_scores
from ._baseline_type import Baseline, attribute_specs, labels_of, roles
from ._config import LoadedMonitorConfig, load_monitor_config
from ._inputs import feature_columns, read_tables, require_columns
from ._profile import numeric_values, profile_frame
from ._spec import column_kind, make_spec
from ._stats import prepare_ks

__all__ = ["NEEDS_REGISTRY", "Baseline", "attribute_specs", "build_baseline", "labels_of", "roles"]

NEEDS_REGISTRY = (
    "`reference: {audit: latest}` is resolved by the registry: run it with `signoff monitor` "
    "(the evaluation set of the watched version's latest audit)"
)


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
        from ._sql_baseline import engine_baseline  # DuckDB or Spark: imported on demand

        return engine_baseline(loaded, path, source, engine)
    return _numpy_baseline(loaded, path, source)


def _numpy_baseline(loaded: LoadedMonitorConfig, path: Path, source: DataSource) -> Baseline:
    config = loaded.config
    read = read_tables(source.files, what="reference")
    frame = read.frame
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
    digest = source.sha256(read.digests)
    return Baseline(loaded, path, spec, profile, kinds, ordered, source, digest)
