"""Score Parquet files larger than memory, :data:`BATCH_ROWS` rows at a time.

The files are read batch by batch (``ParquetFile.iter_batches``); each batch is handed
to the model as the same pandas frame reading the whole file would give, and the batch
— its own Arrow columns untouched, plus the score — is appended to one Parquet file.
Memory stays at one batch whatever the rows.  The audit's DuckDB engine and the
monitoring reference (``reference: {audit: latest}``) score a model file this way.

CSV files are first copied to one Parquet file beside the output by DuckDB, out of
core and typed from every row as pandas types them
(:func:`signoff.engines.csv_to_parquet`; a ``reading CSV`` stage of the progress), then
scored by :func:`score_parquet` as any Parquet file; the copy is removed afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..engines import DataSource, csv_to_parquet
from ._loaded import LoadedModel

__all__ = ["BATCH_ROWS", "score_parquet", "score_source"]

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


def score_source(
    source: DataSource,
    model: LoadedModel,
    out: Path,
    *,
    column: str,
    positive_label: object,
    features: Sequence[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> int:
    """:func:`score_parquet` over ``source``'s files; CSV files copied to Parquet first.

    The copy is written in ``out``'s folder (DuckDB spills there too) and removed
    whatever happens.  Raises a ``DataError`` for CSV files DuckDB cannot read (naming
    the file, and the line of a row of the wrong length).
    """
    options: dict[str, Any] = {
        "column": column,
        "positive_label": positive_label,
        "features": features,
        "progress": progress,
    }
    if source.kind == "parquet":
        return score_parquet(source.files, model, out, **options)
    converted = out.with_name(f"{out.stem}-data.parquet")
    try:
        if progress is not None:
            progress("reading CSV", 0, 1)
        csv_to_parquet(source.files, converted, temp_dir=out.parent)
        if progress is not None:
            progress("reading CSV", 1, 1)
        return score_parquet([converted], model, out, **options)
    finally:
        converted.unlink(missing_ok=True)
