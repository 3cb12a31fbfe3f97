"""The Spark engine's session, how it reads Parquet, and Spark's types as pandas sees them.

The session: the active one when there is one (a cluster's, a notebook's), else a local
one, master ``SIGNOFF_SPARK_MASTER`` (default ``local[2]``), with the settings in
:data:`LOCAL_SETTINGS` and Python workers running this interpreter (``PYSPARK_PYTHON``
when set).  A session that cannot start (no Java, a bad master) is an
:class:`~signoff.errors.InputError` (exit 3) saying why.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import DataError, InputError, MissingExtraError
from ._spark_cluster import ship_code

__all__ = [
    "FRAME",
    "LOCAL_SETTINGS",
    "frame_digest",
    "is_float",
    "is_number",
    "missing",
    "quiet",
    "read_parquet",
    "session",
]

#: What messages name as the file when the data is a DataFrame handed to the Python API.
FRAME = Path("<spark DataFrame>")
DEFAULT_MASTER = "local[2]"
#: The driver's logging in a session signoff starts: errors only, no start-up chatter.
QUIET_LOG = "spark-log4j2.properties"
#: Settings of a local session signoff starts (an active session is used as it is).
LOCAL_SETTINGS = {
    "spark.app.name": "signoff",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.memory": "2g",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
}
NO_SESSION = (
    "the spark engine could not start a Spark session (master {master!r}): {reason}; "
    "Spark needs a Java 17+ runtime (Debian: openjdk-17-jre-headless; `make java-deps`)"
)
NO_CSV = "the spark engine reads Parquet files; convert the CSV files or use engine duckdb"
FLOATS = ("float", "double")
_NUMBERS = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal")


@contextmanager
def quiet() -> Iterator[None]:
    """PySpark warns that it does not fully support pandas 3; the paths used here are Arrow's."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        yield


def session() -> Any:
    """The active Spark session, or a local one (see the module docstring)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise MissingExtraError("The spark engine", "spark", "pyspark") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        ship_code(active)
        return active
    master = os.environ.get("SIGNOFF_SPARK_MASTER") or DEFAULT_MASTER
    builder = SparkSession.builder.master(master)
    for key, value in LOCAL_SETTINGS.items():
        builder = builder.config(key, value)
    logging = Path(__file__).resolve().with_name(QUIET_LOG).as_uri()
    builder = builder.config(
        "spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={logging}"
    )
    # Python workers run this interpreter (its NumPy and pyarrow), unless told otherwise.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        with quiet():
            spark = builder.getOrCreate()
    except Exception as exc:  # py4j and PySpark raise many kinds when the JVM cannot start
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputError(NO_SESSION.format(master=master, reason=reason)) from None
    spark.sparkContext.setLogLevel("ERROR")
    ship_code(spark)
    return spark


def frame_digest(frame: Any) -> str:
    """The manifest's ``data.sha256`` for a DataFrame: its rows, whatever their order.

    SHA-256 of ``rows=<n>``, the schema, and the exact sum of every row's ``xxhash64``
    (Spark's hash of all columns): one pass, no ordering, the same on any partitioning.
    """
    import hashlib

    from pyspark.sql import functions as F

    hashed = F.xxhash64(*(F.col(f"`{c}`") for c in frame.columns)).cast("decimal(20,0)")
    rows, total = frame.select(F.count(F.lit(1)), F.sum(hashed)).first()
    text = f"rows={rows}\nschema={frame.schema.simpleString()}\nxxhash64={total}\n"
    return hashlib.sha256(text.encode()).hexdigest()


def is_float(kind: str) -> bool:
    """A Spark type whose values may be NaN."""
    return kind in FLOATS


def is_number(kind: str) -> bool:
    """A Spark numeric type."""
    return kind.startswith(_NUMBERS)


def missing(column: str, kind: str) -> Any:
    """The value is missing as pandas sees it (null, or NaN in a float column)."""
    from pyspark.sql import functions as F

    c = F.col(f"`{column}`")
    return (c.isNull() | F.isnan(c)) if is_float(kind) else c.isNull()


def read_parquet(spark: Any, files: tuple[Path, ...], kind: str, where: Path) -> Any:
    """The rows of the data set's Parquet files."""
    if kind != "parquet":
        raise DataError(NO_CSV, file=where, field="data.engine")
    return spark.read.parquet(*(str(f) for f in files))
