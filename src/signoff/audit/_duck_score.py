"""The DuckDB engine with a model: score the evaluation set in bounded batches first.

A model file and an evaluation set larger than memory: the Parquet files are read
:data:`BATCH_ROWS` rows at a time (``ParquetFile.iter_batches``), each batch is handed
to the model as the same pandas frame the NumPy path would build, and the batch — its
own Arrow columns untouched, plus the score — is appended to one Parquet file in a
temporary folder.  Memory stays at one batch whatever the rows; a ``scoring`` progress
bar counts the rows.  The audit then runs on that file as a predictions-only audit
whose score column is :data:`~._duck.SCORED` (hidden from data quality and proxies), so
every number is the one the scores-in-the-data path computes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import AuditConfig
from ..engines import DataSource
from ..errors import ConfigError
from ..models import LoadedModel
from ._duck import SCORED
from ._inputs import feature_columns

__all__ = ["BATCH_ROWS", "MODEL_NEEDS_PARQUET", "score_to_parquet"]

#: Rows scored at a time.
BATCH_ROWS = 1 << 16
MODEL_NEEDS_PARQUET = (
    "data.engine duckdb scores a model over Parquet files only (CSV types would be guessed "
    "batch by batch); convert the data to Parquet or use engine numpy"
)


def score_to_parquet(
    config: AuditConfig,
    source: DataSource,
    model: LoadedModel,
    folder: Path,
    progress: Callable[[str, int, int], None] | None,
) -> tuple[DataSource, AuditConfig]:
    """Score every row into ``folder``; the scored source and the config that audits it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if source.kind != "parquet":
        raise ConfigError(MODEL_NEEDS_PARQUET, field="data.engine")
    files = [pq.ParquetFile(f) for f in source.files]
    names = files[0].schema_arrow.names
    features = feature_columns(config, pd.DataFrame(columns=names), model)
    total = sum(f.metadata.num_rows for f in files)
    out = folder / "scored.parquet"
    writer: Any = None
    done = 0
    try:
        for file in files:
            for batch in file.iter_batches(batch_size=BATCH_ROWS):
                scores = model.scores(
                    batch.to_pandas(),
                    positive_label=config.data.positive_label,
                    features=features,
                )
                table = pa.Table.from_batches([batch]).append_column(
                    SCORED, pa.array(scores, pa.float64())
                )
                table = table.replace_schema_metadata(None)
                if writer is None:
                    writer = pq.ParquetWriter(out, table.schema)
                writer.write_table(table)
                done += batch.num_rows
                if progress is not None:
                    progress("scoring", done, total)
    finally:
        if writer is not None:
            writer.close()
    data = config.data.model_copy(update={"score_column": SCORED, "features": list(features)})
    scored = DataSource(path=out, files=(out,), kind="parquet", size=out.stat().st_size)
    return scored, config.model_copy(update={"data": data})
