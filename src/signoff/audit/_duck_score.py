"""The DuckDB engine with a model: score the evaluation set in bounded batches first.

A model file and an evaluation set larger than memory: :func:`signoff.models.score_source`
reads the Parquet files 65,536 rows at a time (CSV files are first copied to one
Parquet file by DuckDB out of core, typed from every row as pandas types them), hands
each batch to the model as the same pandas frame the NumPy path would build, and
appends the batch — its own Arrow columns untouched, plus the score — to one Parquet
file in a temporary folder.  Memory stays at
one batch whatever the rows; a ``scoring`` progress bar counts the rows.  The audit then
runs on that file as a predictions-only audit whose score column is
:data:`~._duck.SCORED` (hidden from data quality and proxies), so every number is the one
the scores-in-the-data path computes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..config import AuditConfig
from ..engines import DataSource, csv_header
from ..models import LoadedModel, score_source
from ._duck import SCORED
from ._inputs import feature_columns

__all__ = ["score_to_parquet"]


def score_to_parquet(
    config: AuditConfig,
    source: DataSource,
    model: LoadedModel,
    folder: Path,
    progress: Callable[[str, int, int], None] | None,
) -> tuple[DataSource, AuditConfig]:
    """Score every row into ``folder``; the scored source and the config that audits it."""
    import pyarrow.parquet as pq

    if source.kind == "parquet":
        names = pq.read_schema(source.files[0]).names
    else:
        names = csv_header(source.files[0])
    features = feature_columns(config, pd.DataFrame(columns=names), model)
    out = folder / "scored.parquet"
    score_source(
        source,
        model,
        out,
        column=SCORED,
        positive_label=config.data.positive_label,
        features=features,
        progress=progress,
    )
    data = config.data.model_copy(update={"score_column": SCORED, "features": list(features)})
    # Read from ``out``, named by the user's path: a problem in the data (a missing label,
    # an attribute with one group) names the file the user gave, not a temporary one.
    scored = DataSource(path=source.path, files=(out,), kind="parquet", size=out.stat().st_size)
    return scored, config.model_copy(update={"data": data})
