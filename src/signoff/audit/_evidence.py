"""The evidence of one audit, by the engine ``data.engine`` picks.

NumPy reads the data into memory and computes everything from the arrays; DuckDB
(``_duck``, ``_duck_evidence``) reduces the data in SQL and Spark (``_spark``,
``_spark_evidence``) by ``groupBy``, and neither holds the rows.  All three hand
:func:`~._stats.summarise` the same count table, so the bootstrap and every
count-based metric run on the same numbers.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._gc import keep_until_exit
from ..config import AuditConfig
from ..engines import DataSource, Engine
from ..evidence import Attribute
from ..explain import FeatureImportance, importance_rank, permutation_importances
from ..metrics import (
    DataQuality,
    OperatingCurves,
    ProxyAssociation,
    data_quality,
    operating_curves,
    proxy_associations,
)
from ._inputs import AuditInputs, gather_inputs, resolve
from ._stats import OVERALL, Counted, Progress, Statistics, count_arrays, summarise

__all__ = ["Evidence", "gather_evidence", "spark_evidence"]


@dataclass(frozen=True)
class Evidence:
    """Everything ``results.json`` is assembled from, and what the manifest hashes."""

    engine: Engine
    rows: int
    data_sha256: str
    stats: Statistics
    attributes: tuple[Attribute, ...]
    proxies: tuple[ProxyAssociation, ...]
    importances: list[FeatureImportance] | None
    importance_rank: int | None
    watched: list[str]
    note: str | None
    quality: DataQuality
    curves: OperatingCurves | None
    model: Any


def _tick(progress: Progress | None, stage: str) -> None:
    if progress is not None:
        progress(stage, 1, 1)


def _watched(
    features: tuple[str, ...], config: AuditConfig, proxies: tuple[ProxyAssociation, ...]
) -> list[str]:
    protected_columns = {config.attribute_column(a) for a in config.protected_attributes}
    strong = {
        p.feature for p in proxies if p.value is not None and p.value >= config.proxy_threshold
    }
    return sorted((protected_columns | set(config.proxies) | strong) & set(features))


def _explain(
    inputs: AuditInputs,
    config: AuditConfig,
    proxies: tuple[ProxyAssociation, ...],
    seed: int,
    progress: Progress | None,
) -> tuple[Any, int | None, list[str], str | None]:
    watched = _watched(inputs.features, config, proxies)
    if inputs.model is None:
        return None, None, watched, PREDICTIONS_ONLY
    if config.explain.permutation_repeats == 0:
        return (
            None,
            None,
            watched,
            "permutation importance turned off (explain.permutation_repeats: 0)",
        )
    importances = permutation_importances(
        inputs.model,
        inputs.frame,
        inputs.y,
        positive_label=config.data.positive_label,
        features=inputs.features,
        scoring=config.explain.scoring,
        threshold=config.threshold,
        repeats=config.explain.permutation_repeats,
        max_rows=config.explain.max_rows,
        seed=seed,
    )
    _tick(progress, "permutation importance")
    return importances, importance_rank(importances, watched), watched, None


DUCKDB_NO_IMPORTANCE = (
    "permutation importance is not computed by the duckdb engine (it rescores rows held in "
    "memory): use engine numpy on a sample for it"
)
PREDICTIONS_ONLY = "no model given (predictions-only mode): permutation importance skipped"


def _numpy(
    config: AuditConfig, source: DataSource, seed: int, progress: Progress | None, base: Path
) -> Evidence:
    inputs = gather_inputs(config, base, source)
    _tick(progress, "reading data and scoring")
    counted = count_arrays(inputs.y, inputs.scores, inputs.attributes, config)
    stats = summarise(counted, inputs.attributes, config, seed=seed, progress=progress)
    feature_frame = inputs.frame[list(inputs.features)]
    protected_columns = {config.attribute_column(a) for a in config.protected_attributes}
    candidates = feature_frame[[c for c in feature_frame.columns if c not in protected_columns]]
    proxies = proxy_associations(candidates, {a.name: a.codes for a in inputs.attributes})
    _tick(progress, "proxy detection")
    importances, rank, watched, note = _explain(inputs, config, proxies, seed, progress)
    return Evidence(
        engine="numpy",
        rows=len(inputs.frame),
        data_sha256=inputs.data_sha256,
        stats=stats,
        attributes=inputs.attributes,
        proxies=tuple(proxies),
        importances=importances,
        importance_rank=rank,
        watched=watched,
        note=note,
        quality=data_quality(inputs.frame),
        curves=operating_curves(inputs.y, inputs.scores),
        model=inputs.model,
    )


def _duckdb(
    config: AuditConfig,
    source: DataSource,
    seed: int,
    progress: Progress | None,
    base: Path,
) -> Evidence:
    from ._duck import connect, reduce_rows
    from ._duck_evidence import duck_evidence
    from ._duck_proxy import duck_proxies

    model = None
    data_sha256 = source.sha256()
    with tempfile.TemporaryDirectory(prefix="signoff-scored-") as folder:
        if config.model is not None:  # score in bounded batches into Parquet first
            from ..models import load_model  # (scikit-learn: imported with a model only)
            from ._duck_score import score_to_parquet

            model = load_model(
                resolve(base, config.model.path), config.model.format, trusted=config.model.trusted
            )
            keep_until_exit(model)  # and scikit-learn, imported now: out of the collector's way
            source, config = score_to_parquet(config, source, model, Path(folder), progress)
        con = connect()
        try:
            reduced = reduce_rows(config, source, con)
            _tick(progress, "reading data and scoring")
            found = duck_evidence(reduced, config, OVERALL)
            protected = {config.attribute_column(a) for a in config.protected_attributes}
            proxies = duck_proxies(reduced, [f for f in reduced.features if f not in protected])
            _tick(progress, "proxy detection")
        finally:
            con.close()
    counted = Counted(found.table, found.views, found.exact_auc, found.average_precision)
    stats = summarise(counted, reduced.attributes, config, seed=seed, progress=progress)
    return Evidence(
        engine="duckdb",
        rows=reduced.rows,
        data_sha256=data_sha256,
        stats=stats,
        attributes=reduced.attributes,
        proxies=proxies,
        importances=None,
        importance_rank=None,
        watched=_watched(reduced.features, config, proxies),
        note=PREDICTIONS_ONLY if model is None else DUCKDB_NO_IMPORTANCE,
        quality=found.quality,
        curves=found.curves,
        model=model,
    )


def spark_evidence(
    config: AuditConfig,
    seed: int,
    progress: Progress | None,
    *,
    source: DataSource | None = None,
    frame: Any = None,
) -> Evidence:
    """The evidence computed by Spark, from ``source`` — Parquet files, or Parquet data at
    a URI (:meth:`~signoff.engines.DataSource.at_uri`: read through the cluster's file
    systems) — or from a DataFrame."""
    from ..engines import SPARK_FRAME as FRAME
    from ..engines import spark_frame_digest as frame_digest
    from ..engines import spark_jobs as jobs
    from ..engines import spark_quiet as quiet
    from ..engines import spark_read_parquet as read_parquet
    from ..engines import spark_read_uri as read_uri
    from ..engines import spark_session as session
    from ._spark import reduce_frame
    from ._spark_evidence import spark_evidence as from_agg
    from ._spark_proxy import spark_proxies

    with quiet():
        spark = session()
        where: str | Path = FRAME
        files: tuple[Path, ...] = ()
        uri = source.uri if source is not None else None
        if uri is not None:
            where, frame = uri, read_uri(spark, uri)
        elif frame is None:
            assert source is not None
            where, files = source.path, source.files
            frame = read_parquet(spark, files, source.kind, where)
        # Reading is lazy: a part of a URI's data that cannot be read fails in a job.
        with jobs(uri):
            reduced = reduce_frame(config, spark, frame, where=where, files=files)
            try:
                _tick(progress, "reading data and scoring")
                found = from_agg(reduced, config, OVERALL)
                protected = {config.attribute_column(a) for a in config.protected_attributes}
                unprotected = [f for f in reduced.features if f not in protected]
                proxies = spark_proxies(reduced, unprotected)
                _tick(progress, "proxy detection")
                if source is not None and uri is None:
                    digest = source.sha256()  # the files' bytes
                else:
                    digest = frame_digest(frame)  # the rows (a DataFrame, a URI's data)
            finally:
                reduced.agg.unpersist()
    counted = Counted(found.table, found.views, found.exact_auc, found.average_precision)
    stats = summarise(counted, reduced.attributes, config, seed=seed, progress=progress)
    features = reduced.features
    return Evidence(
        engine="spark",
        rows=reduced.rows,
        data_sha256=digest,
        stats=stats,
        attributes=reduced.attributes,
        proxies=proxies,
        importances=None,
        importance_rank=None,
        watched=_watched(features, config, proxies),
        note=PREDICTIONS_ONLY,
        quality=found.quality,
        curves=found.curves,
        model=None,
    )


def gather_evidence(
    config: AuditConfig,
    source: DataSource,
    engine: Engine,
    *,
    seed: int,
    progress: Progress | None,
    base_dir: Path,
) -> Evidence:
    """Compute the evidence with ``engine``."""
    if engine == "duckdb":
        return _duckdb(config, source, seed, progress, base_dir)
    if engine == "spark":
        return spark_evidence(config, seed, progress, source=source)
    return _numpy(config, source, seed, progress, base_dir)
