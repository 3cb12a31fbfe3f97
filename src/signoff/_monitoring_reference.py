"""The monitoring reference a registry resolves: the config's file, or ``{audit: latest}``.

``reference: {audit: latest}`` is the evaluation set of the watched version's latest
audit, found by the path and SHA-256 its manifest recorded (beside the monitor config or
in the working directory; a folder or a glob of Parquet files as well as one file).
Only its schema is read here (the Parquet footer, a CSV file's header): when it holds
the config's score column, the engine of ``data.engine`` profiles it as it is.  When it
does not, the audited model file scores it — 65,536 rows at a time into a temporary
Parquet file (:func:`signoff.models.score_source`, as the audit's DuckDB engine does; a
``scoring`` progress bar counts the rows), so memory holds one batch whatever the
engine.  CSV files are first copied to Parquet by DuckDB out of core, typed from every
row as pandas types them; only a CSV set the NumPy engine takes on (``engine: numpy``,
or ``auto`` within :data:`~signoff.engines.MEMORY_BUDGET`) is scored in memory.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from .config import is_uri
from .engines import MEMORY_BUDGET, SPARK_FRAME, DataSource, find_source
from .errors import ConfigError, DataError
from .models import load_model, score_source
from .monitor import LoadedMonitorConfig, file_sha256, load_monitor_config, read_tables
from .registry import Registry, VersionRef

__all__ = ["AUDIT_DATA_ELSEWHERE", "AUDIT_DATA_MISSING", "NO_AUDIT", "Progress", "reference"]

Progress = Callable[[str, int, int], None]
NO_AUDIT = (
    "`reference: {{audit: latest}}`: {ref} has no audit in the registry; attach one or "
    "give `reference: {{path: FILE}}`"
)
AUDIT_DATA_ELSEWHERE = (
    "`reference: {{audit: latest}}`: audit {audit} of {ref} was run on {path}, which "
    "monitoring cannot read here (a URI or a DataFrame, read by Spark); give "
    "`reference: {{path: FILE}}` with a copy of that data"
)
AUDIT_DATA_MISSING = (
    "`reference: {{audit: latest}}`: audit {audit} of {ref} was run on {path} "
    "(sha256 {sha256}); no file with that content at {tried}"
)


def _find(entry: dict[str, Any], config: Path, audit: int, ref: VersionRef, *, data: bool) -> Path:
    """What an audit manifest names — its data (a file, folder or glob) or its model file —
    by path and SHA-256, beside the monitor config or in the working directory."""
    named = str(entry["path"])
    if data and (is_uri(named) or named == SPARK_FRAME.name):
        message = AUDIT_DATA_ELSEWHERE.format(audit=audit, ref=ref, path=named)
        raise ConfigError(message, file=config, field="reference.audit")
    tried = []
    for base in (config.parent, Path.cwd()):
        candidate: Path = (base / str(entry["path"])).resolve()
        tried.append(str(candidate))
        if data:
            digest = _reference_sha256(candidate)
        else:
            digest = file_sha256(candidate) if candidate.is_file() else None
        if digest == entry["sha256"]:
            return candidate
    raise ConfigError(
        AUDIT_DATA_MISSING.format(
            audit=audit,
            ref=ref,
            path=entry["path"],
            sha256=entry["sha256"],
            tried=" or ".join(tried),
        ),
        file=config,
        field="reference.audit",
    )


def _reference_sha256(path: Path) -> str | None:
    """The reference's SHA-256 (one file's, or the files' of a folder or glob), if it exists."""
    try:
        return find_source(path, what="reference file").sha256()
    except DataError:
        return None  # profiling it names the problem


def _columns(source: DataSource) -> list[str] | None:
    """The data's column names from its schema alone; None when it cannot be read (the
    profiler then names the problem as for any reference)."""
    try:
        if source.kind == "parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(source.files[0]).names)
        return [str(c) for c in pd.read_csv(source.files[0], nrows=0).columns]
    except Exception:  # pyarrow and pandas raise many types for bad files
        return None


def _engine(loaded: LoadedMonitorConfig, source: DataSource) -> str:
    engine: str = loaded.config.data.engine
    if engine == "auto":
        return "numpy" if source.size <= MEMORY_BUDGET else "duckdb"
    return engine


@contextmanager
def reference(
    registry: Registry, config_path: Path, ref: VersionRef, progress: Progress | None = None
) -> Iterator[tuple[Path | None, dict[str, Any]]]:
    """The reference to profile (None: the config's own) and how the run describes it."""
    loaded = load_monitor_config(config_path)
    config = loaded.config
    if config.reference.path is not None:
        path = loaded.resolve(config.reference.path)
        yield None, {"path": str(path), "sha256": _reference_sha256(path)}
        return
    audits = registry.list_audits(ref)
    if not audits:
        raise ConfigError(NO_AUDIT.format(ref=ref), file=loaded.path, field="reference.audit")
    audit = audits[-1]
    artifacts = registry.core.artifacts
    manifest = json.loads(artifacts.get(audit.manifest_sha256))
    inputs = manifest["inputs"]
    source = find_source(_find(inputs["data"], loaded.path, audit.id, ref, data=True))
    described = {"audit": audit.id, "path": str(source.path), "sha256": inputs["data"]["sha256"]}
    score = config.columns.score
    columns = _columns(source)
    if columns is None or score in columns or not inputs.get("model"):
        yield source.path, described
        return
    model = load_model(
        _find(inputs["model"], loaded.path, audit.id, ref, data=False),
        inputs["model"].get("format", "skops"),
    )
    positive = json.loads(artifacts.get(audit.results_sha256))["positive_label"]
    scored_by = {**described, "scored_by": inputs["model"]["sha256"]}
    with tempfile.TemporaryDirectory(prefix="signoff-reference-") as folder:
        scored = Path(folder) / "reference.parquet"
        if source.kind == "csv" and _engine(loaded, source) == "numpy":  # fits in memory
            frame = read_tables(source.files, what="reference").frame
            frame[score] = model.scores(frame, positive_label=positive)
            frame.to_parquet(scored, index=False)
        else:
            score_source(
                source, model, scored, column=score, positive_label=positive, progress=progress
            )
        yield scored, scored_by
