"""``signoff.audit``: the one function every face calls."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._canonical import canonical_sha256
from ..config import (
    AuditConfig,
    LoadedConfig,
    YamlDocument,
    config_from_mapping,
    is_uri,
    load_config,
)
from ..engines import MEMORY_BUDGET, DataSource, Engine, find_source
from ..errors import ConfigError
from ._assemble import assemble_results
from ._evidence import gather_evidence, spark_evidence
from ._gating import PolicyInput, apply_policy, as_loaded_policy, policy_manifest_entry
from ._inputs import resolve
from ._manifest import build_manifest
from ._result import AuditResult

__all__ = ["Progress", "audit", "timestamp_from_environment"]

#: ``progress(stage, done, total)`` — called as work advances; the CLI draws bars from it.
Progress = Callable[[str, int, int], None]

FRAME_PATH = "<spark DataFrame>"
NOT_A_FRAME = "data= takes a Spark DataFrame (pyspark.sql.DataFrame); got {kind}"
FRAME_ENGINE = "data= (a Spark DataFrame) is audited by the spark engine; data.engine is {engine}"
FRAME_SCORES = "data= (a Spark DataFrame) needs the scores in a column: set data.score_column"
URI_ENGINE = (
    "data.path {uri!r} is a URI, which only the spark engine reads (through the cluster's "
    "file systems); data.engine is {engine}"
)
URI_SCORES = (
    "data.path {uri!r} is a URI, read by the spark engine, which needs the scores in a "
    "column: set data.score_column"
)
BAD_SEED = "seed must be a whole number ≥ 0; got {value}"
BAD_EPOCH = "SOURCE_DATE_EPOCH must be a whole number of seconds since 1970; got {value!r}"


def timestamp_from_environment() -> datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else the current UTC time."""
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is None or raw == "":
        return datetime.now(UTC).replace(microsecond=0)
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise ConfigError(BAD_EPOCH.format(value=raw), field="SOURCE_DATE_EPOCH") from None


@dataclass(frozen=True)
class _Source:
    config: AuditConfig
    base_dir: Path
    name: str
    sha256: str
    seed_set: bool  # the config names a seed (a reproducibility requirement)
    document: YamlDocument | None = None  # the config file as read, when there is one

    def refuse(self, message: str, field: str) -> ConfigError:
        """The error about ``field`` (dotted), at its line in the config file if any."""
        if self.document is None:
            return ConfigError(message, field=field)
        line, column = self.document.locate(field.split("."))
        return ConfigError(message, file=self.document.path, field=field, line=line, column=column)


def _source(config: str | Path | Mapping[str, Any] | LoadedConfig | AuditConfig) -> _Source:
    if isinstance(config, LoadedConfig):
        seed_set = "seed" in config.document.data
        return _Source(
            config.config,
            config.base_dir,
            config.path.name,
            config.sha256,
            seed_set,
            config.document,
        )
    if isinstance(config, str | Path):
        return _source(load_config(config))
    if isinstance(config, AuditConfig):
        parsed, seed_set = config, "seed" in config.model_fields_set
    else:
        parsed, seed_set = config_from_mapping(config), "seed" in config
    digest = canonical_sha256(parsed.model_dump(mode="json"))
    return _Source(parsed, Path.cwd(), "<python>", digest, seed_set)


def _frame_config(config: AuditConfig, source: _Source, data: Any) -> AuditConfig:
    """The config for a DataFrame handed over as ``data=``: the spark engine."""
    kind = type(data)
    if not (kind.__module__.startswith("pyspark.") and kind.__name__ == "DataFrame"):
        raise ConfigError(NOT_A_FRAME.format(kind=f"{kind.__module__}.{kind.__name__}"))
    return _on_spark(config, source, FRAME_ENGINE, FRAME_SCORES)


def _on_spark(
    config: AuditConfig, source: _Source, wrong_engine: str, no_scores: str
) -> AuditConfig:
    """The config with ``data.engine: spark``, for data only Spark reads (a DataFrame, a
    URI); ``auto`` or ``spark`` only, and predictions-only (a score column)."""
    engine, uri = config.data.engine, config.data.path
    if engine not in ("auto", "spark"):
        raise source.refuse(wrong_engine.format(engine=engine, uri=uri), "data.engine")
    if config.data.score_column is None:
        raise source.refuse(no_scores.format(uri=uri), "data.score_column")
    data_config = config.data.model_copy(update={"engine": "spark"})
    return config.model_copy(update={"data": data_config})


def audit(
    config: str | Path | Mapping[str, Any] | LoadedConfig | AuditConfig,
    *,
    seed: int | None = None,
    policy: PolicyInput | None = None,
    strict: bool = False,
    trust_model: bool = False,
    created_at: datetime | None = None,
    run_by: str | None = None,
    command: str | None = None,
    progress: Progress | None = None,
    data: Any = None,
) -> AuditResult:
    """Audit a model on an evaluation set.

    Parameters
    ----------
    config : path, mapping, LoadedConfig or AuditConfig
        The audit config: a YAML file, or the same keys as a mapping (relative
        paths then resolve against the current folder).
    seed : int, optional
        Overrides ``seed`` in the config.
    policy : path or LoadedPolicy, optional
        A policy whose gates are judged on the evidence; the outcome is in
        ``results["gates"]`` and ``AuditResult.outcome``.
    strict : bool
        Check every reproducibility requirement, and refuse a policy that is
        not yet in effect, whatever the policy says.
    trust_model : bool
        Allow joblib/pickle model files (they run code when loaded).
    created_at : datetime, optional
        The manifest's timestamp; default ``SOURCE_DATE_EPOCH`` or now.
    run_by : str, optional
        Who ran it, recorded in the manifest.
    command : str, optional
        The command line that ran it, recorded in the manifest.
    progress : callable, optional
        ``progress(stage, done, total)``, called as work advances.
    data : pyspark.sql.DataFrame, optional
        The evaluation set as a Spark DataFrame, in place of the files ``data.path``
        names: the spark engine computes the evidence (``data.engine`` must be ``auto``
        or ``spark``), and the manifest records ``<spark DataFrame>`` with a digest of
        its rows.  A ``data.path`` that is a URI (``hdfs://…``, ``s3a://…``,
        ``file:///…``) is read by Spark the same way, the manifest recording the URI.

    Returns
    -------
    AuditResult
        The evidence and the manifest; ``write(folder)`` saves both.
    """
    source = _source(config)
    loaded_policy = as_loaded_policy(policy) if policy is not None else None  # fail fast
    cfg = source.config
    if seed is not None:
        if seed < 0:
            raise ConfigError(BAD_SEED.format(value=seed), field="seed")
        cfg = cfg.model_copy(update={"seed": seed})
    if trust_model and cfg.model is not None:
        cfg = cfg.model_copy(update={"model": cfg.model.model_copy(update={"trusted": True})})

    data_path = cfg.data.path
    if data is not None:
        cfg = _frame_config(cfg, source, data)
        data_path = FRAME_PATH
        evidence = spark_evidence(cfg, cfg.seed, progress, frame=data)
    elif is_uri(cfg.data.path):
        cfg = _on_spark(cfg, source, URI_ENGINE, URI_SCORES)
        found = DataSource.at_uri(cfg.data.path)
        evidence = gather_evidence(
            cfg, found, "spark", seed=cfg.seed, progress=progress, base_dir=source.base_dir
        )
    else:
        found = find_source(resolve(source.base_dir, cfg.data.path))
        evidence = gather_evidence(
            cfg,
            found,
            choose_engine(cfg, found),
            seed=cfg.seed,
            progress=progress,
            base_dir=source.base_dir,
        )
    results = assemble_results(
        config=cfg,
        rows=evidence.rows,
        stats=evidence.stats,
        attributes=evidence.attributes,
        importances=evidence.importances,
        importance_rank=evidence.importance_rank,
        watched_features=evidence.watched,
        proxies=evidence.proxies,
        quality=evidence.quality,
        explain_note=evidence.note,
        curves=evidence.curves,
    )
    files: dict[str, dict[str, Any]] = {
        "config": {"path": source.name, "sha256": source.sha256},
        "data": {"path": data_path, "sha256": evidence.data_sha256, "rows": evidence.rows},
    }
    if cfg.model is not None and evidence.model is not None:
        files["model"] = {
            "path": cfg.model.path,
            "format": cfg.model.format,
            "sha256": evidence.model.sha256,
        }
    when = created_at or timestamp_from_environment()

    def manifest_for(document: dict[str, Any]) -> dict[str, Any]:
        return build_manifest(
            inputs=files,
            config=cfg.model_dump(mode="json"),
            seed=cfg.seed,
            results=document,
            created_at=when,
            run_by=run_by,
            base_dir=source.base_dir,
            command=command,
            run={"strict": strict, "seed_set": source.seed_set or seed is not None},
        )

    manifest = manifest_for(results)
    outcome = None
    if loaded_policy is not None:
        outcome = apply_policy(
            loaded_policy,
            results,
            today=when.date(),
            strict=strict,
            seed_set=source.seed_set or seed is not None,
            git=manifest["git"],
            manifest=manifest,
        )
        results = {**results, "policy": policy_manifest_entry(outcome)}
        results["gates"] = [gate.to_dict() for gate in outcome.gates]
        files["policy"] = policy_manifest_entry(outcome)
        manifest = manifest_for(results)
    return AuditResult(results=results, manifest=manifest, outcome=outcome)


def choose_engine(config: AuditConfig, source: DataSource) -> Engine:
    """The engine that computes the evidence (``data.engine``, ``auto`` resolved).

    ``auto`` picks NumPy while the data fits :data:`~signoff.engines.MEMORY_BUDGET`
    (predictions-only past it: DuckDB; a config with a model stays on NumPy).
    """
    engine = config.data.engine
    if engine in ("numpy", "duckdb", "spark"):
        return engine
    if config.data.score_column is None or source.size <= MEMORY_BUDGET:
        return "numpy"
    return "duckdb"
