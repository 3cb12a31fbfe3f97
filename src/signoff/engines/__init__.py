"""signoff.engines: where a data set is, and the engines that read it out of core.

``find_source`` turns a path (a file, a folder, a glob) into the checked files of one
data set (``check_names``: no column named twice); ``csv_to_parquet`` copies CSV files
to Parquet out of core, typed as pandas types them, and ``as_one_file`` types pandas'
frames of several CSV files the same way; ``read_files`` reads a data set into memory,
each file's bytes once, hashed and parsed; ``duckdb_connect`` opens DuckDB with a memory
limit and a folder to spill to; ``spark_session`` finds or starts a Spark session.  The
audit and monitoring use them alike.
"""

from ._csv import (
    CSV_ROW_FIELDS,
    CSV_UNREADABLE,
    csv_header,
    csv_refused,
    csv_scan,
    csv_to_parquet,
    csv_types,
    misshapen_row,
    pandas_names,
)
from ._duckdb import connect as duckdb_connect
from ._duckdb import quote
from ._frames import as_one_file, csv_frame, csv_text_columns
from ._names import DUPLICATE_COLUMN, SAME_BUT_CASE, check_names
from ._read import CHANGED as FILE_CHANGED
from ._read import NESTED_COLUMN, UNREADABLE, ReadData, read_files
from ._rows import check_parsed_rows, check_rows, text_header
from ._sources import (
    MEMORY_BUDGET,
    UNSUPPORTED,
    DataSource,
    Engine,
    Kind,
    duration_units,
    file_sha256,
    find_source,
)
from ._spark_cluster import jobs as spark_jobs
from ._spark_cluster import read_uri as spark_read_uri
from ._spark_session import FRAME as SPARK_FRAME
from ._spark_session import LOCAL_SETTINGS as SPARK_LOCAL_SETTINGS
from ._spark_session import frame_digest as spark_frame_digest
from ._spark_session import is_float as spark_is_float
from ._spark_session import is_number as spark_is_number
from ._spark_session import missing as spark_missing
from ._spark_session import quiet as spark_quiet
from ._spark_session import read_parquet as spark_read_parquet
from ._spark_session import session as spark_session

__all__ = [
    "CSV_ROW_FIELDS",
    "CSV_UNREADABLE",
    "DUPLICATE_COLUMN",
    "FILE_CHANGED",
    "MEMORY_BUDGET",
    "NESTED_COLUMN",
    "SAME_BUT_CASE",
    "SPARK_FRAME",
    "SPARK_LOCAL_SETTINGS",
    "UNREADABLE",
    "UNSUPPORTED",
    "DataSource",
    "Engine",
    "Kind",
    "ReadData",
    "as_one_file",
    "check_names",
    "check_parsed_rows",
    "check_rows",
    "csv_frame",
    "csv_header",
    "csv_refused",
    "csv_scan",
    "csv_text_columns",
    "csv_to_parquet",
    "csv_types",
    "duckdb_connect",
    "duration_units",
    "file_sha256",
    "find_source",
    "misshapen_row",
    "pandas_names",
    "quote",
    "read_files",
    "spark_frame_digest",
    "spark_is_float",
    "spark_is_number",
    "spark_jobs",
    "spark_missing",
    "spark_quiet",
    "spark_read_parquet",
    "spark_read_uri",
    "spark_session",
    "text_header",
]
