"""Score Parquet files larger than memory, :data:`BATCH_ROWS` rows at a time.

The files are read batch by batch (``ParquetFile.iter_batches``); each batch is handed
to the model as the same pandas frame reading the whole file would give, and the batch
— its own Arrow columns untouched, plus the score — is appended to one Parquet file.
Memory stays at one batch whatever the rows.  The audit's DuckDB engine and the
monitoring reference (``reference: {audit: latest}``) score a model file this way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ._loaded import LoadedModel

__all__ = ["BATCH_ROWS", "score_parquet"]

#: Rows scored at a time.
BATCH_ROWS = 1 << 16


def score_parquet(
    files: Sequence[Path],
    model: LoadedModel,
    out: Path,
    *,
    column: str,
    positive_label: object,
    features: Sequence[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> int:
    """Write every row of ``files`` with its score in ``column`` to ``out``; the rows.

    ``progress("scoring", done, total)`` is called after every batch.  Raises what
    :meth:`LoadedModel.scores` raises (a ``ModelError`` naming the model file).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    opened = [pq.ParquetFile(f) for f in files]
    total = sum(f.metadata.num_rows for f in opened)
    writer: Any = None
    done = 0
    try:
        for file in opened:
            for batch in file.iter_batches(batch_size=BATCH_ROWS):
                scores = model.scores(
                    batch.to_pandas(), positive_label=positive_label, features=features
                )
                table = pa.Table.from_batches([batch]).append_column(
                    column, pa.array(scores, pa.float64())
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
    if writer is None:  # no rows: the columns still, so the reader names the empty file
        schema = opened[0].schema_arrow.append(pa.field(column, pa.float64()))
        pq.write_table(schema.empty_table().replace_schema_metadata(None), out)
    return done
